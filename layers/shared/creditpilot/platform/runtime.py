"""Per-execution-environment collaborators, built lazily once and reused by warm invocations."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from creditpilot.platform.config import get_settings

if TYPE_CHECKING:
    from creditpilot.platform.db import Database


@lru_cache(maxsize=1)
def database() -> Database:
    # Imported on first use: a function whose first request needs no database (the sign-in page, the
    # authorizer) then never loads pg8000 at all.
    from creditpilot.platform.db import Database

    return Database.from_settings(get_settings().db)


def record_failure(entry: dict[str, Any]) -> None:
    from creditpilot.ops import processing_logs

    processing_logs.record(database(), entry)


def reset() -> None:
    """Drop cached collaborators (tests and the local cloud after changing the environment)."""
    if database.cache_info().currsize:
        database().close()
    database.cache_clear()
