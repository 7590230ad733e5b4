"""Numbered SQL migrations (`migrations/NNNN_name.sql`), applied once each, in order, in a transaction.

The same files run locally, in tests and on Aurora (the `migrate` function). A `schema_migrations` row
records each applied file with its checksum; an edited, already-applied file is refused rather than
silently diverging from production. An advisory lock keeps two migrators from racing.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from creditpilot.platform.db import Database

MIGRATIONS_PACKAGE = "creditpilot.platform.migrations"
_LOCK_KEY = 727_001  # any constant shared by all migrators of this schema
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover() -> list[Migration]:
    found = []
    for entry in resources.files(MIGRATIONS_PACKAGE).iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a number")
    return found


def apply_migrations(db: Database) -> list[str]:
    """Apply what is pending; return the names applied (empty when up to date)."""
    applied_now: list[str] = []
    with db.transaction() as tx:
        tx.run("SELECT pg_advisory_xact_lock(:key)", key=_LOCK_KEY)
        tx.run(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        done = {
            row["version"]: row for row in tx.run("SELECT version, name, checksum FROM schema_migrations")
        }
        for migration in discover():
            previous = done.get(migration.version)
            if previous:
                if previous["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} changed after it was applied"
                    )
                continue
            tx.raw.execute_simple(migration.sql)
            tx.run(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (:v, :n, :c)",
                v=migration.version,
                n=migration.name,
                c=migration.checksum,
            )
            applied_now.append(f"{migration.version:04d}_{migration.name}")
    return applied_now
