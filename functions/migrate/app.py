"""Applies pending SQL migrations to Aurora; invoked once after each deploy."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.platform.logging import get_logger
from creditpilot.platform.migrate import apply_migrations
from creditpilot.platform.runtime import database

logger = get_logger()


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    applied = apply_migrations(database())
    logger.info("migrations applied", count=len(applied), applied=applied)
    return {"ok": True, "applied": applied}
