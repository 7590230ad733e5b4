"""Loan arithmetic in Decimal: flat and reducing-balance instalments, flat→effective rate, Rule of 78.

Every calculation runs in a local 34-digit context so results do not depend on the caller's context;
money is rounded half-up to the sen only when it leaves this module. Rates in and out are percent p.a.

Effective rate of a flat-rate loan: Malaysian lenders quote it as the annual rate of a reducing-balance
loan with monthly rests that has the same instalments — 12 × the monthly rate `i` that solves the
annuity equation `P = A · (1 − (1 + i)^−n) / i`. It is solved numerically; the textbook shortcut
`flat × 2n / (n + 1)` overstates it (about 9.09 % instead of 8.69 % for 5 % flat over ten years).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import lru_cache

from creditpilot.loans.models import LoanProduct, LoanQuote
from creditpilot.platform.money import to_sen

CALC = Context(prec=34)
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
MONTHS_PER_YEAR = Decimal(12)
RATE_DISPLAY = Decimal("0.01")
# Monthly rates agree to this many decimal places; far below what 2 dp of an annual percent can show.
SOLVER_TOLERANCE = Decimal("1e-14")
SOLVER_MAX_STEPS = 200


class QuoteError(ValueError):
    """A loan that cannot be quoted (no amount, no months)."""


def _check_terms(principal: Decimal, months: int) -> None:
    if principal <= 0:
        raise QuoteError("amount must be greater than zero")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise QuoteError("tenure must be a whole number of months, at least 1")


def flat_total_interest(principal: Decimal, flat_rate: Decimal, months: int) -> Decimal:
    """Interest on a flat-rate loan, `P · r · years`, charged on the original principal throughout."""
    _check_terms(principal, months)
    with localcontext(CALC):
        return principal * flat_rate / HUNDRED * months / MONTHS_PER_YEAR


def flat_monthly_instalment(principal: Decimal, flat_rate: Decimal, months: int) -> Decimal:
    """Instalment of a flat-rate loan, `(P + P · r · years) / n`, full precision."""
    with localcontext(CALC):
        return (principal + flat_total_interest(principal, flat_rate, months)) / months


def reducing_monthly_instalment(principal: Decimal, effective_rate: Decimal, months: int) -> Decimal:
    """Instalment of a reducing-balance (monthly rest) loan, `P · i / (1 − (1 + i)^−n)`, full precision."""
    _check_terms(principal, months)
    with localcontext(CALC):
        monthly = effective_rate / HUNDRED / MONTHS_PER_YEAR
        if monthly == 0:
            return principal / months
        return principal * monthly / (ONE - (ONE + monthly) ** -months)


def reducing_total_interest(principal: Decimal, effective_rate: Decimal, months: int) -> Decimal:
    """Interest over the life of a reducing-balance loan: every instalment paid, less the principal."""
    with localcontext(CALC):
        return reducing_monthly_instalment(principal, effective_rate, months) * months - principal


def _annuity_factor_and_slope(monthly: Decimal, months: int) -> tuple[Decimal, Decimal]:
    """Present value of 1 paid monthly, `a(i) = (1 − (1 + i)^−n) / i`, and its slope
    `a'(i) = (n · i · (1 + i)^−(n+1) − (1 − (1 + i)^−n)) / i²`, for a monthly rate `i` > 0."""
    discount = (ONE + monthly) ** -months
    factor = (ONE - discount) / monthly
    slope = (months * discount / (ONE + monthly) - factor) / monthly
    return factor, slope


def solve_monthly_rate(principal: Decimal, instalment: Decimal, months: int) -> Decimal:
    """The monthly rate `i` at which `months` instalments of `instalment` repay `principal`.

    Safeguarded Newton: the annuity factor falls and is convex in `i`, so starting from the simple-interest
    rate (which never exceeds the root) Newton climbs monotonically to it; any step that leaves the
    bracket `(0, instalment / principal)` is replaced by bisection, so the solver cannot diverge.
    """
    _check_terms(principal, months)
    with localcontext(CALC):
        if instalment * months <= principal:
            raise QuoteError("instalments repay no more than the principal; there is no positive rate")
        target = principal / instalment
        low, high = ZERO, instalment / principal  # factor(high) < 1 / high = target
        rate = (instalment * months - principal) / (principal * months)
        for _ in range(SOLVER_MAX_STEPS):
            factor, slope = _annuity_factor_and_slope(rate, months)
            gap = factor - target  # > 0 while rate is below the root
            if gap > 0:
                low = rate
            else:
                high = rate
            candidate = rate - gap / slope
            if not low < candidate < high:
                candidate = (low + high) / 2
            if abs(candidate - rate) < SOLVER_TOLERANCE:
                return candidate
            rate = candidate
        raise ArithmeticError("effective-rate solver did not converge")  # pragma: no cover - bracketed


@lru_cache(maxsize=4096)
def flat_to_effective_rate(flat_rate: Decimal, months: int) -> Decimal:
    """Effective annual rate (percent, full precision) of a flat-rate loan; independent of the principal.

    Cached per (rate, months): a ranking of hundreds of products repeats a handful of these pairs.
    """
    if flat_rate == 0:
        return ZERO
    with localcontext(CALC):
        instalment_per_ringgit = flat_monthly_instalment(ONE, flat_rate, months)
        return solve_monthly_rate(ONE, instalment_per_ringgit, months) * MONTHS_PER_YEAR * HUNDRED


def total_payable(principal: Decimal, total_interest: Decimal, fees: Decimal) -> Decimal:
    """Everything the borrower pays: principal, interest and upfront fees, to the sen.

    Each part is rounded first so the total is exactly the sum of the figures shown beside it.
    """
    return to_sen(principal) + to_sen(total_interest) + to_sen(fees)


def rule_of_78_rebate(total_interest: Decimal, months: int, remaining_months: int) -> Decimal:
    """Interest rebated on early settlement under the Rule of 78: `interest · k(k+1) / (n(n+1))`, to the sen.

    `remaining_months` (k) counts the instalments not yet paid; 0 means the loan has run its course.
    """
    if not 0 <= remaining_months <= months:
        raise QuoteError("remaining months must be between 0 and the tenure")
    with localcontext(CALC):
        share = Decimal(remaining_months * (remaining_months + 1)) / Decimal(months * (months + 1))
        return to_sen(total_interest * share)


def rule_of_78_settlement(
    principal: Decimal, flat_rate: Decimal, months: int, remaining_months: int
) -> Decimal:
    """What settles a Rule-of-78 flat loan early: the unpaid instalments less the Rule-of-78 rebate."""
    with localcontext(CALC):
        interest = flat_total_interest(principal, flat_rate, months)
        unpaid = (principal + interest) / months * remaining_months
        return to_sen(unpaid) - rule_of_78_rebate(interest, months, remaining_months)


def quote(product: LoanProduct, amount: Decimal, tenure_months: int) -> LoanQuote:
    """Cost of borrowing `amount` over `tenure_months` at the product's advertised (minimum) rate.

    The instalment shown is rounded to the sen; totals come from the exact schedule (lenders adjust the
    last instalment for the rounding). The effective rate excludes fees; `total_payable` includes them.
    Whether the product lends this amount for this tenure is `ranking.is_eligible`'s question, not this one's.
    """
    _check_terms(amount, tenure_months)
    rate = product.rate_min
    with localcontext(CALC):
        if product.rate_type == "flat":
            interest = flat_total_interest(amount, rate, tenure_months)
            instalment = (amount + interest) / tenure_months
            effective = flat_to_effective_rate(rate, tenure_months)
            flat_rate: Decimal | None = rate
        else:
            instalment = reducing_monthly_instalment(amount, rate, tenure_months)
            interest = instalment * tenure_months - amount
            effective = rate
            flat_rate = None
        return LoanQuote(
            flat_rate=flat_rate,
            effective_rate=effective.quantize(RATE_DISPLAY, rounding=ROUND_HALF_UP),
            effective_rate_exact=effective,
            monthly_instalment=to_sen(instalment),
            total_interest=to_sen(interest),
            fees=to_sen(product.fees),
            total_payable=total_payable(amount, interest, product.fees),
        )
