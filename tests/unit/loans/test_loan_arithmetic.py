from __future__ import annotations

from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditpilot.loans.arithmetic import (
    QuoteError,
    flat_monthly_instalment,
    flat_to_effective_rate,
    flat_total_interest,
    quote,
    reducing_monthly_instalment,
    reducing_total_interest,
    rule_of_78_rebate,
    rule_of_78_settlement,
    solve_monthly_rate,
)

# Realistic ranges: personal and hire-purchase flat rates over up to ten years; home loans up to 35 years.
flat_rates = st.decimals(min_value=Decimal("0.50"), max_value=Decimal("20.00"), places=2)
flat_months = st.integers(min_value=2, max_value=120)
effective_rates = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("15.00"), places=2)
home_months = st.integers(min_value=1, max_value=420)
principals = st.decimals(min_value=Decimal("1000.00"), max_value=Decimal("5000000.00"), places=2)


def test_flat_5_percent_over_10_years_costs_50000_on_100000() -> None:
    assert flat_total_interest(Decimal("100000"), Decimal("5"), 120) == Decimal("50000")
    assert flat_monthly_instalment(Decimal("100000"), Decimal("5"), 120) == Decimal("1250")


def test_flat_5_percent_over_10_years_is_8_69_effective() -> None:
    effective = flat_to_effective_rate(Decimal("5"), 120)
    assert effective.quantize(Decimal("0.01")) == Decimal("8.69")
    assert float(effective) == pytest.approx(npf.rate(120, -1250, 100000, 0) * 1200, abs=1e-9)


def test_shortcut_2n_over_n_plus_1_would_overstate_the_effective_rate() -> None:
    shortcut = Decimal("5") * 2 * 120 / 121  # 9.92 %: what the forbidden shortcut would quote
    assert flat_to_effective_rate(Decimal("5"), 120) < shortcut - 1


def test_100000_at_6_percent_over_30_years_pays_599_55_a_month() -> None:
    # The textbook mortgage example: 100,000 at 6 % p.a., monthly rests, 360 months.
    assert round(reducing_monthly_instalment(Decimal("100000"), Decimal("6"), 360), 2) == Decimal("599.55")


@given(rate=flat_rates, months=flat_months)
def test_effective_rate_of_a_flat_loan_matches_numpy_financial(rate: Decimal, months: int) -> None:
    instalment = float(flat_monthly_instalment(Decimal(1000), rate, months))
    oracle = npf.rate(months, -instalment, 1000, 0, guess=float(rate) / 1200, tol=1e-12, maxiter=200) * 1200
    assert float(flat_to_effective_rate(rate, months)) == pytest.approx(oracle, rel=1e-7)


@given(rate=flat_rates, months=flat_months)
def test_reducing_loan_at_the_solved_rate_has_the_flat_instalment(rate: Decimal, months: int) -> None:
    flat = flat_monthly_instalment(Decimal(1), rate, months)
    reducing = reducing_monthly_instalment(Decimal(1), flat_to_effective_rate(rate, months), months)
    assert abs(reducing - flat) < Decimal("1e-15")


@given(rate=flat_rates, months=flat_months)
def test_effective_rate_lies_between_flat_rate_and_the_shortcut(rate: Decimal, months: int) -> None:
    effective = flat_to_effective_rate(rate, months)
    assert rate < effective < rate * 2 * months / (months + 1)


@given(principal=principals, rate=effective_rates, months=home_months)
def test_reducing_instalment_and_interest_match_numpy_financial(
    principal: Decimal, rate: Decimal, months: int
) -> None:
    oracle = -npf.pmt(float(rate) / 1200, months, float(principal))
    assert float(reducing_monthly_instalment(principal, rate, months)) == pytest.approx(oracle, rel=1e-9)
    expected_interest = oracle * months - float(principal)
    assert float(reducing_total_interest(principal, rate, months)) == pytest.approx(
        expected_interest,
        rel=1e-7,
        abs=float(principal) * 1e-9,  # float cancellation in the oracle
    )


@given(principal=principals, rate=flat_rates, months=st.integers(min_value=1, max_value=600))
def test_solver_recovers_the_rate_that_built_the_instalment(
    principal: Decimal, rate: Decimal, months: int
) -> None:
    instalment = reducing_monthly_instalment(principal, rate, months)
    assert abs(solve_monthly_rate(principal, instalment, months) * 1200 - rate) < Decimal("1e-10")


