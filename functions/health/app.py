"""GET /health (public): database reachability, version, env and which integrations are enabled."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.ops.health import check_health
from creditpilot.platform.config import get_settings
from creditpilot.platform.http import create_app, json_response
from creditpilot.platform.logging import get_logger
from creditpilot.platform.runtime import database, record_failure

logger = get_logger()
app = create_app("health", record_failure=record_failure)


@app.get("/health")
def health():
    report = check_health(database(), get_settings())
    return json_response(report.body, report.status_code)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
