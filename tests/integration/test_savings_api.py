"""GET /savings/products, /savings/projection and /savings/page through the savings function."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from creditpilot.loans.catalogue import seed_demo_products
from creditpilot.loans.feeds import load_demo_savings_products
from creditpilot.savings.projection import project
from tests.support.events import api_event, body_of, header, invoke, load_function, raw_body_of

EVENTS = Path(__file__).resolve().parents[2] / "events"
FD_12M = "maybank|efixed deposit|fixed_deposit|12m"


@pytest.fixture
def savings(app_env, db):
    seed_demo_products(db)
    return load_function("savings")


def get(savings, path: str, **query: str) -> tuple[int, dict]:
    response = invoke(savings, api_event("GET", path, query=query or None))
    return response["statusCode"], body_of(response)


def test_products_list_every_active_product_best_rate_first_within_each_kind(savings):
    status, body = get(savings, "/savings/products")
    assert status == 200 and body["ok"] is True and body["count"] == len(load_demo_savings_products())
    kinds = [p["kind"] for p in body["products"]]
    assert kinds == sorted(kinds)
    fds = [p for p in body["products"] if p["kind"] == "fixed_deposit"]
    assert [p["rate"] for p in fds] == sorted((p["rate"] for p in fds), reverse=True)
    maybank = next(p for p in body["products"] if p["product_key"] == FD_12M)
    [demo] = [p for p in load_demo_savings_products() if p.product_key == FD_12M]
    assert maybank["min_deposit"] == f"{demo.min_deposit:.2f}" and maybank["rate"] == float(demo.rate)
    assert maybank["tenure_months"] == 12 and maybank["demo"] is True
    assert maybank["pidm_insured"] is True and isinstance(maybank["rate"], float)


def test_products_filter_by_kind_and_a_bad_kind_is_a_422(savings):
    status, body = get(savings, "/savings/products", kind="fixed_deposit")
    assert status == 200 and body["count"] > 0 and {p["kind"] for p in body["products"]} == {"fixed_deposit"}
    status, body = get(savings, "/savings/products", kind="crypto")
    assert status == 422 and list(body["fields"]) == ["kind"]


def test_a_projection_by_product_key_matches_the_domain_projection_and_notes_pidm(savings):
    status, body = get(savings, "/savings/projection", amount="10000", months="12", product=FD_12M)
    assert status == 200 and body["ok"] is True
    [product] = [p for p in load_demo_savings_products() if p.product_key == FD_12M]
    expected = project(Decimal("10000"), 12, product)
    projection = body["projection"]
    assert projection["interest"] == f"{expected.interest:.2f}" and Decimal(projection["interest"]) > 0
    assert projection["final_balance"] == f"{expected.final_balance:.2f}"
    assert "PIDM" in projection["pidm_note"] and len(projection["schedule"]) == 12
    assert body["product"]["product_key"] == FD_12M


def test_a_projection_by_id_compounds_a_savings_account_monthly(savings):
    products = get(savings, "/savings/products", kind="savings")[1]["products"]
    account = next(p for p in products if p["compounding"] == "monthly")
    status, body = get(
        savings, "/savings/projection", amount="100000", months="24", product=str(account["id"])
    )
    assert status == 200 and body["product"]["id"] == account["id"]
    credited = [row for row in body["projection"]["schedule"] if row["interest"] != "0.00"]
    assert len(credited) == 24  # credited every month, and each month's interest earns interest after


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"amount": "-1", "months": "12", "product": FD_12M}, "amount"),
        ({"amount": "ten", "months": "12", "product": FD_12M}, "amount"),
        ({"amount": "100", "months": "12", "product": FD_12M}, "amount"),  # below the product's minimum
        ({"amount": "10000", "months": "0", "product": FD_12M}, "months"),
        ({"amount": "10000", "months": "601", "product": FD_12M}, "months"),
        ({"amount": "10000", "months": "x", "product": FD_12M}, "months"),
        ({"amount": "10000", "months": "12"}, "product"),
        ({"months": "12", "product": FD_12M}, "amount"),
    ],
)
def test_a_bad_projection_query_is_a_422_naming_the_parameter(savings, query, field):
    status, body = get(savings, "/savings/projection", **query)
    assert status == 422 and body["ok"] is False and list(body["fields"]) == [field]


@pytest.mark.parametrize("product", ["no|such|product", "999999", "99999999999999999999999"])
def test_an_unknown_product_is_a_404(savings, product):
    status, body = get(savings, "/savings/projection", amount="1000", months="12", product=product)
    assert status == 404 and body["error"] == "not_found" and "product" in body["fields"]


def test_the_sample_projection_event_runs(savings):
    response = invoke(savings, json.loads((EVENTS / "savings_projection.json").read_text()))
    assert response["statusCode"] == 200 and body_of(response)["projection"]["months"] == 12


def test_the_savings_page_sends_a_signed_out_visitor_to_login(savings):
    response = invoke(savings, api_event("GET", "/savings/page", groups=None))
    assert response["statusCode"] == 302 and header(response, "Location") == "/login?next=/savings/page"


def test_the_savings_page_shows_the_product_table_and_the_projection_form(savings):
    response = invoke(savings, api_event("GET", "/savings/page"))
    html = raw_body_of(response).decode()
    assert response["statusCode"] == 200 and header(response, "Content-Type").startswith("text/html")
    assert 'id="projection-form"' in html and f'<option value="{FD_12M}">' in html
    assert html.count('<tr data-product="') == len(load_demo_savings_products())
    assert "demo data" in html and "Fixed deposit" in html and "class=active" in html
