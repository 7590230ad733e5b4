"""Debt service ratio: monthly debt commitments over net monthly income, against a bank's threshold.

Income is *net* (after tax and EPF), as Bank Negara's responsible-financing guideline asks lenders to use.

Thresholds are looked up by bank and net-income band. A band applies from its `from_income`
(inclusive) up to the next band's. Incomes are whole sen, so the default bands are exactly:
    below RM3,000 (≤ 2,999.99)            60 %
    RM3,000.00 to RM10,000.00 inclusive   70 %
    above RM10,000 (≥ 10,000.01)          80 %

Verdict, on the exact (unrounded) ratio:
    fail        DSR above the threshold
    borderline  DSR within BORDERLINE_MARGIN (5 percentage points) below the threshold, threshold included
    pass        DSR at least 5 points below the threshold
`max_new_monthly` is the largest new instalment whose verdict is still `pass` (rounded down to the sen).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from creditpilot.loans.arithmetic import CALC
from creditpilot.loans.models import JsonMoney, Name, normalise_name
from creditpilot.platform.money import SEN, to_sen

Verdict = Literal["pass", "borderline", "fail"]

BORDERLINE_MARGIN = Decimal("0.05")
DEFAULT_CARD_SHARE = Decimal(
    "0.05"
)  # banks count 5 % of a card's outstanding balance as a monthly commitment
RATIO_PLACES = Decimal("0.0001")
PERCENT_PLACES = Decimal("0.01")
MAX_MONTHLY_INCOME = Decimal("10000000")
MAX_LISTED_DEBTS = 50
MAX_CARD_BALANCE = Decimal("100000000")  # a card balance beyond RM100M is a typo, not a customer


class ExistingLoan(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    monthly_payment: Annotated[JsonMoney, Field(le=MAX_MONTHLY_INCOME)]


class CreditCardBalance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    outstanding: Annotated[JsonMoney, Field(le=MAX_CARD_BALANCE)]


class DsrRequest(BaseModel):
    """A JSON body: money must be JSON numbers (text such as "10000" and booleans are field errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    monthly_income: Annotated[JsonMoney, Field(gt=0, le=MAX_MONTHLY_INCOME)]
    existing_loans: list[ExistingLoan] = Field(default_factory=list, max_length=MAX_LISTED_DEBTS)
    new_loan_monthly: Annotated[JsonMoney, Field(le=MAX_MONTHLY_INCOME)] = Decimal("0")
    credit_card_balances: list[CreditCardBalance] = Field(default_factory=list, max_length=MAX_LISTED_DEBTS)
    bank: Name | None = None


@dataclass(frozen=True)
class IncomeBand:
    from_income: Decimal  # inclusive lower bound of net monthly income, RM
    max_dsr: Decimal  # ratio, 0.70 = 70 %


def _check_bands(bands: Sequence[IncomeBand]) -> None:
    if not bands or bands[0].from_income != 0:
        raise ValueError("income bands must start at RM0")
    if any(later.from_income <= earlier.from_income for earlier, later in pairwise(bands)):
        raise ValueError("income bands must be in ascending order of from_income")
    if any(not 0 < band.max_dsr <= 1 for band in bands):
        raise ValueError("a band's max_dsr must be a ratio above 0 and at most 1")


@dataclass(frozen=True)
class DsrThresholds:
    """Bands every bank uses unless `by_bank` (keyed by `normalise_name(bank)`) gives it its own."""

    default: tuple[IncomeBand, ...]
    by_bank: Mapping[str, tuple[IncomeBand, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_bands(self.default)
        for bands in self.by_bank.values():
            _check_bands(bands)
        object.__setattr__(self, "by_bank", {normalise_name(k): tuple(v) for k, v in self.by_bank.items()})

    def max_dsr(self, bank: str | None, monthly_income: Decimal) -> Decimal:
        bands = self.by_bank.get(normalise_name(bank), self.default) if bank else self.default
        return next(band.max_dsr for band in reversed(bands) if monthly_income >= band.from_income)


DEFAULT_THRESHOLDS = DsrThresholds(
    default=(
        IncomeBand(Decimal("0"), Decimal("0.60")),
        IncomeBand(Decimal("3000.00"), Decimal("0.70")),
        IncomeBand(Decimal("10000.01"), Decimal("0.80")),
    )
)


class DsrResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    dsr: Decimal  # ratio, 4 dp
    dsr_percent: Decimal  # 2 dp
    total_commitments: Decimal  # RM per month, including the new loan and the cards' share
    card_commitments: Decimal  # RM per month counted for credit cards
    threshold: Decimal  # ratio
    threshold_percent: Decimal
    verdict: Verdict
    max_new_monthly: Decimal  # RM, never negative


def dsr_verdict(ratio: Decimal, threshold: Decimal) -> Verdict:
    if ratio > threshold:
        return "fail"
    if ratio > threshold - BORDERLINE_MARGIN:
        return "borderline"
    return "pass"


def dsr_ratio(commitments: Decimal, monthly_income: Decimal) -> Decimal:
    """Exact ratio (34 digits) for verdicts; round with `RATIO_PLACES` / `PERCENT_PLACES` only for display."""
    with localcontext(CALC):
        return commitments / monthly_income


def ratio_to_percent(ratio: Decimal) -> Decimal:
    with localcontext(CALC):
        return (ratio * 100).quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


def calculate_dsr(
    req: DsrRequest,
    table: DsrThresholds = DEFAULT_THRESHOLDS,
    card_share: Decimal = DEFAULT_CARD_SHARE,
) -> DsrResult:
    if not 0 <= card_share <= 1:
        raise ValueError("card_share is a share of the outstanding balance, between 0 and 1")
    with localcontext(CALC):
        cards = to_sen(sum((card.outstanding for card in req.credit_card_balances), Decimal(0)) * card_share)
        other_debts = sum((loan.monthly_payment for loan in req.existing_loans), Decimal(0)) + cards
        total = other_debts + req.new_loan_monthly
        ratio = dsr_ratio(total, req.monthly_income)
        threshold = table.max_dsr(req.bank, req.monthly_income)
        room = (threshold - BORDERLINE_MARGIN) * req.monthly_income - other_debts
        return DsrResult(
            dsr=ratio.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP),
            dsr_percent=ratio_to_percent(ratio),
            total_commitments=to_sen(total),
            card_commitments=cards,
            threshold=threshold,
            threshold_percent=ratio_to_percent(threshold),
            verdict=dsr_verdict(ratio, threshold),
            max_new_monthly=max(room, Decimal(0)).quantize(SEN, rounding=ROUND_DOWN),
        )


def to_response(result: DsrResult) -> dict[str, Any]:
    """JSON-safe body: ratios and percents as JSON numbers, money as strings with two decimals ("1234.50").

    Ratios are already rounded (4 dp / 2 dp), so as floats they print exactly as shown; money stays text
    so no client ever parses an amount into binary floating point.
    """
    return {
        "dsr": float(result.dsr),
        "dsr_percent": float(result.dsr_percent),
        "threshold": float(result.threshold),
        "threshold_percent": float(result.threshold_percent),
        "verdict": result.verdict,
        "total_commitments": f"{result.total_commitments:.2f}",
        "card_commitments": f"{result.card_commitments:.2f}",
        "max_new_monthly": f"{result.max_new_monthly:.2f}",
    }
