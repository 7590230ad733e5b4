"""Deterministic synthetic loan products for benchmarks: the same `seed` always gives the same list."""

from __future__ import annotations

import random
from decimal import Decimal

from creditpilot.loans.models import LoanProduct

BANKS = [
    "Maybank", "CIMB", "Public Bank", "RHB", "Hong Leong Bank", "AmBank", "Bank Islam", "Alliance Bank",
    "Affin Bank", "BSN", "Bank Rakyat", "UOB Malaysia", "OCBC Malaysia", "HSBC Malaysia",
    "Standard Chartered Malaysia",
]  # fmt: skip
# loan type -> (rate type, lowest rate, highest rate, longest tenure, largest amount); Malaysian-like ranges
SHAPES = {
    "personal": ("flat", 399, 1500, 120, 250_000),
    "home": ("effective", 350, 500, 420, 3_000_000),
    "car": ("flat", 220, 480, 108, 500_000),
    "refinance": ("effective", 380, 520, 420, 2_000_000),
}


def make_products(n: int = 200, seed: int = 1) -> list[LoanProduct]:
    rng = random.Random(seed)
    products = []
    for number in range(n):
        loan_type = rng.choice(list(SHAPES))
        rate_type, lowest, highest, longest, largest = SHAPES[loan_type]
        rate_min = Decimal(rng.randint(lowest, highest)) / 100
        products.append(
            LoanProduct(
                bank=rng.choice(BANKS),
                product=f"Synthetic {loan_type} {number}",
                loan_type=loan_type,
                rate_type=rate_type,
                rate_min=rate_min,
                rate_max=rate_min + Decimal(rng.randint(0, 300)) / 100,
                tenure_min_months=12,
                tenure_max_months=rng.choice([m for m in (60, 84, 108, 120, 360, 420) if m <= longest]),
                amount_min=Decimal(rng.choice([1_000, 5_000, 10_000])),
                amount_max=Decimal(largest),
                min_monthly_income=Decimal(rng.choice([1_500, 2_000, 3_000, 5_000])),
                fees=Decimal(rng.choice([0, 0, 0, 100, 250])),
                rule_of_78=rate_type == "flat" and rng.random() < 0.2,
                source="bench",
            )
        )
    return products
