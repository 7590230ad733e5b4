"""Project what a deposit earns, month by month, as the bank would credit it.

Interest is credited at the end of each completed period, rounded half-up to the sen, and (except for
`simple`) earns interest from then on:
    monthly / quarterly / annually  a savings account credited every 1 / 3 / 12 months at rate / 12, 4, 1
    simple (savings account)        rate / 12 on the original deposit, credited monthly, never compounded
    fixed deposit                   simple interest for its tenure, credited at maturity; the projection
                                    assumes renewal, principal plus interest, at the same rate
Interest for an incomplete final period is not credited: a savings account credits it at the next period
end, and an FD withdrawn before maturity earns no interest at most Malaysian banks. So a 12-month FD
projected for 18 months earns one year's interest; any `months` is accepted and the notes say this.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

from pydantic import BaseModel, ConfigDict

from creditpilot.loans.arithmetic import CALC
from creditpilot.platform.money import MoneyError, format_rm, parse_amount, to_sen
from creditpilot.savings.models import SavingsProduct

PIDM_COVER = Decimal("250000")
MAX_PROJECTION_MONTHS = 600
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3, "annually": 12}
PERIOD_NAMES = {"monthly": "month", "quarterly": "quarter", "annually": "year"}
YIELD_PLACES = Decimal("0.01")


class ProjectionError(ValueError):
    """A deposit that cannot be projected for this product (amount or months out of range)."""


class ScheduleRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    month: int
    interest: Decimal  # credited at the end of this month (0 if none)
    balance: Decimal  # after that credit


class Projection(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Decimal
    months: int
    interest: Decimal
    final_balance: Decimal
    effective_annual_yield: Decimal  # percent, 2 dp: the annual rate with the product's compounding
    schedule: list[ScheduleRow]
    pidm_note: str
    notes: list[str]


def project(amount: Decimal | int | str, months: int, product: SavingsProduct) -> Projection:
    deposit = _checked_amount(amount, product)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= MAX_PROJECTION_MONTHS:
        raise ProjectionError(f"months must be a whole number from 1 to {MAX_PROJECTION_MONTHS}")
    period, per_period_rate, notes = _crediting(product, months)
    schedule = []
    balance = deposit
    with localcontext(CALC):
        for month in range(1, months + 1):
            credited = Decimal("0.00")
            if month % period == 0:
                base = deposit if product.compounding == "simple" and product.kind == "savings" else balance
                credited = to_sen(base * per_period_rate)
                balance += credited
            schedule.append(ScheduleRow(month=month, interest=credited, balance=balance))
    return Projection(
        amount=deposit,
        months=months,
        interest=balance - deposit,
        final_balance=balance,
        effective_annual_yield=effective_annual_yield(product),
        schedule=schedule,
        pidm_note=pidm_note(balance, product),
        notes=notes,
    )


def _checked_amount(amount: Decimal | int | str, product: SavingsProduct) -> Decimal:
    try:
        deposit = parse_amount(amount)
    except MoneyError as exc:
        raise ProjectionError(f"amount {exc}") from exc
    if deposit < product.min_deposit:
        raise ProjectionError(f"amount must be at least RM{format_rm(product.min_deposit)} for this product")
    if product.max_deposit is not None and deposit > product.max_deposit:
        raise ProjectionError(f"amount must be at most RM{format_rm(product.max_deposit)} for this product")
    return deposit


def _crediting(product: SavingsProduct, months: int) -> tuple[int, Decimal, list[str]]:
    """How often interest is credited (months), the rate per credit, and what the reader should know."""
    with localcontext(CALC):
        annual = product.rate / 100
        if product.kind == "fixed_deposit":
            assert product.tenure_months is not None  # guaranteed by SavingsProduct
            tenure = product.tenure_months
            notes = [f"The {product.rate}% rate applies for the FD's {tenure}-month tenure."]
            if months > tenure:
                notes.append(
                    "The projection assumes renewal with interest at the same rate at each maturity."
                )
            if months % tenure:
                notes.append(
                    f"The last {months % tenure} month(s) do not complete a tenure: an FD withdrawn before "
                    "maturity earns no interest at most banks, so they add nothing."
                )
            return tenure, annual * tenure / 12, notes
        if product.compounding == "simple":
            return 1, annual / 12, ["Simple interest: each month's interest is on the original deposit only."]
        period = PERIOD_MONTHS[product.compounding]
        notes = []
        if months % period:
            notes.append(
                f"Interest for the last {months % period} month(s) is credited at the next "
                f"{PERIOD_NAMES[product.compounding]}'s end, after this projection."
            )
        return period, annual * period / 12, notes


def effective_annual_yield(product: SavingsProduct) -> Decimal:
    """Annual rate with the product's compounding, percent 2 dp; a renewed FD compounds once per tenure."""
    with localcontext(CALC):
        annual = product.rate / 100
        if product.kind == "fixed_deposit":
            assert product.tenure_months is not None
            periods_per_year = Decimal(12) / product.tenure_months
        elif product.compounding == "simple":
            periods_per_year = Decimal(1)
        else:
            periods_per_year = Decimal(12 // PERIOD_MONTHS[product.compounding])
        growth = (1 + annual / periods_per_year) ** periods_per_year - 1
        return (growth * 100).quantize(YIELD_PLACES, rounding=ROUND_HALF_UP)


def pidm_note(final_balance: Decimal, product: SavingsProduct) -> str:
    if not product.pidm_insured:
        return f"This {product.bank} product is not protected by PIDM (Perbadanan Insurans Deposit Malaysia)."
    cover = (
        f"Deposits are protected by PIDM up to RM{format_rm(PIDM_COVER)} per depositor per member bank, "
        f"principal and interest together, across all your deposits at {product.bank}"
    )
    if product.islamic:
        cover += " (Islamic and conventional deposits are protected separately)"
    if final_balance > PIDM_COVER:
        return f"{cover}. RM{format_rm(final_balance - PIDM_COVER)} of this balance is above that cover."
    return f"{cover}. This balance is within that cover."
