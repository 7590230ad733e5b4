"""POST /loans/dsr/calc through the loans function: the result, and every kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.events import api_event, body_of, invoke, load_function

EVENTS = Path(__file__).resolve().parents[2] / "events"
GOOD = {"monthly_income": 10000, "existing_loans": [{"monthly_payment": 1500}], "new_loan_monthly": 2000}


@pytest.fixture(scope="module")
def loans(database_url, moto_endpoint):
    # The calculator never touches the database; one import serves the whole module.
    return load_function("loans")


def calc(loans, body=None, *, raw: bytes | None = None, signed_in: bool = True) -> tuple[int, dict]:
    event = api_event(
        "POST", "/loans/dsr/calc", body=body, raw_body=raw, groups=("finance",) if signed_in else None
    )
    response = invoke(loans, event)
    return response["statusCode"], body_of(response)


def test_the_issue_s_example_gives_35_percent_with_threshold_verdict_and_headroom(loans):
    status, body = calc(loans, GOOD)
    assert status == 200
    assert body == {
        "ok": True,
        "dsr": 0.35,
        "dsr_percent": 35.0,
        "threshold": 0.7,
        "threshold_percent": 70.0,
        "verdict": "pass",
        "total_commitments": "3500.00",
        "card_commitments": "0.00",
        # 65 % of RM10,000 (5 points under the 70 % threshold) less the RM1,500 already committed
        "max_new_monthly": "5000.00",
    }


def test_credit_card_balances_count_at_five_percent_and_decimals_are_exact(loans):
    status, body = calc(
        loans,
        {
            "monthly_income": 2999.99,
            "credit_card_balances": [{"outstanding": 10000}],
            "new_loan_monthly": 1234.56,
        },
    )
    assert status == 200
    assert body["card_commitments"] == "500.00" and body["total_commitments"] == "1734.56"
    assert body["threshold_percent"] == 60.0 and body["verdict"] == "borderline"  # 57.82 %


def test_a_loan_above_the_threshold_fails_and_leaves_no_headroom(loans):
    status, body = calc(
        loans,
        {"monthly_income": 4000, "existing_loans": [{"monthly_payment": 2900}], "new_loan_monthly": 100},
    )
    assert status == 200 and body["verdict"] == "fail" and body["max_new_monthly"] == "0.00"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b'"text"', b"\xff\xfe", b"[" * 100_000])
def test_a_body_that_is_not_a_json_object_is_a_400(loans, raw):
    status, body = calc(loans, raw=raw)
    assert status == 400 and body["ok"] is False and body["error"] == "malformed_json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**GOOD, "monthly_income": 0}, "monthly_income"),
        ({**GOOD, "monthly_income": -10000}, "monthly_income"),
        ({**GOOD, "monthly_income": "10000"}, "monthly_income"),
        ({**GOOD, "monthly_income": True}, "monthly_income"),
        ({**GOOD, "monthly_income": None}, "monthly_income"),
        ({**GOOD, "monthly_income": 10000.001}, "monthly_income"),
        ({**GOOD, "monthly_income": 1e300}, "monthly_income"),
        ({**GOOD, "monthly_income": 10_000_000_000}, "monthly_income"),
        ({"existing_loans": [], "new_loan_monthly": 1}, "monthly_income"),
        ({**GOOD, "existing_loans": [{"monthly_payment": -1500}]}, "existing_loans.0.monthly_payment"),
        (
            {**GOOD, "existing_loans": [{"monthly_payment": 1}, {"monthly_payment": "1500"}]},
            "existing_loans.1.monthly_payment",
        ),
        ({**GOOD, "existing_loans": [{}]}, "existing_loans.0.monthly_payment"),
        ({**GOOD, "existing_loans": "1500"}, "existing_loans"),
        ({**GOOD, "existing_loans": [{"monthly_payment": 1}] * 51}, "existing_loans"),
        ({**GOOD, "new_loan_monthly": -2000}, "new_loan_monthly"),
        ({**GOOD, "new_loan_monthly": "2000"}, "new_loan_monthly"),
        ({**GOOD, "credit_card_balances": [{"outstanding": -5}]}, "credit_card_balances.0.outstanding"),
        ({**GOOD, "salary": 10000}, "salary"),
    ],
)
def test_a_wrong_value_is_a_422_naming_the_field(loans, body, field):
    status, answer = calc(loans, body)
    assert status == 422 and answer["ok"] is False and answer["error"] == "validation_error"
    assert field in answer["fields"], answer["fields"]
    assert field in answer["message"]


def test_an_absurdly_long_number_is_a_422_naming_the_field_not_a_crash(loans):
    raw = b'{"monthly_income": 1' + b"0" * 5000 + b', "new_loan_monthly": 1}'
    status, body = calc(loans, raw=raw)
    assert status == 422 and list(body["fields"]) == ["monthly_income"]


def test_the_sample_dsr_event_runs(loans):
    response = invoke(loans, json.loads((EVENTS / "dsr_calc.json").read_text()))
    assert response["statusCode"] == 200 and body_of(response)["dsr_percent"] == 35.0
