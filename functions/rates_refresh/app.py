"""Daily rates refresh (EventBridge schedule): the same service as POST /loans/rates/refresh.

Logs the report (per feed: status and counts). A feed that failed or was only partly applied is also
written to processing_logs (level WARNING) so the operator's error log shows it. The function itself
succeeds whenever the job ran: a bad feed is reported, not retried by Lambda.
"""

from __future__ import annotations

from functools import lru_cache

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.loans import catalogue, service
from creditpilot.ops import processing_logs
from creditpilot.platform.config import get_settings
from creditpilot.platform.logging import get_logger
from creditpilot.platform.runtime import database

logger = get_logger()
FUNCTION = "rates_refresh"
LOGGED_ERRORS_PER_FEED = 20
LOGGED_KEYS = ("source", "kind", "status", "applied", "unchanged", "error_count")


@lru_cache(maxsize=1)
def _deps() -> service.LoansDeps:
    # Nothing ranks here, so no product cache; another process's cache expires on its own.
    return service.deps_from_settings(get_settings(), database(), cache_products=False)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    report = catalogue.refresh_rates(_deps())
    counts = [{key: source[key] for key in LOGGED_KEYS} for source in report["sources"]]
    logger.info("rates refresh finished", summary=report["summary"], feeds=counts)
    if not report["sources"]:
        logger.warning("rates refresh has no feeds configured (LOANS_FEEDS is empty)")
    troubled = [s for s in report["sources"] if s["status"] in ("failed", "partial")]
    if troubled:
        detail = {"feeds": [{**s, "errors": s["errors"][:LOGGED_ERRORS_PER_FEED]} for s in troubled]}
        logger.warning("rates feeds failed or partly applied", feeds=len(troubled))
        try:
            processing_logs.record(
                database(),
                {
                    "function": FUNCTION,
                    "request_id": getattr(context, "aws_request_id", None),
                    "route": "schedule",
                    "message": "rates feeds failed or partly applied",
                    "detail": detail,
                },
                level="WARNING",
            )
        except Exception:  # noqa: BLE001 - the log table is best-effort; the logger already has it
            logger.warning("processing_logs write failed")
    return {"ok": True, **report}
