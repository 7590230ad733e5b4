"""Money: always Decimal, rounded half-up to the sen. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

SEN = Decimal("0.01")


class MoneyError(ValueError):
    """A value that cannot be read as an amount of money."""


def to_sen(value: Decimal | int | str) -> Decimal:
    """Round to the sen, half-up (RM 0.005 -> RM 0.01). Floats are refused: they are not money."""
    if isinstance(value, float):
        raise MoneyError("float is not accepted for money; pass Decimal or str")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise MoneyError(f"not a finite amount: {value!r}")
    return amount.quantize(SEN, rounding=ROUND_HALF_UP)


def parse_amount(text: str | Decimal | int, *, positive: bool = True, max_places: int = 2) -> Decimal:
    """Read user input as money: a number with at most `max_places` decimals (and > 0 unless told)."""
    if isinstance(text, float):
        raise MoneyError("float is not accepted for money")
    raw = text.strip() if isinstance(text, str) else text
    try:
        amount = Decimal(raw)
    except (InvalidOperation, TypeError) as exc:
        raise MoneyError("must be a number") from exc
    if not amount.is_finite():
        raise MoneyError("must be a finite number")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max_places:
        raise MoneyError(f"must have at most {max_places} decimal places")
    if positive and amount <= 0:
        raise MoneyError("must be greater than zero")
    if amount.copy_abs() >= Decimal("1e12"):
        raise MoneyError("is too large")
    return amount.quantize(SEN)


def format_rm(amount: Decimal) -> str:
    """'1,234.50' — grouping with commas, two decimals (no currency symbol)."""
    return f"{to_sen(amount):,.2f}"
