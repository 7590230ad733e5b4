"""Warm /health and /stats latency in-process (the handler only, as a warm Lambda runs it): p50 ≤ 5 ms."""

from __future__ import annotations

import statistics
import time

from tests.support.events import Context, api_event, load_function


def _percentiles(module, event: dict, runs: int) -> tuple[float, float]:
    module.lambda_handler(event, Context())  # warm: connection pooled, caches filled
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = module.lambda_handler(event, Context())
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def figures(env) -> list[dict]:
    runs = 100 if env.quick else 500
    out = []
    for name, path, groups in (("health", "/health", None), ("stats", "/stats", ("admin",))):
        module = load_function(name)
        p50, p99 = _percentiles(module, api_event("GET", path, groups=groups), runs)
        out.append(
            {
                "name": f"warm {path} p50 (in-process)",
                "value": round(p50, 3),
                "unit": "ms",
                "target": 5.0,
                "better": "lower",
            }
        )
        out.append(
            {
                "name": f"warm {path} p99 (in-process)",
                "value": round(p99, 3),
                "unit": "ms",
                "target": None,
                "better": "lower",
            }
        )
    return out
