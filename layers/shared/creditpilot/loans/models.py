"""Loan products and quotes as domain values.

Rates are percent per annum (`Decimal("4.50")` means 4.50 % p.a.); money is RM as `Decimal`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from creditpilot.platform.money import MoneyError, parse_amount

LoanType = Literal["personal", "home", "car", "refinance"]  # car = hire purchase
RateType = Literal["flat", "effective"]

# NUMERIC(14,2) holds amounts below RM 1e12; nothing larger can be stored, so nothing larger is accepted.
MONEY_CEILING = Decimal("999999999999.99")
MAX_TENURE_MONTHS = 600


@lru_cache(maxsize=4096)  # ranking asks for the same few bank names hundreds of times per call
def normalise_name(text: str) -> str:
    """Case- and spacing-insensitive form of a bank or product name ("Public  Bank" == "public bank")."""
    return re.sub(r"\s+", " ", text).strip().casefold()


def _json_number(value: Any) -> Decimal:
    """Accept a JSON number (int, or the float a JSON parser made of it) or a Decimal; refuse text and bools.

    A float from a JSON body is read back through its shortest repr, which is exactly the digits the
    client sent, so no binary rounding reaches the arithmetic.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("number_type", "must be a number")
    try:
        return parse_amount(Decimal(repr(value)) if isinstance(value, float) else value, positive=False)
    except MoneyError as exc:
        raise PydanticCustomError("money", "{reason}", {"reason": str(exc)}) from exc


def _number_or_text(value: Any) -> Decimal:
    """Like `_json_number`, but also reads decimal text — query strings and CSV cells are text."""
    if isinstance(value, str):
        try:
            return parse_amount(value, positive=False)
        except MoneyError as exc:
            raise PydanticCustomError("money", "{reason}", {"reason": str(exc)}) from exc
    return _json_number(value)


def _whole_number(value: Any) -> Any:
    """Refuse bools before pydantic's int would read True as 1."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "must be a whole number")
    return value


# Money from a JSON body: numbers only, at most 2 decimals, never negative.
JsonMoney = Annotated[Decimal, BeforeValidator(_json_number), Field(ge=0, le=MONEY_CEILING)]
# Money from a query string or a CSV cell: numbers or decimal text, at most 2 decimals, never negative.
TextMoney = Annotated[Decimal, BeforeValidator(_number_or_text), Field(ge=0, le=MONEY_CEILING)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
Percent = Annotated[Decimal, Field(ge=0, le=100, decimal_places=4)]
Name = Annotated[str, Field(min_length=1, max_length=120)]


class LoanProduct(BaseModel):
    """One advertised loan product. `rate_min` is the advertised "from" rate used for quotes and ranking."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: int | None = None
    bank: Name
    product: Name
    loan_type: LoanType
    rate_type: RateType
    rate_min: Percent
    rate_max: Percent | None = None
    tenure_min_months: WholeNumber = Field(ge=1, le=MAX_TENURE_MONTHS)
    tenure_max_months: WholeNumber = Field(ge=1, le=MAX_TENURE_MONTHS)
    amount_min: TextMoney
    amount_max: TextMoney
    min_monthly_income: TextMoney = Field(description="net monthly income (after tax and EPF), RM")
    fees: TextMoney = Field(default=Decimal("0"), description="upfront fees, RM")
    rule_of_78: bool = False
    source: Name
    refreshed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> LoanProduct:
        if self.rate_max is not None and self.rate_max < self.rate_min:
            raise ValueError("rate_max must not be below rate_min")
        if self.tenure_max_months < self.tenure_min_months:
            raise ValueError("tenure_max_months must not be below tenure_min_months")
        if self.amount_min <= 0:
            raise ValueError("amount_min must be greater than zero")
        if self.amount_max < self.amount_min:
            raise ValueError("amount_max must not be below amount_min")
        if self.rule_of_78 and self.rate_type != "flat":
            raise ValueError("rule_of_78 applies only to flat-rate loans")
        return self

    @property
    def product_key(self) -> str:
        """The identity a refresh upserts by: the same bank, product name and type is the same product."""
        return "|".join((normalise_name(self.bank), normalise_name(self.product), self.loan_type))


class LoanQuote(BaseModel):
    """What a loan costs. Rates are percent p.a. rounded to 2 dp; money is rounded to the sen.

    `effective_rate_exact` keeps the full-precision rate so two products that both show 8.69 % still
    sort in their true order; it is left out of `model_dump()`.
    """

    model_config = ConfigDict(frozen=True)

    flat_rate: Decimal | None
    effective_rate: Decimal
    effective_rate_exact: Decimal = Field(exclude=True)
    monthly_instalment: Decimal
    total_interest: Decimal
    fees: Decimal
    total_payable: Decimal
