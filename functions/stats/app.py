"""GET /stats: CPU and memory of this execution environment, row counts per table, latest invoice."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.ops.stats import collect_stats
from creditpilot.platform.http import create_app, ok
from creditpilot.platform.logging import get_logger
from creditpilot.platform.runtime import database, record_failure

logger = get_logger()
app = create_app("stats", record_failure=record_failure)


@app.get("/stats")
def stats():
    return ok(collect_stats(database()))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
