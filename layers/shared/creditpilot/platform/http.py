"""HTTP edge shared by every function: the resolver, the one error->HTTP mapping, responses, cookies.

Handlers stay thin: they receive validated pydantic models from Powertools' resolver
(`enable_validation=True`), call one service and return a model or a `Response`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from creditpilot.platform.auth import Principal, principal_from_context
from creditpilot.platform.config import Settings, env_settings
from creditpilot.platform.errors import (
    AppError,
    BadRequestError,
    ForbiddenError,
    UnauthorizedError,
    ValidationError,
)
from creditpilot.platform.files import content_disposition
from creditpilot.platform.logging import get_logger

T = TypeVar("T")
JSON = "application/json"
HTML = "text/html; charset=utf-8"
SESSION_COOKIE = "session"

# What an unexpected failure is reported through (processing_logs); set by `create_app`.
FailureRecorder = Callable[[dict[str, Any]], None]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # money stays exact on the wire: "1234.50"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(body: Any) -> str:
    return json.dumps(body, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def json_response(
    body: Mapping[str, Any],
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    cookies: list | None = None,
) -> Response:
    return Response(
        status_code=status,
        content_type=JSON,
        body=dumps(body),
        headers=dict(headers or {}),
        cookies=cookies or [],
    )


def ok(body: Mapping[str, Any] | None = None, status: int = 200, **extra: Any) -> Response:
    return json_response({"ok": True, **(body or {}), **extra}, status)


def error_response(err: AppError, request_id: str | None = None) -> Response:
    body = err.to_body()
    if request_id:
        body["request_id"] = request_id
    return json_response(body, err.status)


def html_response(html: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    base = {
        "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
    return Response(status_code=status, content_type=HTML, body=html, headers={**base, **(headers or {})})


def redirect(location: str, status: int = 302) -> Response:
    return Response(status_code=status, content_type="text/plain", body="", headers={"Location": location})


def file_response(data: bytes, content_type: str, filename: str, *, inline: bool = False) -> Response:
    headers = {
        "Content-Disposition": content_disposition(filename, inline=inline),
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(status_code=200, content_type=content_type, body=data, headers=headers)


def _field_name(loc: tuple | list) -> str:
    """`("body", "items", 0, "unit_price")` -> `items.0.unit_price`: list positions say which line."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "headers", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in errors:
        fields.setdefault(_field_name(err.get("loc", ())), str(err.get("msg", "invalid value")))
    return fields


def session_cookie_header(token: str, *, secure: bool, max_age: int = 3600) -> str:
    flags = ["HttpOnly", "SameSite=Lax", "Path=/", f"Max-Age={max_age}"]
    if secure:
        flags.append("Secure")
    return f"{SESSION_COOKIE}={token}; " + "; ".join(flags)


def cookie_is_secure(settings: Settings, host: str | None) -> bool:
    """Secure everywhere except plain-HTTP localhost during local development."""
    if settings.env in ("local", "test"):
        hostname = (host or "").split(":")[0]
        return hostname not in ("127.0.0.1", "localhost", "::1", "")
    return True