def test_one_month_flat_loan_is_its_own_effective_rate() -> None:
    assert abs(flat_to_effective_rate(Decimal("6"), 1) - Decimal("6")) < Decimal("1e-20")


def test_zero_rate_loans_cost_nothing(make_product) -> None:
    for rate_type in ("flat", "effective"):
        offer = quote(make_product(rate_type=rate_type, rate_min=Decimal("0")), Decimal("12000"), 24)
        assert offer.monthly_instalment == Decimal("500.00")
        assert offer.total_interest == Decimal("0.00")
        assert offer.effective_rate == Decimal("0.00")


def test_quote_of_the_published_flat_example(make_product) -> None:
    offer = quote(make_product(rate_min=Decimal("5.00"), fees=Decimal("200.00")), Decimal("100000.00"), 120)
    assert offer.flat_rate == Decimal("5.00")
    assert offer.effective_rate == Decimal("8.69")
    assert offer.monthly_instalment == Decimal("1250.00")
    assert offer.total_interest == Decimal("50000.00")
    assert offer.total_payable == Decimal("150200.00")


def test_quote_of_an_effective_rate_loan_has_no_flat_rate(make_product) -> None:
    offer = quote(
        make_product(loan_type="home", rate_type="effective", rate_min=Decimal("6")), Decimal("100000"), 360
    )
    assert offer.flat_rate is None
    assert offer.effective_rate == Decimal("6.00")
    assert offer.monthly_instalment == Decimal("599.55")
    assert offer.total_interest == Decimal("115838.19")  # 599.5505... x 360 - 100,000, to the sen


@given(
    principal=principals,
    rate=flat_rates,
    months=flat_months,
    rate_type=st.sampled_from(["flat", "effective"]),
)
def test_quote_money_is_in_sen_and_adds_up(make_product, principal, rate, months, rate_type) -> None:
    offer = quote(make_product(rate_type=rate_type, rate_min=rate, fees=Decimal("99.99")), principal, months)
    for money in (offer.monthly_instalment, offer.total_interest, offer.fees, offer.total_payable):
        assert isinstance(money, Decimal) and money.as_tuple().exponent == -2
    assert offer.total_payable == principal + offer.total_interest + offer.fees
    assert offer.effective_rate == offer.effective_rate_exact.quantize(Decimal("0.01"))
    assert "effective_rate_exact" not in offer.model_dump()


@pytest.mark.parametrize(
    ("amount", "months"), [(Decimal("0"), 12), (Decimal("-1"), 12), (Decimal("1000"), 0)]
)
def test_quote_refuses_no_amount_or_no_months(make_product, amount: Decimal, months: int) -> None:
    with pytest.raises(QuoteError):
        quote(make_product(), amount, months)


def test_rule_of_78_rebate_of_the_classic_example() -> None:
    # RM780 interest over 12 months, settled with 9 instalments left: 9·10 / (12·13) = 45/78 of it.
    assert rule_of_78_rebate(Decimal("780"), 12, 9) == Decimal("450.00")
    assert rule_of_78_rebate(Decimal("780"), 12, 12) == Decimal("780.00")
    assert rule_of_78_rebate(Decimal("780"), 12, 0) == Decimal("0.00")


@given(
    interest=st.decimals(min_value=Decimal("1"), max_value=Decimal("500000"), places=2),
    months=flat_months,
    data=st.data(),
)
def test_rule_of_78_rebates_less_than_a_proportional_share(interest: Decimal, months: int, data) -> None:
    remaining = data.draw(st.integers(min_value=0, max_value=months))
    rebate = rule_of_78_rebate(interest, months, remaining)
    assert Decimal(0) <= rebate <= (interest * remaining / months).quantize(Decimal("0.01")) + Decimal("0.01")
    if remaining < months:
        assert rebate <= rule_of_78_rebate(interest, months, remaining + 1)


def test_rule_of_78_settlement_is_unpaid_instalments_less_rebate() -> None:
    # RM100,000 at 5 % flat over 120 months, 60 instalments left: 60 x 1,250 - 50,000 x 60·61/(120·121).
    assert rule_of_78_settlement(Decimal("100000"), Decimal("5"), 120, 60) == Decimal("75000.00") - Decimal(
        "12603.31"
    )


def test_rule_of_78_refuses_more_remaining_months_than_the_tenure() -> None:
    with pytest.raises(QuoteError):
        rule_of_78_rebate(Decimal("100"), 12, 13)
