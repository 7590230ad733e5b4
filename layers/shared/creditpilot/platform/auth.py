"""Cognito JWT verification and the authorizer's contract with the functions behind it.

The authorizer verifies a token from `Authorization: Bearer` or the `session` cookie: RS256 signature
against the pool's JWKS (cached), issuer, audience/client id, expiry and token use. It passes the user
on in the request context (`principalId`, `email`, `groups`), which `principal_from_context` reads back.
Locally the same code verifies moto's tokens against moto's JWKS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

GROUPS = ("admin", "finance", "viewer")


class InvalidTokenError(Exception):
    """The token is missing, malformed, expired, or not ours. The message is for logs, not clients."""


@dataclass(frozen=True)
class Principal:
    subject: str
    email: str | None
    groups: tuple[str, ...]

    def in_any(self, groups: Iterable[str]) -> bool:
        return bool(set(groups) & set(self.groups))

    def to_context(self) -> dict[str, str]:
        # API Gateway only passes flat string/number/bool context values on.
        return {
            "principalId": self.subject,
            "email": self.email or "",
            "groups": ",".join(self.groups),
            "authenticated": "true",
        }


def principal_from_context(authorizer_context: Mapping[str, Any]) -> Principal | None:
    if str(authorizer_context.get("authenticated", "")).lower() != "true":
        return None
    subject = authorizer_context.get("principalId") or ""
    if not subject:
        return None
    groups = tuple(g for g in str(authorizer_context.get("groups", "")).split(",") if g)
    return Principal(subject=str(subject), email=authorizer_context.get("email") or None, groups=groups)


def token_from_request(headers: Mapping[str, str] | None) -> str | None:
    """Bearer header first, then the session cookie. Header names are matched case-insensitively."""
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    auth = lowered.get("authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        return auth[7:].strip()
    cookie_header = lowered.get("cookie")
    if cookie_header:
        try:
            jar = SimpleCookie()
            jar.load(cookie_header)
        except CookieError:
            return None
        morsel = jar.get("session")
        if morsel and morsel.value:
            return morsel.value
    return None


def is_page_route(method: str, resource: str) -> bool:
    """Pages (HTML for a browser) redirect to /login instead of answering 401 JSON."""
    return method.upper() == "GET" and (resource == "/" or resource.endswith("/page"))


class TokenVerifier:
    """Verifies Cognito ID and access tokens. The JWKS is fetched once and cached per key id."""

    def __init__(self, *, issuer: str, client_id: str, jwks_url: str, leeway_seconds: int = 30):
        self.issuer = issuer
        self.client_id = client_id
        self.jwks_url = jwks_url
        self.leeway = leeway_seconds
        self._jwks_client = None
        self._lock = threading.Lock()

    def _signing_key(self, token: str):
        import jwt

        with self._lock:
            if self._jwks_client is None:
                self._jwks_client = jwt.PyJWKClient(self.jwks_url, cache_keys=True, lifespan=3600, timeout=3)
        try:
            return self._jwks_client.get_signing_key_from_jwt(token).key
        except jwt.PyJWKClientConnectionError as exc:
            raise InvalidTokenError("JWKS unreachable") from exc
        except jwt.PyJWKClientError as exc:
            raise InvalidTokenError("unknown signing key") from exc
        except jwt.DecodeError as exc:
            raise InvalidTokenError("malformed token") from exc

    def verify(self, token: str) -> Principal:
        import jwt

        key = self._signing_key(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidTokenError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidTokenError(f"token rejected: {type(exc).__name__}") from exc
        token_use = claims.get("token_use")
        # Cognito ID tokens carry the app client in `aud`, access tokens in `client_id`.
        if token_use == "id":  # noqa: S105 - a claim value, not a password
            audience = claims.get("aud")
            audiences = audience if isinstance(audience, list) else [audience]
            if self.client_id not in audiences:
                raise InvalidTokenError("token for another client")
        elif token_use == "access":  # noqa: S105 - a claim value
            if claims.get("client_id") != self.client_id:
                raise InvalidTokenError("token for another client")
        else:
            raise InvalidTokenError("not an id or access token")
        groups = tuple(g for g in claims.get("cognito:groups", []) if g in GROUPS)
        email = claims.get("email") or claims.get("username") or claims.get("cognito:username")
        return Principal(subject=str(claims["sub"]), email=email, groups=groups)


def iam_policy(
    principal_id: str, effect: str, method_arn: str, context: Mapping[str, str] | None = None
) -> dict:
    """The authorizer's answer, scoped to the one method it was asked about (caching is off)."""
    policy = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
    }
    if context:
        policy["context"] = dict(context)
    return policy
