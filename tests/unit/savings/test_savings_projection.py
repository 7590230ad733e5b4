from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from creditpilot.savings.models import SavingsProduct
from creditpilot.savings.projection import ProjectionError, project


def savings(**overrides: Any) -> SavingsProduct:
    fields: dict[str, Any] = {
        "bank": "Maybank",
        "product": "Savings Account",
        "kind": "savings",
        "rate": Decimal("3.00"),
        "compounding": "monthly",
        "pidm_insured": True,
        "source": "test",
    }
    return SavingsProduct(**(fields | overrides))


def fixed_deposit(tenure: int = 12, rate: str = "2.60", **overrides: Any) -> SavingsProduct:
    return savings(
        product="eFixed Deposit",
        kind="fixed_deposit",
        compounding="simple",
        tenure_months=tenure,
        rate=Decimal(rate),
        **overrides,
    )


def test_12_month_fd_of_10000_at_2_60_pays_260_at_maturity() -> None:
    projection = project(Decimal("10000"), 12, fixed_deposit())
    assert projection.interest == Decimal("260.00")
    assert projection.final_balance == Decimal("10260.00")
    assert [row.interest for row in projection.schedule[:11]] == [Decimal("0.00")] * 11
    assert projection.schedule[11].interest == Decimal("260.00")
    assert projection.effective_annual_yield == Decimal("2.60")


def test_3_month_fd_renewed_four_times_compounds_each_maturity() -> None:
    projection = project(Decimal("10000"), 12, fixed_deposit(tenure=3, rate="2.35"))
    # 58.75, then 59.10 on 10,058.75, 59.44 on 10,117.85, 59.79 on 10,177.29 — each to the sen
    assert [row.interest for row in projection.schedule if row.interest] == [
        Decimal("58.75"),
        Decimal("59.10"),
        Decimal("59.44"),
        Decimal("59.79"),
    ]
    assert projection.final_balance == Decimal("10237.08")
    assert projection.effective_annual_yield == Decimal("2.37")
    assert any("renewal" in note for note in projection.notes)


def test_fd_withdrawn_before_maturity_earns_nothing_and_says_so() -> None:
    projection = project(Decimal("10000"), 6, fixed_deposit())
    assert projection.interest == Decimal("0.00")
    assert any("before maturity" in note for note in projection.notes)


def test_monthly_savings_of_10000_at_3_percent_for_a_year() -> None:
    projection = project("10000", 12, savings())
    assert projection.final_balance == Decimal("10304.16")
    assert projection.effective_annual_yield == Decimal("3.04")


def test_simple_interest_is_on_the_original_deposit_only() -> None:
    projection = project(Decimal("12000"), 24, savings(compounding="simple"))
    assert projection.interest == Decimal("720.00")  # 12,000 x 3 % x 2 years
    assert projection.effective_annual_yield == Decimal("3.00")


rates = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("8.00"), places=2)


def rounding_drift(periodic_rate: float, periods: int) -> float:
    """Each credit is rounded to the sen (at most half a sen off), and every earlier rounding then earns
    interest too: the drift is bounded by 0.005 x the sum of (1+i)^k for k < n."""
    growth = ((1 + periodic_rate) ** periods - 1) / periodic_rate if periodic_rate else periods
    return 0.005 * growth + 1e-6


deposits = st.decimals(min_value=Decimal("100"), max_value=Decimal("1000000"), places=2)


@given(amount=deposits, rate=rates, months=st.integers(1, 600))
def test_monthly_compounding_matches_numpy_financial_fv(amount: Decimal, rate: Decimal, months: int) -> None:
    projection = project(amount, months, savings(rate=rate))
    oracle = npf.fv(float(rate) / 1200, months, 0, -float(amount))
    assert float(projection.final_balance) == pytest.approx(
        oracle, abs=rounding_drift(float(rate) / 1200, months)
    )


