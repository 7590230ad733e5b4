"""Sign-in through Cognito USER_PASSWORD_AUTH (moto's Cognito locally, via AWS_ENDPOINT_URL)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from creditpilot.platform.config import AuthSettings
from creditpilot.platform.errors import ServiceUnavailableError, UnauthorizedError


@dataclass(frozen=True)
class Session:
    token: str
    expires_in: int


class CognitoLogin:
    def __init__(self, settings: AuthSettings, client=None):
        self._settings = settings
        self._client = client

    def _cognito(self):
        if self._client is None:
            import boto3  # deferred: only sign-in needs it, other routes of this function start faster

            self._client = boto3.client("cognito-idp", region_name=self._settings.region)
        return self._client

    def sign_in(self, email: str, password: str) -> Session:
        from botocore.exceptions import BotoCoreError, ClientError

        if not self._settings.client_id:
            raise ServiceUnavailableError("sign-in is not configured (COGNITO_CLIENT_ID)")
        try:
            answer = self._cognito().initiate_auth(
                ClientId=self._settings.client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in (
                "NotAuthorizedException",
                "UserNotFoundException",
                "UserNotConfirmedException",
                "PasswordResetRequiredException",
            ):
                raise UnauthorizedError("invalid email or password", code="invalid_credentials") from exc
            if code == "TooManyRequestsException":
                raise ServiceUnavailableError("too many sign-in attempts; try again shortly") from exc
            raise ServiceUnavailableError("sign-in is unavailable") from exc
        except BotoCoreError as exc:
            raise ServiceUnavailableError("sign-in is unavailable") from exc
        result = answer.get("AuthenticationResult")
        if not result:
            # A challenge (e.g. NEW_PASSWORD_REQUIRED) cannot be completed through this form.
            raise UnauthorizedError(
                "this account needs its password set by an administrator", code="challenge_required"
            )
        # The ID token carries email and groups, which the pages show; the authorizer accepts both kinds.
        return Session(token=result["IdToken"], expires_in=int(result.get("ExpiresIn", 3600)))


@lru_cache(maxsize=1)
def default_login() -> CognitoLogin:
    from creditpilot.platform.config import get_settings

    return CognitoLogin(get_settings().auth)
