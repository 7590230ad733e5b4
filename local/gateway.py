"""API Gateway emulation: each HTTP request becomes a REST-proxy (v1) event; the authorizer runs first,
then the function's handler, in-process; its response goes back to the browser.

Faithful where it matters to the code behind it: REQUEST-authorizer events and their context,
`BinaryMediaTypes` (bodies are base64-encoded exactly as API Gateway does for `*/*`), 401/403 gateway
responses, the 10 MB payload limit, path parameters, multi-value headers and query strings.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from local.functions import FunctionLoader, Route, Template

MAX_PAYLOAD = 10 * 1024 * 1024
STAGE = "live"


def _gateway_error(status: int, code: str, message: str) -> tuple[int, dict[str, list[str]], bytes]:
    """A response API Gateway makes itself, in the same (status, multi-value headers, body) shape."""
    body = json.dumps({"ok": False, "error": code, "message": message, "fields": {}}).encode()
    return status, {"Content-Type": ["application/json"]}, body


class Gateway:
    def __init__(self, template: Template, loader: FunctionLoader):
        self.template = template
        self.loader = loader
        self.routes: list[Route] = template.routes()
        self.authorizer = template.authorizer_function()
        self.binary_types = template.binary_media_types()

    def find(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None, {}

    def _is_binary(self, content_type: str) -> bool:
        ctype = (content_type or "").split(";")[0].strip().lower()
        for pattern in self.binary_types:
            if (
                pattern == "*/*"
                or pattern == ctype
                or (pattern.endswith("/*") and ctype.startswith(pattern[:-1]))
            ):
                return True
        return False

    def build_event(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, list[str]],
        body: bytes,
        route: Route,
        params: dict[str, str],
        source_ip: str,
    ) -> dict:
        split = urlsplit(raw_path)
        multi_query = parse_qs(split.query, keep_blank_values=True)
        single_headers = {k: v[-1] for k, v in headers.items()}
        content_type = single_headers.get("Content-Type") or single_headers.get("content-type") or ""
        binary = bool(body) and self._is_binary(content_type)
        request_id = str(uuid.uuid4())
        return {
            "resource": route.path,
            "path": split.path,
            "httpMethod": method,
            "headers": single_headers,
            "multiValueHeaders": headers,
            "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{STAGE}{split.path}",
                "stage": STAGE,
                "requestId": request_id,
                "extendedRequestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "protocol": "HTTP/1.1",
                "accountId": "000000000000",
                "apiId": "local",
                "identity": {"sourceIp": source_ip, "userAgent": single_headers.get("User-Agent")},
                "authorizer": {},
            },
            "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace"))
            if body
            else None,
            "isBase64Encoded": binary,
        }

    def authorize(self, event: dict) -> tuple[dict | None, tuple[int, dict, bytes] | None]:
        method_arn = (
            f"arn:aws:execute-api:local:000000000000:local/{STAGE}/{event['httpMethod']}{event['resource']}"
        )
        auth_event = {
            "type": "REQUEST",
            "methodArn": method_arn,
            **{
                k: event[k]
                for k in (
                    "resource",
                    "path",
                    "httpMethod",
                    "headers",
                    "multiValueHeaders",
                    "queryStringParameters",
                    "multiValueQueryStringParameters",
                    "pathParameters",
                    "stageVariables",
                    "requestContext",
                )
            },
        }
        try:
            answer = self.loader.invoke(self.authorizer, auth_event)
        except Exception as exc:  # noqa: BLE001 - any authorizer failure is a gateway response, as in AWS
            if str(exc) == "Unauthorized":
                return None, _gateway_error(401, "unauthorized", "login required")
            print(f"authorizer failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return None, _gateway_error(500, "authorizer_error", "authorizer failed")
        statements = answer.get("policyDocument", {}).get("Statement", [])
        if not any(s.get("Effect") == "Allow" for s in statements):
            return None, _gateway_error(403, "forbidden", "access denied")
        context = {**(answer.get("context") or {}), "principalId": answer.get("principalId")}
        return context, None

    def handle(
        self,
        method: str,
        raw_path: str,
        headers: dict[str, list[str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
    ) -> tuple[int, dict[str, list[str]], bytes]:
        if len(body) > MAX_PAYLOAD:
            return _gateway_error(413, "payload_too_large", "request body over 10 MB")
        route, params = self.find(method, urlsplit(raw_path).path)
        if route is None:
            # API Gateway answers an unknown method on a known path like an unknown path (the template
            # maps its MISSING_AUTHENTICATION_TOKEN response to 404).
            return _gateway_error(404, "not_found", "no such route")
        event = self.build_event(method, raw_path, headers, body, route, params, source_ip)
        if not route.public and self.authorizer:
            context, failure = self.authorize(event)
            if failure:
                return failure
            event["requestContext"]["authorizer"] = context
        try:
            result = self.loader.invoke(route.function, event)
        except Exception as exc:  # noqa: BLE001 - an unhandled crash is API Gateway's 502
            print(f"{route.function} crashed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return _gateway_error(502, "bad_gateway", "internal server error")
        return self._response(result)

    @staticmethod
    def _response(result: dict) -> tuple[int, dict[str, list[str]], bytes]:
        status = int(result.get("statusCode", 200))
        merged: dict[str, list[str]] = {}
        for key, value in (result.get("headers") or {}).items():
            merged.setdefault(key, []).append(str(value))
        for key, values in (result.get("multiValueHeaders") or {}).items():
            current = merged.setdefault(key, [])
            current.extend(str(v) for v in values if str(v) not in current)
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
        return status, merged, body


def make_server(gateway: Gateway, host: str, port: int, quiet: bool = False) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "creditpilot-local"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers: dict[str, list[str]] = {}
            for key, value in self.headers.items():
                headers.setdefault(key, []).append(value)
            started = time.perf_counter()
            status, out_headers, out = gateway.handle(
                self.command, self.path, headers, body, self.client_address[0]
            )
            self.send_response(status)
            for key, values in out_headers.items():
                if key.lower() in ("content-length", "connection", "transfer-encoding"):
                    continue
                for value in values:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
            if not quiet:
                elapsed = (time.perf_counter() - started) * 1000
                phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
                print(f"{self.command} {self.path} -> {status} {phrase} ({elapsed:.1f} ms)", file=sys.stderr)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

        def log_message(self, *args) -> None:  # the one-line log above replaces http.server's
            return

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
