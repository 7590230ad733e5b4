"""Smoke test of a running stack over HTTP: health, sign-in, an authenticated read."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def _call(
    url: str, *, data: dict | None = None, token: str | None = None, timeout: float = 10
) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(  # noqa: S310 - an operator-given http(s) URL
        url, data=body, headers=headers, method="POST" if data is not None else "GET"
    )  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - operator-given URL
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None


def run_smoke(base_url: str, email: str, password: str) -> dict[str, Any]:
    base = base_url.rstrip("/")
    checks: dict[str, Any] = {}
    status, health = _call(f"{base}/health")
    checks["health"] = {"status": status, "database": (health or {}).get("database")}
    status, unauthenticated = _call(f"{base}/stats")
    checks["stats_without_login"] = {"status": status, "expected": 401}
    status, login = _call(f"{base}/auth/login", data={"email": email, "password": password})
    token = (login or {}).get("token")
    checks["login"] = {"status": status}
    status, stats = _call(f"{base}/stats", token=token) if token else (0, None)
    checks["stats"] = {"status": status, "tables": len((stats or {}).get("tables", {}))}
    ok = (
        checks["health"]["status"] == 200
        and checks["stats_without_login"]["status"] == 401
        and checks["login"]["status"] == 200
        and checks["stats"]["status"] == 200
    )
    return {"ok": ok, "checks": checks}
