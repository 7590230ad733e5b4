"""Rank loan products for one borrower: cheapest effective rate first.

Only products that lend this amount, for this tenure, to someone with this net income are ranked.
Order: effective rate (full precision), then total payable, then bank and product name, so equal offers
always come out in the same order. A product the borrower's DSR would fail is still listed, with its
verdict, so the adviser can see why.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from creditpilot.loans.arithmetic import quote
from creditpilot.loans.dsr import (
    DEFAULT_THRESHOLDS,
    DsrThresholds,
    Verdict,
    dsr_ratio,
    dsr_verdict,
    ratio_to_percent,
)
from creditpilot.loans.models import (
    MAX_TENURE_MONTHS,
    LoanProduct,
    LoanType,
    RateType,
    TextMoney,
    WholeNumber,
    normalise_name,
)

MAX_LOAN_AMOUNT = Decimal("100000000")
MAX_MONTHLY_INCOME = Decimal("10000000")


class RankingQuery(BaseModel):
    """Usually read from a query string, so decimal text ("150000.00") is accepted; booleans, unknown
    fields, more than two decimals and out-of-range values are field errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loan_type: LoanType
    amount: Annotated[TextMoney, Field(gt=0, le=MAX_LOAN_AMOUNT)]
    tenure_months: Annotated[WholeNumber, Field(ge=1, le=MAX_TENURE_MONTHS)]
    monthly_income: Annotated[TextMoney, Field(gt=0, le=MAX_MONTHLY_INCOME)]
    existing_commitments: Annotated[TextMoney, Field(le=MAX_MONTHLY_INCOME)] = Decimal("0")


class RankedProduct(BaseModel):
    """One eligible product's offer. Rates and `dsr_percent` are percent (2 dp); money is RM to the sen."""

    model_config = ConfigDict(frozen=True)

    product_id: int | None
    bank: str
    product: str
    rate_type: RateType
    flat_rate: Decimal | None
    effective_rate: Decimal
    monthly_instalment: Decimal
    total_interest: Decimal
    fees: Decimal
    total_payable: Decimal
    dsr_percent: Decimal  # (existing commitments + this instalment) / income
    dsr_verdict: Verdict
    source: str


def is_eligible(product: LoanProduct, query: RankingQuery) -> bool:
    return (
        product.loan_type == query.loan_type
        and product.amount_min <= query.amount <= product.amount_max
        and product.tenure_min_months <= query.tenure_months <= product.tenure_max_months
        and product.min_monthly_income <= query.monthly_income
    )


def rank_products(
    products: Iterable[LoanProduct],
    query: RankingQuery,
    thresholds: DsrThresholds = DEFAULT_THRESHOLDS,
) -> list[RankedProduct]:
    offers: list[tuple[tuple[Decimal, Decimal, str, str], RankedProduct]] = []
    for product in products:
        if not is_eligible(product, query):
            continue
        offer = quote(product, query.amount, query.tenure_months)
        ratio = dsr_ratio(query.existing_commitments + offer.monthly_instalment, query.monthly_income)
        ranked = RankedProduct(
            product_id=product.id,
            bank=product.bank,
            product=product.product,
            rate_type=product.rate_type,
            flat_rate=offer.flat_rate,
            effective_rate=offer.effective_rate,
            monthly_instalment=offer.monthly_instalment,
            total_interest=offer.total_interest,
            fees=offer.fees,
            total_payable=offer.total_payable,
            dsr_percent=ratio_to_percent(ratio),
            dsr_verdict=dsr_verdict(ratio, thresholds.max_dsr(product.bank, query.monthly_income)),
            source=product.source,
        )
        sort_key = (
            offer.effective_rate_exact,
            offer.total_payable,
            normalise_name(product.bank),
            normalise_name(product.product),
        )
        offers.append((sort_key, ranked))
    offers.sort(key=lambda pair: pair[0])
    return [ranked for _, ranked in offers]
