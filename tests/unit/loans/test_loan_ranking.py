from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from creditpilot.loans.feeds import load_demo_loan_products
from creditpilot.loans.ranking import RankingQuery, rank_products

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from loans_data import make_products  # noqa: E402


def query(**overrides) -> RankingQuery:
    fields = {"loan_type": "personal", "amount": "50000", "tenure_months": 60, "monthly_income": "8000"}
    return RankingQuery(**(fields | overrides))


def test_only_products_that_lend_this_amount_tenure_and_income_are_ranked(make_product) -> None:
    products = [
        make_product(product="fits"),
        make_product(product="too small", amount_max=Decimal("40000")),
        make_product(product="too short", tenure_max_months=48),
        make_product(product="too rich", min_monthly_income=Decimal("8000.01")),
        make_product(product="a car loan", loan_type="car"),
        make_product(product="income exactly enough", min_monthly_income=Decimal("8000")),
    ]
    assert [offer.product for offer in rank_products(products, query())] == ["fits", "income exactly enough"]


def test_a_low_flat_rate_ranks_below_a_cheaper_effective_rate(make_product) -> None:
    flat = make_product(product="4.5% flat", rate_min=Decimal("4.50"))  # about 8.3 % effective over 60 months
    effective = make_product(product="7.9% effective", rate_type="effective", rate_min=Decimal("7.90"))
    ranked = rank_products([flat, effective], query())
    assert [offer.product for offer in ranked] == ["7.9% effective", "4.5% flat"]
    assert ranked[1].flat_rate == Decimal("4.50") and ranked[1].effective_rate > Decimal("8")
    assert ranked[0].flat_rate is None


def test_same_rate_ranks_by_total_cost_then_bank(make_product) -> None:
    products = [
        make_product(bank="RHB", product="with fees", fees=Decimal("300")),
        make_product(bank="RHB", product="no fees"),
        make_product(bank="Affin Bank", product="with fees", fees=Decimal("300")),
    ]
    ranked = rank_products(products, query())
    assert [(offer.bank, offer.product) for offer in ranked] == [
        ("RHB", "no fees"),
        ("Affin Bank", "with fees"),
        ("RHB", "with fees"),
    ]


def test_rates_equal_to_2_dp_still_rank_by_their_exact_value(make_product) -> None:
    slightly_dearer = make_product(bank="Affin Bank", rate_type="effective", rate_min=Decimal("8.6901"))
    cheaper = make_product(bank="RHB", rate_type="effective", rate_min=Decimal("8.6899"))
    ranked = rank_products([slightly_dearer, cheaper], query())
    assert ranked[0].effective_rate == ranked[1].effective_rate == Decimal("8.69")
    assert [offer.bank for offer in ranked] == ["RHB", "Affin Bank"]


def test_each_offer_carries_the_dsr_it_would_give(make_product) -> None:
    [offer] = rank_products([make_product()], query(existing_commitments="1200"))
    # 50,000 at 5 % flat over 60 months: 1,041.67 a month; (1,200 + 1,041.67) / 8,000 = 28.02 %
    assert offer.monthly_instalment == Decimal("1041.67")
    assert offer.dsr_percent == Decimal("28.02")
    assert offer.dsr_verdict == "pass"
    [stretched] = rank_products([make_product()], query(existing_commitments="4800"))
    assert stretched.dsr_verdict == "fail"  # 73 % against the 70 % threshold for RM8,000


def test_query_string_values_are_read_as_text() -> None:
    q = RankingQuery.model_validate(
        {"loan_type": "home", "amount": "450000.00", "tenure_months": "420", "monthly_income": "9000"}
    )
    assert q.amount == Decimal("450000.00") and q.tenure_months == 420
    assert q.existing_commitments == Decimal("0")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "100000000.01"}, "amount"),
        ({"amount": "1000.001"}, "amount"),
        ({"amount": True}, "amount"),
        ({"tenure_months": 0}, "tenure_months"),
        ({"tenure_months": 601}, "tenure_months"),
        ({"tenure_months": True}, "tenure_months"),
        ({"tenure_months": "6.5"}, "tenure_months"),
        ({"monthly_income": "-1"}, "monthly_income"),
        ({"loan_type": "overdraft"}, "loan_type"),
        ({"existing_commitments": "abc"}, "existing_commitments"),
        ({"sort": "rate"}, "sort"),
    ],
)
def test_bad_ranking_queries_are_field_errors(overrides, field) -> None:
    with pytest.raises(ValidationError) as caught:
        query(**overrides)
    assert {error["loc"][0] for error in caught.value.errors()} == {field}


def test_demo_products_give_a_personal_loan_ranking() -> None:
    ranked = rank_products(load_demo_loan_products(), query())
    assert len(ranked) >= 8
    assert all(offer.source == "demo" for offer in ranked)
    rates = [offer.effective_rate for offer in ranked]
    assert rates == sorted(rates)


def test_bench_products_are_the_same_for_the_same_seed() -> None:
    assert make_products(200, seed=1) == make_products(200, seed=1)
    assert make_products(200, seed=1) != make_products(200, seed=2)
    assert len(make_products()) == 200


def test_ranking_200_products_is_quick_enough_to_run_per_request() -> None:
    # Not a timed assertion (that lives in `make bench`); this guards only against an accidental
    # order-of-magnitude regression such as the cache being dropped.
    products, q = make_products(), query(amount="20000", tenure_months=60, monthly_income="6000")
    started = time.perf_counter()
    for _ in range(10):
        rank_products(products, q)
    assert time.perf_counter() - started < 2.0
