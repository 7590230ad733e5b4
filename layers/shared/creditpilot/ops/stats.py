"""GET /stats: the execution environment's CPU and memory, row counts per table, latest invoice number."""

from __future__ import annotations

import os
import resource
import sys
from typing import Any

from creditpilot.platform.db import Database, table_counts

APP_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
ORDER BY table_name
"""

LATEST_INVOICE = "SELECT number FROM invoices ORDER BY year DESC, seq DESC LIMIT 1"


def _meminfo() -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                key, _, rest = line.partition(":")
                if key in ("MemTotal", "MemAvailable"):
                    values[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass  # not Linux: report what resource can tell
    return values


def environment_stats() -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # ru_maxrss is KiB on Linux, bytes on macOS.
    max_rss = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    mem = _meminfo()
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    lambda_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    return {
        "cpu": {
            "count": os.cpu_count(),
            "process_user_seconds": round(usage.ru_utime, 3),
            "process_system_seconds": round(usage.ru_stime, 3),
            "load_average_1m": round(load[0], 2),
        },
        "memory": {
            "process_max_rss_bytes": max_rss,
            "total_bytes": mem.get("MemTotal"),
            "available_bytes": mem.get("MemAvailable"),
            "lambda_limit_mb": int(lambda_mb) if lambda_mb else None,
        },
        "python": sys.version.split()[0],
    }


def collect_stats(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        tables = [row["table_name"] for row in conn.run(APP_TABLES)]
        counts = table_counts(conn, tables)
        latest = conn.scalar(LATEST_INVOICE)
    return {"environment": environment_stats(), "tables": counts, "latest_invoice_number": latest}
