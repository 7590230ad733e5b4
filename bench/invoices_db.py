"""Invoice numbering throughput against local PostgreSQL, and the month ZIP of 500 invoices.

- Allocation: the service's own commit (invoice + line inserted, then the sequence row locked and bumped,
  one transaction) from 1, 8 and 32 processes, each with its own connection, as concurrent Lambdas are.
  Target ≥ 800 invoices/s at 8.
  Reference (the ceiling): the raw `UPDATE ... RETURNING` + `INSERT` pair on the same server and driver.
- ZIP: 500 stored invoices streamed through the S3 multipart path in a separate process, its wall time
  and peak RSS (target ≤ 256 MB).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _deps(pool_size: int):
    from creditpilot.invoices.pdf import render_invoice_pdf
    from creditpilot.invoices.profile import load_profile
    from creditpilot.invoices.service import InvoiceDeps
    from creditpilot.platform.config import DatabaseSettings, get_settings
    from creditpilot.platform.crypto import FieldCipher
    from creditpilot.platform.db import Database
    from creditpilot.platform.storage import ObjectStore

    settings = get_settings()
    db = Database.from_settings(DatabaseSettings(url=settings.db.url, pool_size=pool_size))
    return InvoiceDeps(
        db=db,
        store=ObjectStore(settings.storage),
        bucket="bench-invoices",
        exports_bucket="bench-exports",
        profile=load_profile(),
        render=render_invoice_pdf,
        cipher=FieldCipher(settings.fernet_key),
    )


def _worker(kind: str, seconds: float, barrier, results) -> None:
    """One issuer: its own process and connection, as each concurrent Lambda has."""
    from creditpilot.platform import runtime

    runtime.database.cache_clear()  # forget (never close) the parent's connection: its socket is shared
    work, cleanup = (_service_work if kind == "service" else _raw_work)()
    barrier.wait()
    stop = time.monotonic() + seconds
    count = 0
    while time.monotonic() < stop:
        work()
        count += 1
    cleanup()
    results.put(count)


def _rate(kind: str, workers: int, seconds: float, repeats: int) -> float:
    """Median of `repeats` windows: commit latency on a laptop disk drifts between windows."""
    return statistics.median(_window(kind, workers, seconds) for _ in range(repeats))


def _window(kind: str, workers: int, seconds: float) -> float:
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(kind, seconds, barrier, results)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.monotonic()
    total = sum(results.get(timeout=seconds + 60) for _ in procs)
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.join()
    return total / elapsed


def _service_work():
    from creditpilot.invoices.service import commit_invoice, draft_from

    deps = _deps(1)
    draft = draft_from(
        {
            "layout": "service",
            "bill_to_name": "BENCH SUPPLIER",
            "amount": "8.50",
            "description": "Card management fee",
            "issue_date": date(2026, 6, 1),
        },
        deps.profile,
    )
    return (lambda: commit_invoice(deps, draft, None, "bench", None)), deps.db.close


RAW_ALLOCATE = (
    """UPDATE invoice_sequences SET last_number = last_number + 1 WHERE year = 2030 RETURNING last_number"""
)
RAW_INSERT = """INSERT INTO invoices (number, year, seq, layout, lang, bill_to_name, issue_date, due_date, subtotal,
                 tax, total) VALUES (:n, 2030, :s, 'service', 'en', 'RAW', '2030-01-01', '2030-01-31', 1, 0, 1)"""


def _raw_work():
    from creditpilot.platform.config import DatabaseSettings, get_settings
    from creditpilot.platform.db import Database

    db = Database.from_settings(DatabaseSettings(url=get_settings().db.url, pool_size=1))

    def work() -> None:
        with db.transaction() as tx:
            seq = tx.scalar(RAW_ALLOCATE)
            tx.run(RAW_INSERT, n=f"INV-2030-{seq:04d}", s=seq)

    return work, db.close


def _prepare_raw_sequence() -> None:
    from creditpilot.platform import runtime

    with runtime.database().transaction() as tx:
        tx.run("INSERT INTO invoice_sequences (year, last_number) VALUES (2030, 0) ON CONFLICT DO NOTHING")


ZIP_CHILD = r"""
import json, sys, time
sys.path[:0] = [{layer!r}, {root!r}]
from bench.invoices_db import _deps
from creditpilot.invoices import service
service.MAX_INLINE_ZIP_BYTES = 0  # force the streamed S3 path that large months take
deps = _deps(2)
started = time.perf_counter()
data, url, count = service.month_archive(deps, "2026-07")
elapsed = time.perf_counter() - started
# VmHWM, not ru_maxrss: after fork+exec Linux folds the parent's peak into ru_maxrss.
hwm_kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
print(json.dumps({{"seconds": elapsed, "count": count, "max_rss_kb": hwm_kb, "url": bool(url)}}))
"""


def _zip_figures(env, count: int) -> list[dict]:
    from concurrent.futures import ThreadPoolExecutor

    from creditpilot.invoices.service import draft_from, issue_invoice

    deps = _deps(4)
    drafts = [
        draft_from(
            {
                "layout": "itemised",
                "bill_to_name": f"SUPPLIER {i:03d} SDN BHD",
                "month": "2026-07",
                "issue_date": date(2026, 7, 28),
                "items": [{"description": f"Purchase {j}", "unit_price": f"{10 + j}.50"} for j in range(8)],
            },
            deps.profile,
        )
        for i in range(count)
    ]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda d: issue_invoice(deps, d), drafts))
    deps.db.close()
    code = ZIP_CHILD.format(layer=str(ROOT / "layers" / "shared"), root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env.env},
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return [
        {
            "name": f"month ZIP of {result['count']} invoices (S3 multipart, streamed)",
            "value": round(result["seconds"], 2),
            "unit": "s",
            "target": None,
            "better": "lower",
        },
        {
            "name": f"month ZIP of {result['count']} invoices peak RSS",
            "value": round(result["max_rss_kb"] / 1024, 1),
            "unit": "MB",
            "target": 256.0,
            "better": "lower",
        },
    ]


def figures(env) -> list[dict]:
    seconds, repeats = (1.0, 1) if env.quick else (2.0, 3)
    out = []
    raw8 = None
    for threads in (1, 8, 32):
        env.reset_database()
        _prepare_raw_sequence()
        raw = _rate("raw", threads, seconds, repeats)
        env.reset_database()
        rate = _rate("service", threads, seconds, repeats)
        if threads == 8:
            raw8 = raw
        out.append(
            {
                "name": f"invoice number allocation, {threads} connection(s)",
                "value": round(rate, 1),
                "unit": "inv/s",
                "target": 800.0 if threads == 8 else None,
                "better": "higher",
                "reference": round(raw, 1),
            }
        )
    out.append(
        {
            "name": "allocation at 8 as share of raw UPDATE+INSERT ceiling",
            "value": round(out[1]["value"] / raw8, 3) if raw8 else 0.0,
            "unit": "ratio",
            "target": None,
            "better": "higher",
        }
    )
    env.reset_database()
    out += _zip_figures(env, 100 if env.quick else 500)
    env.reset_database()
    return out
