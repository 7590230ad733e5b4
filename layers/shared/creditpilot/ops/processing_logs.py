"""processing_logs: every 5xx (and any operational event worth keeping) lands here, masked."""

from __future__ import annotations

from typing import Any

from creditpilot.platform.db import Database, as_json
from creditpilot.platform.logging import mask_text, mask_value

INSERT_LOG = """
INSERT INTO processing_logs (level, function, request_id, route, status, message, detail)
VALUES (:level, :function, :request_id, :route, :status, :message, CAST(:detail AS jsonb))
RETURNING id
"""


def record(db: Database, entry: dict[str, Any], level: str = "ERROR") -> int:
    """Write one row in its own short transaction, so it survives the failed request's rollback."""
    with db.transaction() as tx:
        return int(
            tx.scalar(
                INSERT_LOG,
                level=level,
                function=str(entry.get("function", "unknown"))[:100],
                request_id=entry.get("request_id"),
                route=(entry.get("route") or "")[:300] or None,
                status=entry.get("status"),
                message=mask_text(str(entry.get("message", "")))[:2000],
                detail=as_json(mask_value(entry.get("detail") or {})),
            )
        )
