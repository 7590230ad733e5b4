"""Loan use cases: rank products for a borrower and check DSR (refresh and seed live in `catalogue`).

Collaborators are arguments (`LoansDeps`, a `Database`, an `ObjectStore`), so tests pass real or fake ones.

Ranking reads active products through `ProductCache`: a per-process copy of each loan type's products
that lives `PRODUCT_CACHE_TTL_SECONDS` (60 s) and is dropped at once by any refresh or seed in the same
process. Without it every ranking would re-read and re-validate the products (a few ms of the 10 ms
budget); with it a warm ranking is pure arithmetic. Another process sees a refresh within 60 s, which is
plenty for rates that change at most daily.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from creditpilot.loans import repo
from creditpilot.loans.dsr import DsrRequest, calculate_dsr, to_response
from creditpilot.loans.models import LoanProduct, LoanType
from creditpilot.loans.ranking import RankedProduct, RankingQuery, rank_products
from creditpilot.platform.config import Settings
from creditpilot.platform.db import Database
from creditpilot.platform.logging import get_logger
from creditpilot.platform.storage import ObjectStore

logger = get_logger()

PRODUCT_CACHE_TTL_SECONDS = 60.0
DEMO_SOURCE = "demo"
# The loans page's first screen: a typical personal-loan enquiry.
DEFAULT_QUERY = RankingQuery(loan_type="personal", amount="50000", tenure_months=60, monthly_income="8000")

# Bumped by every refresh or seed in this process; a cache filled under an older generation is stale.
_generation = itertools.count(1)
_current_generation = [next(_generation)]


def invalidate_product_caches() -> None:
    _current_generation[0] = next(_generation)


class ProductCache:
    """Active loan products per loan type, kept for `ttl` seconds (see the module docstring)."""

    def __init__(self, ttl: float = PRODUCT_CACHE_TTL_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, int, tuple[LoanProduct, ...]]] = {}

    def products(self, db: Database, loan_type: LoanType) -> tuple[LoanProduct, ...]:
        now = self.clock()
        generation = _current_generation[0]
        entry = self._entries.get(loan_type)
        if entry and entry[1] == generation and now - entry[0] < self.ttl:
            return entry[2]
        with db.connection() as conn:
            products = tuple(repo.list_active_loans(conn, loan_type))
        with self._lock:
            self._entries[loan_type] = (now, generation, products)
        return products

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


@dataclass
class LoansDeps:
    db: Database
    store: ObjectStore | None = None
    feeds: tuple[str, ...] = ()
    allow_plain_http: bool = False  # True only where ENV is local or test
    products: ProductCache | None = field(default_factory=ProductCache)


def deps_from_settings(settings: Settings, db: Database, *, cache_products: bool = True) -> LoansDeps:
    """The real collaborators: feeds and their S3 store from the settings; plain-HTTP feeds only locally."""
    return LoansDeps(
        db=db,
        store=ObjectStore(settings.storage),
        feeds=settings.loans_feeds,
        allow_plain_http=settings.env in ("local", "test"),
        products=ProductCache() if cache_products else None,
    )


# ------------------------------------------------------------------ ranking


def active_loan_products(deps: LoansDeps, loan_type: LoanType) -> Sequence[LoanProduct]:
    if deps.products is not None:
        return deps.products.products(deps.db, loan_type)
    with deps.db.connection() as conn:
        return repo.list_active_loans(conn, loan_type)


def rank_loans(deps: LoansDeps, query: RankingQuery) -> list[RankedProduct]:
    return rank_products(active_loan_products(deps, query.loan_type), query)


def _rate(value: Any) -> float | None:
    # Rates are already rounded to at most 4 dp (2 dp for effective rates), so a float prints exactly.
    return None if value is None else float(value)


def _ratio(percent: Any) -> float | None:
    # The same convention as /loans/dsr/calc: `dsr` is a ratio (0.3177), `dsr_percent` the percent.
    return None if percent is None else float((percent / 100).quantize(Decimal("0.0001")))


def ranked_to_json(offer: RankedProduct) -> dict[str, Any]:
    """One ranked product for the API: rates and DSR as percent numbers, money as "1234.50" strings.

    `dsr` (a ratio, 0.475) and `dsr_percent` (47.5) are the share of net monthly income that the caller's
    existing commitments plus this loan's instalment would take, as /loans/dsr/calc reports them;
    `dsr_verdict` is that figure judged against the bank's threshold for the caller's income.
    """
    return {
        "product_id": offer.product_id,
        "bank": offer.bank,
        "product": offer.product,
        "rate_type": offer.rate_type,
        "flat_rate": _rate(offer.flat_rate),
        "effective_rate": _rate(offer.effective_rate),
        "monthly_instalment": f"{offer.monthly_instalment:.2f}",
        "total_interest": f"{offer.total_interest:.2f}",
        "fees": f"{offer.fees:.2f}",
        "total_payable": f"{offer.total_payable:.2f}",
        "dsr": _ratio(offer.dsr_percent),
        "dsr_percent": _rate(offer.dsr_percent),
        "dsr_verdict": offer.dsr_verdict,
        "source": offer.source,
        "demo": offer.source == DEMO_SOURCE,
    }


def query_to_json(query: RankingQuery) -> dict[str, Any]:
    return {
        "type": query.loan_type,
        "amount": f"{query.amount:.2f}",
        "tenure_months": query.tenure_months,
        "monthly_income": f"{query.monthly_income:.2f}",
        "existing_commitments": f"{query.existing_commitments:.2f}",
    }


# ------------------------------------------------------------------ DSR


def check_dsr(request: DsrRequest) -> dict[str, Any]:
    return to_response(calculate_dsr(request))