def create_app(
    function_name: str, *, record_failure: FailureRecorder | None = None, settings: Settings | None = None
) -> APIGatewayRestResolver:
    """The resolver every function uses, with the one error mapping installed."""
    settings = settings or env_settings()
    logger = get_logger()
    origins = list(settings.cors_allow)
    cors = (
        CORSConfig(allow_origin=origins[0], extra_origins=origins[1:], allow_credentials=True, max_age=600)
        if origins
        else None
    )
    app = APIGatewayRestResolver(enable_validation=True, cors=cors, serializer=dumps)

    def request_id() -> str | None:
        ctx = app.lambda_context
        return getattr(ctx, "aws_request_id", None) if ctx is not None else None

    @app.exception_handler(AppError)
    def _app_error(err: AppError) -> Response:
        if err.status >= 500:
            logger.warning("request failed", error=err.code, status=err.status, route=app.current_event.path)
        return error_response(err, request_id())

    @app.exception_handler(RequestValidationError)
    def _invalid(err: RequestValidationError) -> Response:
        errors = list(err.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(_malformed_json(), request_id())
        return error_response(_unprocessable(validation_fields(errors)), request_id())

    @app.exception_handler(SignInRequired)
    def _sign_in(err: SignInRequired) -> Response:
        return redirect("/login?next=" + quote(err.path, safe="/"))

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable(_: UnicodeDecodeError) -> Response:
        return error_response(_malformed_json("the request body is not UTF-8 text"), request_id())

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        rid = request_id()
        route = f"{app.current_event.http_method} {app.current_event.resource}"
        logger.exception("unexpected error", route=route, request_id=rid, function=function_name)
        if record_failure is not None:
            try:
                record_failure(
                    {
                        "function": function_name,
                        "request_id": rid,
                        "route": route,
                        "status": 500,
                        "message": "unexpected error",
                        "detail": {"error": type(exc).__name__},
                    }
                )
            except Exception:  # noqa: BLE001 - the log table is best-effort; the logger already has it
                logger.warning("processing_logs write failed", request_id=rid)
        body = {
            "ok": False,
            "error": "internal_error",
            "fields": {},
            "request_id": rid,
            "message": "unexpected error; quote the request id to the operator",
        }
        return json_response(body, 500)

    return app


class _MalformedJson(AppError):
    status = 400
    code = "malformed_json"


def _malformed_json(message: str = "the request body is not valid JSON") -> AppError:
    return _MalformedJson(message, fields={"body": message})


def _unprocessable(fields: dict[str, str]) -> AppError:
    names = ", ".join(fields)
    return ValidationError(f"invalid input: {names}", fields=fields)


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 that says what is wrong with it.

    JSON numbers with a fraction become Decimal, never float: `8.50` stays exactly 8.50."""
    raw = app.current_event.decoded_body
    if not raw:
        raise _malformed_json("the request needs a JSON body")
    try:
        body = _loads(raw)
    except json.JSONDecodeError as exc:
        message = f"the request body is not valid JSON ({exc.msg} at position {exc.pos})"
        raise _malformed_json(message) from exc
    except RecursionError as exc:  # nesting thousands deep
        raise _malformed_json("the request body is nested too deeply to read") from exc
    if not isinstance(body, dict):
        raise _malformed_json("the request body must be a JSON object")
    return body


def _loads(raw: str) -> Any:
    try:
        return json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError:
        raise
    except ValueError:
        # An integer over Python's 4,300-digit limit: read it exactly so validation names its field.
        return json.loads(raw, parse_float=Decimal, parse_int=Decimal)


def validated(build: Callable[..., T], *args: Any) -> T:
    """Run a pydantic constructor on user input; its errors become a 422 naming each field."""
    from pydantic import ValidationError as PydanticValidationError

    try:
        return build(*args)
    except PydanticValidationError as exc:
        raise _unprocessable(validation_fields(exc.errors())) from None


_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,200}$")


def idempotency_key(app: APIGatewayRestResolver) -> str | None:
    value = app.current_event.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not _IDEMPOTENCY_KEY.match(value):
        raise BadRequestError(
            "Idempotency-Key must be 1-200 letters, digits or . _ : -",
            fields={"Idempotency-Key": "invalid format"},
        )
    return value


def refuse_cross_site(app: APIGatewayRestResolver) -> None:
    """For a GET that changes something: browsers mark requests started by another site, and the
    SameSite=Lax session cookie still rides along on those top-level navigations."""
    site = (app.current_event.headers.get("Sec-Fetch-Site") or "").lower()
    if site in ("cross-site", "same-site"):
        raise ForbiddenError(
            "this action must be started from CreditPilot itself",
            fields={"Sec-Fetch-Site": "cross-site request refused"},
            code="cross_site",
        )


def current_principal(app: APIGatewayRestResolver) -> Principal:
    """The signed-in user the authorizer passed on; raises 401 when there is none."""
    principal = principal_from_context(app.current_event.request_context.authorizer.raw_event or {})
    if principal is None:
        raise UnauthorizedError("login required")
    return principal


def require_group(app: APIGatewayRestResolver, *groups: str) -> Principal:
    principal = current_principal(app)
    if not principal.in_any(groups):
        raise ForbiddenError("your role may not do this: needs " + " or ".join(groups))
    return principal


class SignInRequired(Exception):
    """A page was asked for without a signed-in user; `create_app` answers it with the sign-in redirect."""

    def __init__(self, path: str):
        super().__init__(path)
        self.path = path


def page_visitor(app: APIGatewayRestResolver) -> Principal:
    """The signed-in user of a page. Pages answer a redirect to /login (not JSON 401) without one."""
    principal = principal_from_context(app.current_event.request_context.authorizer.raw_event or {})
    if principal is None:
        raise SignInRequired(app.current_event.path)
    return principal