@given(amount=deposits, rate=rates, quarters=st.integers(1, 199), extra=st.integers(0, 2))
def test_quarterly_compounding_matches_numpy_financial_fv(amount, rate, quarters, extra) -> None:
    projection = project(amount, quarters * 3 + extra, savings(rate=rate, compounding="quarterly"))
    oracle = npf.fv(float(rate) / 400, quarters, 0, -float(amount))
    assert float(projection.final_balance) == pytest.approx(
        oracle, abs=rounding_drift(float(rate) / 400, quarters)
    )


@given(amount=deposits, rate=rates, tenure=st.sampled_from([1, 3, 6, 12, 24]), terms=st.integers(1, 10))
def test_renewed_fd_matches_numpy_financial_fv(amount, rate, tenure, terms) -> None:
    projection = project(amount, tenure * terms, fixed_deposit(tenure=tenure, rate=str(rate)))
    oracle = npf.fv(float(rate) * tenure / 1200, terms, 0, -float(amount))
    assert float(projection.final_balance) == pytest.approx(oracle, abs=0.005 * terms + 1e-6)


@given(
    amount=deposits,
    months=st.integers(1, 120),
    compounding=st.sampled_from(["simple", "monthly", "quarterly", "annually"]),
)
def test_schedule_adds_up_to_the_totals(amount, months, compounding) -> None:
    projection = project(amount, months, savings(compounding=compounding))
    assert [row.month for row in projection.schedule] == list(range(1, months + 1))
    assert projection.schedule[-1].balance == projection.final_balance
    assert sum(row.interest for row in projection.schedule) == projection.interest
    assert projection.final_balance == projection.amount + projection.interest


def test_pidm_note_says_how_much_is_above_the_250000_cover() -> None:
    note = project(Decimal("300000"), 12, fixed_deposit()).pidm_note
    assert "RM250,000.00 per depositor per member bank" in note
    assert "RM57,800.00 of this balance is above that cover" in note


def test_pidm_note_within_cover_and_for_islamic_deposits() -> None:
    assert "within that cover" in project(Decimal("1000"), 12, savings()).pidm_note
    assert "Islamic and conventional" in project(Decimal("1000"), 12, savings(islamic=True)).pidm_note


def test_pidm_note_says_when_a_product_is_not_protected() -> None:
    note = project(Decimal("1000"), 12, savings(bank="BSN", pidm_insured=False)).pidm_note
    assert "not protected by PIDM" in note


@pytest.mark.parametrize(
    ("amount", "months", "product"),
    [
        (Decimal("0"), 12, savings()),
        (Decimal("-5"), 12, savings()),
        (10000.0, 12, savings()),
        ("10.001", 12, savings()),
        (Decimal("999.99"), 12, fixed_deposit(min_deposit=Decimal("1000"))),
        (Decimal("2000001"), 12, savings(max_deposit=Decimal("2000000"))),
        (Decimal("1000"), 0, savings()),
        (Decimal("1000"), 601, savings()),
        (Decimal("1000"), True, savings()),
    ],
)
def test_projections_outside_the_product_or_range_are_refused(amount, months, product) -> None:
    with pytest.raises(ProjectionError):
        project(amount, months, product)


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": "fixed_deposit", "compounding": "simple"},  # no tenure
        {"kind": "fixed_deposit", "compounding": "monthly", "tenure_months": 12},
        {"tenure_months": 12},  # a savings account has no tenure
        {"min_deposit": Decimal("100"), "max_deposit": Decimal("50")},
        {"rate": Decimal("-0.1")},
        {"compounding": "daily"},
    ],
)
def test_impossible_savings_products_are_refused(overrides) -> None:
    with pytest.raises(ValidationError):
        savings(**overrides)


def test_each_fd_tenure_is_its_own_product() -> None:
    assert fixed_deposit(tenure=3).product_key == "maybank|efixed deposit|fixed_deposit|3m"
    assert fixed_deposit(tenure=3).product_key != fixed_deposit(tenure=12).product_key
    assert savings().product_key == "maybank|savings account|savings"
