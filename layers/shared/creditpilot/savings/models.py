"""Savings accounts and fixed deposits as domain values. Rates are percent p.a.; money is RM as Decimal."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

# One set of field rules for every product feed: the loans package owns them.
from creditpilot.loans.models import Name, Percent, TextMoney, WholeNumber, normalise_name

SavingsKind = Literal["savings", "fixed_deposit"]
Compounding = Literal["simple", "monthly", "quarterly", "annually"]

MAX_FD_TENURE_MONTHS = 60


class SavingsProduct(BaseModel):
    """A savings account (no tenure) or a fixed deposit (a tenure in months, simple interest at maturity).

    Malaysian FDs pay simple interest when they mature, so a fixed deposit must say `compounding: simple`;
    a savings account compounds as the bank credits it (typically monthly).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: int | None = None
    bank: Name
    product: Name
    kind: SavingsKind
    rate: Percent
    compounding: Compounding
    tenure_months: WholeNumber | None = Field(default=None, ge=1, le=MAX_FD_TENURE_MONTHS)
    min_deposit: TextMoney = Decimal("0")
    max_deposit: TextMoney | None = None
    pidm_insured: bool
    islamic: bool = False
    source: Name
    refreshed_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _terms_fit_the_kind(self) -> SavingsProduct:
        if self.kind == "fixed_deposit":
            if self.tenure_months is None:
                raise ValueError("a fixed deposit needs tenure_months")
            if self.compounding != "simple":
                raise ValueError(
                    "a fixed deposit pays simple interest at maturity: compounding must be simple"
                )
        elif self.tenure_months is not None:
            raise ValueError("a savings account has no tenure_months")
        if self.max_deposit is not None and self.max_deposit < self.min_deposit:
            raise ValueError("max_deposit must not be below min_deposit")
        return self

    @property
    def product_key(self) -> str:
        """The identity a refresh upserts by: bank, product name and kind — and, for a fixed deposit, its
        tenure, because a bank advertises one FD product at a different rate for each tenure."""
        parts = [normalise_name(self.bank), normalise_name(self.product), self.kind]
        if self.tenure_months is not None:
            parts.append(f"{self.tenure_months}m")
        return "|".join(parts)
