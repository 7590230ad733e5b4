"""Lambda REQUEST authorizer: verifies the Cognito JWT from the Bearer header or the session cookie.

Valid token -> Allow, with the user and groups in the context. No valid token -> 401 for API routes
(raising "Unauthorized" is how API Gateway is told), or Allow-as-anonymous for pages, whose handlers
then redirect to /login.
"""

from functools import lru_cache

from aws_lambda_powertools.utilities.typing import LambdaContext

from creditpilot.platform.auth import (
    InvalidTokenError,
    TokenVerifier,
    iam_policy,
    is_page_route,
    token_from_request,
)
from creditpilot.platform.config import get_settings
from creditpilot.platform.logging import get_logger

logger = get_logger()


@lru_cache(maxsize=1)
def _verifier() -> TokenVerifier:
    settings = get_settings()
    settings.require("COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID")
    auth = settings.auth
    return TokenVerifier(
        issuer=auth.issuer or "", client_id=auth.client_id or "", jwks_url=auth.resolved_jwks_url or ""
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    method_arn = event.get("methodArn", "")
    token = token_from_request(event.get("headers"))
    if token:
        try:
            principal = _verifier().verify(token)
            return iam_policy(principal.subject, "Allow", method_arn, principal.to_context())
        except InvalidTokenError as exc:
            logger.info("token rejected", reason=str(exc), route=event.get("resource"))
    if is_page_route(event.get("httpMethod", ""), event.get("resource", "")):
        return iam_policy("anonymous", "Allow", method_arn, {"authenticated": "false"})
    raise Exception("Unauthorized")  # noqa: TRY002 - the exact message API Gateway maps to 401
