"""Emptying the application's tables between tests and benchmark suites (the schema stays)."""

from __future__ import annotations

from creditpilot.ops.stats import APP_TABLES
from creditpilot.platform.db import Database


def empty_app_tables(db: Database) -> None:
    with db.connection() as conn:
        # Names come from the catalogue (the same query /stats counts by), quoted as identifiers.
        names = ", ".join('"' + row["table_name"].replace('"', '""') + '"' for row in conn.run(APP_TABLES))
        conn.run(f"TRUNCATE {names} RESTART IDENTITY CASCADE")  # noqa: S608
