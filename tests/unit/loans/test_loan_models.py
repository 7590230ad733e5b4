from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError


def test_product_key_ignores_case_and_spacing(make_product) -> None:
    one = make_product(bank="Public  Bank", product=" Personal Loan ")
    other = make_product(bank="public bank", product="PERSONAL LOAN")
    assert one.product_key == other.product_key == "public bank|personal loan|personal"


def test_same_product_name_of_another_loan_type_is_another_product(make_product) -> None:
    assert make_product(loan_type="car").product_key != make_product(loan_type="personal").product_key


@pytest.mark.parametrize(
    "overrides",
    [
        {"rate_min": Decimal("5"), "rate_max": Decimal("4")},
        {"tenure_min_months": 60, "tenure_max_months": 12},
        {"amount_min": Decimal("5000"), "amount_max": Decimal("1000")},
        {"amount_min": Decimal("0")},
        {"rate_type": "effective", "rule_of_78": True},
        {"loan_type": "overdraft"},
        {"rate_min": Decimal("-1")},
        {"fees": Decimal("10.005")},
        {"tenure_max_months": True},
        {"refreshed_at": datetime(2025, 1, 1)},  # naive: which timezone would it be?
        {"rule_of78": True},  # misspelt: must not silently mean "no Rule of 78"
    ],
)
def test_impossible_products_are_refused(make_product, overrides) -> None:
    with pytest.raises(ValidationError):
        make_product(**overrides)


def test_money_fields_are_read_from_text_to_the_sen(make_product) -> None:
    product = make_product(amount_min="1000", fees="50.5")
    assert product.amount_min == Decimal("1000.00")
    assert product.fees == Decimal("50.50")
