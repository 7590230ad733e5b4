"""GET /loans/ranking and GET /loans/page through the loans function, against the real PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from creditpilot.loans.catalogue import apply_loan_products, seed_demo_products
from creditpilot.loans.models import LoanProduct
from tests.support.events import api_event, body_of, header, invoke, load_function, raw_body_of

EVENTS = Path(__file__).resolve().parents[2] / "events"
QUERY = {"type": "personal", "amount": "50000", "tenure_months": "60", "monthly_income": "8000"}


def product(**overrides: Any) -> LoanProduct:
    fields: dict[str, Any] = {
        "bank": "Test Bank",
        "product": "Loan",
        "loan_type": "personal",
        "rate_type": "effective",
        "rate_min": Decimal("8.00"),
        "tenure_min_months": 12,
        "tenure_max_months": 120,
        "amount_min": Decimal("1000"),
        "amount_max": Decimal("200000"),
        "min_monthly_income": Decimal("2000"),
        "source": "test",
    }
    return LoanProduct(**(fields | overrides))


def store(db, *products: LoanProduct) -> None:
    with db.transaction() as tx:
        apply_loan_products(tx, list(products))


@pytest.fixture
def loans(app_env):
    return load_function("loans")


def rank(loans, **query: str) -> dict:
    response = invoke(loans, api_event("GET", "/loans/ranking", query={**QUERY, **query}))
    return {"status": response["statusCode"], **body_of(response)}


def test_products_rank_by_effective_rate_then_total_cost_with_the_issue_s_fields(loans, db):
    store(
        db,
        product(
            bank="Flat Bank", product="Flat 5", rate_type="flat", rate_min=Decimal("5.00")
        ),  # ~9.1 % effective
        product(bank="Cheap Bank", product="Eff 8"),
        product(bank="Fee Bank", product="Eff 8 with fee", fees=Decimal("500")),
        product(bank="Low Bank", product="Eff 7.5", rate_min=Decimal("7.50")),
    )

    body = rank(loans, existing_commitments="1500")

    assert body["status"] == 200 and body["ok"] is True
    assert [p["product"] for p in body["products"]] == ["Eff 7.5", "Eff 8", "Eff 8 with fee", "Flat 5"]
    flat = body["products"][-1]
    # RM50,000 at 5 % flat over 5 years: RM12,500 interest, (50,000 + 12,500) / 60 a month
    assert flat["rate_type"] == "flat" and flat["flat_rate"] == 5.0
    assert flat["monthly_instalment"] == "1041.67" and flat["total_interest"] == "12500.00"
    assert flat["total_payable"] == "62500.00"
    assert 9.0 < flat["effective_rate"] < 9.3
    # DSR with the caller's commitments: (1500 + 1041.67) / 8000
    assert flat["dsr"] == 0.3177 and flat["dsr_percent"] == 31.77 and flat["dsr_verdict"] == "pass"
    fee = body["products"][2]
    assert fee["fees"] == "500.00" and fee["flat_rate"] is None and fee["effective_rate"] == 8.0
    assert Decimal(fee["total_payable"]) == Decimal(body["products"][1]["total_payable"]) + 500
    assert set(flat) >= {
        "bank",
        "product",
        "rate_type",
        "flat_rate",
        "effective_rate",
        "monthly_instalment",
        "total_interest",
        "total_payable",
        "dsr",
        "dsr_percent",
        "dsr_verdict",
    }


def test_only_products_lending_this_amount_tenure_and_income_are_ranked(loans, db):
    store(
        db,
        product(product="Eligible"),
        product(product="Too small a limit", amount_max=Decimal("30000")),
        product(product="Needs more income", min_monthly_income=Decimal("10000")),
        product(product="Too short", tenure_max_months=36),
        product(product="A home loan", loan_type="home"),
    )
    assert [p["product"] for p in rank(loans)["products"]] == ["Eligible"]
    assert rank(loans, monthly_income="12000")["count"] == 2


def test_a_loan_the_borrower_cannot_afford_is_listed_with_its_failing_verdict(loans, db):
    store(db, product(product="Big"))
    [offer] = rank(loans, existing_commitments="5000")["products"]
    assert offer["dsr_verdict"] == "fail" and offer["dsr_percent"] > 70


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "boat"}, "type"),
        ({"type": ""}, "type"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "fifty"}, "amount"),
        ({"amount": "100.005"}, "amount"),
        ({"amount": "1000000000000"}, "amount"),
        ({"tenure_months": "0"}, "tenure_months"),
        ({"tenure_months": "12.5"}, "tenure_months"),
        ({"monthly_income": "0"}, "monthly_income"),
        ({"existing_commitments": "-1"}, "existing_commitments"),
    ],
)
def test_a_bad_query_value_is_a_422_naming_the_parameter(loans, db, params, field):
    body = rank(loans, **params)
    assert body["status"] == 422 and body["ok"] is False and body["error"] == "validation_error"
    assert list(body["fields"]) == [field]


def test_a_missing_parameter_is_a_422_naming_it(loans, db):
    response = invoke(loans, api_event("GET", "/loans/ranking", query={"type": "home", "amount": "1"}))
    assert response["statusCode"] == 422
    assert set(body_of(response)["fields"]) == {"tenure_months", "monthly_income"}


def test_the_demo_products_rank_for_the_default_enquiry(loans, db):
    seed_demo_products(db)
    body = rank(loans)
    assert body["count"] >= 10 and all(p["demo"] and p["source"] == "demo" for p in body["products"])
    rates = [p["effective_rate"] for p in body["products"]]
    assert rates == sorted(rates)


def test_a_refresh_in_the_same_process_is_seen_by_the_next_ranking_at_once(loans, db, monkeypatch):
    from creditpilot.loans import catalogue

    store(db, product(product="Only"))
    assert rank(loans)["products"][0]["effective_rate"] == 8.0  # fills the 60 s cache
    store(db, product(product="Only", rate_min=Decimal("6.00")))
    assert rank(loans)["products"][0]["effective_rate"] == 8.0  # cached, as designed
    catalogue.refresh_rates(loans._deps())  # no feeds configured: still drops this process's caches
    assert rank(loans)["products"][0]["effective_rate"] == 6.0


def test_the_sample_ranking_event_runs(loans, db):
    seed_demo_products(db)
    event = json.loads((EVENTS / "loans_ranking.json").read_text())
    response = invoke(loans, event)
    assert response["statusCode"] == 200 and body_of(response)["count"] > 0


# ------------------------------------------------------------------ page


def test_the_loans_page_sends_a_signed_out_visitor_to_login(loans, db):
    response = invoke(loans, api_event("GET", "/loans/page", groups=None))
    assert response["statusCode"] == 302
    assert header(response, "Location") == "/login?next=/loans/page"


def test_the_loans_page_renders_the_default_ranking_server_side(loans, db):
    seed_demo_products(db)
    response = invoke(loans, api_event("GET", "/loans/page"))
    html = raw_body_of(response).decode()
    assert response["statusCode"] == 200 and header(response, "Content-Type").startswith("text/html")
    assert header(response, "Content-Security-Policy")
    assert 'id="ranking-rows"><tr' in html and "Maybank" in html and "demo data" in html
    assert 'value="50000.00"' in html and 'value="60"' in html and 'value="8000.00"' in html
    assert '<option value="personal" selected>' in html
    assert 'id="dsr-form"' in html and "finance@example.com" in html


def test_the_loans_page_ranks_the_query_in_its_url_and_escapes_what_it_echoes(loans, db):
    seed_demo_products(db)
    ok = raw_body_of(
        invoke(
            loans,
            api_event(
                "GET",
                "/loans/page",
                query={**QUERY, "type": "home", "amount": "500000", "tenure_months": "360"},
            ),
        )
    )
    assert b'<option value="home" selected>' in ok and b"Home Loan" in ok

    bad = invoke(
        loans, api_event("GET", "/loans/page", query={**QUERY, "amount": "<script>alert(1)</script>"})
    )
    html = raw_body_of(bad).decode()
    assert bad["statusCode"] == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'data-error-for="amount">must be a number' in html
    assert 'id="ranking-rows"></tbody>' in html
