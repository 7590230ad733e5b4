"""API Gateway REST-proxy events for driving handlers directly, shaped like the local gateway's."""

from __future__ import annotations

import base64
import importlib.util
import json
import sys
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    body: Any = None,
    raw_body: bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
    groups: tuple[str, ...] | None = ("admin",),
    binary: bool = True,
) -> dict:
    """`groups=None` means not signed in. Bodies are base64-encoded as API Gateway does for `*/*`."""
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    hdrs = {
        "Host": "127.0.0.1:3000",
        **({"Content-Type": "application/json"} if data else {}),
        **(headers or {}),
    }
    authorizer = (
        {
            "principalId": "user-1",
            "email": "finance@example.com",
            "groups": ",".join(groups),
            "authenticated": "true",
        }
        if groups is not None
        else {"authenticated": "false"}
    )
    return {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": hdrs,
        "multiValueHeaders": {k: [v] for k, v in hdrs.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_params,
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "resourcePath": resource or path,
            "httpMethod": method,
            "stage": "live",
            "authorizer": authorizer,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": (base64.b64encode(data).decode() if binary else data.decode()) if data else None,
        "isBase64Encoded": bool(data) and binary,
    }


class Context:
    def __init__(self, name: str = "test"):
        self.function_name = name
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{name}"
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_function(name: str):
    """Import functions/<name>/app.py fresh, under its own module name (as the local gateway does)."""
    module_name = f"fn_{name}"
    sys.modules.pop(module_name, None)
    spec = importlib.util.spec_from_file_location(module_name, ROOT / "functions" / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def invoke(module, event: dict) -> dict:
    return module.lambda_handler(event, Context(module.__name__))


def body_of(response: dict) -> Any:
    raw = response.get("body") or ""
    data = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    return json.loads(data) if data else None


def raw_body_of(response: dict) -> bytes:
    raw = response.get("body") or ""
    return base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()


def header(response: dict, name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    for key, values in (response.get("multiValueHeaders") or {}).items():
        if key.lower() == name.lower() and values:
            return values[-1]
    return None
