from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from creditpilot.loans.models import LoanProduct


def loan_product(**overrides: Any) -> LoanProduct:
    fields: dict[str, Any] = {
        "bank": "Maybank",
        "product": "Personal Financing-i",
        "loan_type": "personal",
        "rate_type": "flat",
        "rate_min": Decimal("5.00"),
        "tenure_min_months": 12,
        "tenure_max_months": 120,
        "amount_min": Decimal("1000.00"),
        "amount_max": Decimal("200000.00"),
        "min_monthly_income": Decimal("2000.00"),
        "source": "test",
    }
    return LoanProduct(**(fields | overrides))


@pytest.fixture(scope="session")
def make_product() -> Callable[..., LoanProduct]:
    return loan_product
