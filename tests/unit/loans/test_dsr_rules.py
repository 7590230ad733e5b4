from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from creditpilot.loans.dsr import (
    DEFAULT_THRESHOLDS,
    DsrRequest,
    DsrThresholds,
    IncomeBand,
    calculate_dsr,
    to_response,
)


def request(income, existing=(), new=0, cards=(), bank=None) -> DsrRequest:
    return DsrRequest(
        monthly_income=Decimal(income),
        existing_loans=[{"monthly_payment": Decimal(p)} for p in existing],
        new_loan_monthly=Decimal(new),
        credit_card_balances=[{"outstanding": Decimal(c)} for c in cards],
        bank=bank,
    )


def test_income_10000_with_1500_existing_and_2000_new_is_35_percent_pass() -> None:
    result = calculate_dsr(request("10000", ["1500"], "2000"))
    assert result.dsr == Decimal("0.3500")
    assert result.dsr_percent == Decimal("35.00")
    assert result.total_commitments == Decimal("3500.00")
    assert result.verdict == "pass"
    body = to_response(result)
    assert body["dsr"] == 0.35 and body["dsr_percent"] == 35.0
    assert body["threshold_percent"] == 70.0


def test_response_is_json_with_money_as_two_decimal_strings() -> None:
    body = to_response(calculate_dsr(request("10000", ["1500.5"], "2000")))
    assert json.loads(json.dumps(body)) == body
    assert body["total_commitments"] == "3500.50"
    assert body["max_new_monthly"] == "4999.50"
    assert body["card_commitments"] == "0.00"


@pytest.mark.parametrize(
    ("income", "threshold"),
    [
        ("1000", "0.60"),
        ("2999.99", "0.60"),
        ("3000", "0.70"),
        ("10000", "0.70"),
        ("10000.01", "0.80"),
        ("50000", "0.80"),
    ],
)
def test_default_income_bands_and_their_edges(income: str, threshold: str) -> None:
    assert calculate_dsr(request(income)).threshold == Decimal(threshold)


def test_a_bank_can_override_its_bands_and_others_keep_the_defaults() -> None:
    table = DsrThresholds(
        default=DEFAULT_THRESHOLDS.default,
        by_bank={
            "Maybank": (
                IncomeBand(Decimal("0"), Decimal("0.50")),
                IncomeBand(Decimal("5000"), Decimal("0.75")),
            )
        },
    )
    assert calculate_dsr(request("4000", bank="MAYBANK "), table).threshold == Decimal("0.50")
    assert calculate_dsr(request("5000", bank="maybank"), table).threshold == Decimal("0.75")
    assert calculate_dsr(request("5000", bank="CIMB"), table).threshold == Decimal("0.70")


@pytest.mark.parametrize(
    "bands",
    [
        (),
        (IncomeBand(Decimal("100"), Decimal("0.6")),),
        (IncomeBand(Decimal("0"), Decimal("0.6")), IncomeBand(Decimal("0"), Decimal("0.7"))),
        (IncomeBand(Decimal("0"), Decimal("1.2")),),
    ],
)
def test_threshold_tables_with_gaps_or_disorder_are_refused(bands) -> None:
    with pytest.raises(ValueError):
        DsrThresholds(default=bands)


@pytest.mark.parametrize(
    ("commitments", "verdict"),
    [("6500.00", "pass"), ("6500.01", "borderline"), ("7000.00", "borderline"), ("7000.01", "fail")],
)
def test_borderline_is_the_last_5_points_up_to_the_threshold(commitments: str, verdict: str) -> None:
    assert calculate_dsr(request("10000", new=commitments)).verdict == verdict


def test_credit_cards_count_5_percent_of_their_outstanding_by_default() -> None:
    result = calculate_dsr(request("10000", cards=["6000", "4000"]))
    assert result.card_commitments == Decimal("500.00")
    assert result.total_commitments == Decimal("500.00")
    assert calculate_dsr(
        request("10000", cards=["10000"]), card_share=Decimal("0.03")
    ).card_commitments == Decimal("300.00")


def test_max_new_monthly_keeps_the_verdict_pass() -> None:
    result = calculate_dsr(request("10000", ["1500"], cards=["2000"]))
    assert result.max_new_monthly == Decimal("4900.00")  # 65 % of 10,000 - 1,500 - 5 % of 2,000


def test_max_new_monthly_is_never_negative() -> None:
    assert calculate_dsr(request("3000", ["2500"])).max_new_monthly == Decimal("0.00")


money = st.decimals(min_value=Decimal("0"), max_value=Decimal("20000"), places=2)


@given(
    income=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2),
    existing=st.lists(money, max_size=5),
    cards=st.lists(money, max_size=3),
)
def test_max_new_monthly_is_the_largest_instalment_that_passes(income, existing, cards) -> None:
    base = request(income, existing, 0, cards)
    best = calculate_dsr(base).max_new_monthly
    if best > 0:
        assert calculate_dsr(base.model_copy(update={"new_loan_monthly": best})).verdict == "pass"
    assert (
        calculate_dsr(base.model_copy(update={"new_loan_monthly": best + Decimal("0.01")})).verdict != "pass"
    )


@given(income=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000000"), places=2), new=money)
def test_percent_is_the_ratio_times_100(income, new) -> None:
    result = calculate_dsr(request(income, new=new))
    assert abs(result.dsr * 100 - result.dsr_percent) <= Decimal("0.005")


def test_json_body_reads_numbers_as_exact_decimals() -> None:
    body = (
        '{"monthly_income": 10000, "existing_loans": [{"monthly_payment": 1500.10}], "new_loan_monthly": 0.2}'
    )
    req = DsrRequest.model_validate_json(body)
    assert req.existing_loans[0].monthly_payment == Decimal("1500.10")
    assert req.new_loan_monthly == Decimal("0.20")
    assert DsrRequest.model_validate(json.loads(body)) == req


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"monthly_income": "10000"}, "monthly_income"),
        ({"monthly_income": True}, "monthly_income"),
        ({"monthly_income": 0}, "monthly_income"),
        ({"monthly_income": 10_000_000.01}, "monthly_income"),
        ({"monthly_income": 5000.123}, "monthly_income"),
        ({"monthly_income": 5000, "new_loan_monthly": -1}, "new_loan_monthly"),
        ({"monthly_income": 5000, "new_loan_monthly": "2000"}, "new_loan_monthly"),
        ({"monthly_income": 5000, "existing_loans": [{"monthly_payment": "1"}]}, "existing_loans"),
        ({"monthly_income": 5000, "existing_loans": [{"monthly_payment": 1}] * 51}, "existing_loans"),
        ({"monthly_income": 5000, "credit_card_balances": [{"outstanding": False}]}, "credit_card_balances"),
        ({"monthly_income": 5000, "gross_income": 9000}, "gross_income"),
        ({"existing_loans": []}, "monthly_income"),
    ],
)
def test_wrong_types_and_ranges_are_field_errors(body, field) -> None:
    with pytest.raises(ValidationError) as caught:
        DsrRequest.model_validate(body)
    assert {error["loc"][0] for error in caught.value.errors()} == {field}
    with pytest.raises(ValidationError):
        DsrRequest.model_validate_json(json.dumps(body))


def test_card_share_outside_0_to_1_is_refused() -> None:
    with pytest.raises(ValueError):
        calculate_dsr(request("5000"), card_share=Decimal("5"))
