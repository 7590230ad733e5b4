"""Loans in-process, warm, with 200 products in PostgreSQL: /loans/ranking p50 ≤ 10 ms,
/loans/dsr/calc p50 ≤ 2 ms; the /loans/page first screen (well under the seed's 300 ms).
The /loans/page cold start ratio is in the cold_start suite (events/loans.json)."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bench.loans_data import make_products
from tests.support.events import Context, load_function

ROOT = Path(__file__).resolve().parent.parent


def _event(name: str) -> dict:
    return json.loads((ROOT / "events" / name).read_text())


def _p50(module, event: dict, runs: int, before=None) -> float:
    module.lambda_handler(event, Context())
    timings = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = module.lambda_handler(event, Context())
        timings.append((time.perf_counter() - started) * 1000)
        assert response["statusCode"] == 200, response.get("body")
    return statistics.median(timings)


def figures(env) -> list[dict]:
    from creditpilot.loans import catalogue, service
    from creditpilot.platform import runtime

    env.reset_database()
    with runtime.database().transaction() as tx:
        catalogue.apply_loan_products(tx, make_products(200))
    service.invalidate_product_caches()
    loans = load_function("loans")
    runs = 50 if env.quick else 300
    ranking = _event("loans_ranking.json")
    return [
        {
            "name": "warm /loans/ranking p50, 200 products (in-process)",
            "value": round(_p50(loans, ranking, runs), 3),
            "unit": "ms",
            "target": 10.0,
            "better": "lower",
        },
        {
            "name": "/loans/ranking p50 with the product cache emptied each call",
            "value": round(
                _p50(loans, ranking, max(20, runs // 5), before=service.invalidate_product_caches), 3
            ),
            "unit": "ms",
            "target": None,
            "better": "lower",
        },
        {
            "name": "warm /loans/dsr/calc p50 (in-process)",
            "value": round(_p50(loans, _event("dsr_calc.json"), runs), 3),
            "unit": "ms",
            "target": 2.0,
            "better": "lower",
        },
        {
            "name": "warm /loans/page first screen p50 (in-process)",
            "value": round(_p50(loans, _event("loans.json"), max(20, runs // 5)), 3),
            "unit": "ms",
            "target": 300.0,
            "better": "lower",
        },
    ]
