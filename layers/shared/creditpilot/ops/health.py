"""GET /health: is the database reachable, which integrations are on, which version runs where."""

from __future__ import annotations

from dataclasses import dataclass

from creditpilot.platform.config import Settings
from creditpilot.platform.db import Database
from creditpilot.platform.errors import ConfigError, DatabaseUnavailableError

# Health must answer within 3 s even when the database host is black-holed: the whole check gets 2.5 s.
PING_BUDGET_SECONDS = 2.5


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    body: dict

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503


def check_health(db: Database, settings: Settings) -> HealthReport:
    try:
        db.ping(budget=PING_BUDGET_SECONDS)
        database = "ok"
    except (DatabaseUnavailableError, ConfigError):
        database = "error"
    healthy = database == "ok"
    body = {
        "ok": healthy,
        "status": "healthy" if healthy else "degraded",
        "database": database,
        "version": settings.version,
        "env": settings.env,
        "integrations": settings.integrations(),
    }
    return HealthReport(healthy, body)
