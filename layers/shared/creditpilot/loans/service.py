"""Loan use cases: rank products for a borrower, check DSR, refresh rates from feeds, seed demo products.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError as PydanticValidationError

from creditpilot.loans import repo
from creditpilot.loans.dsr import DsrRequest, calculate_dsr, to_response
from creditpilot.loans.feeds import (
    FeedError,
    FeedResult,
    load_demo_loan_products,
    load_demo_savings_products,
    parse_loan_feed,
    parse_savings_feed,
)
from creditpilot.loans.models import LoanProduct, LoanType
from creditpilot.loans.ranking import RankedProduct, RankingQuery, rank_products
from creditpilot.loans.refresh import (
    FeedSource,
    FeedUnavailable,
    SourceReport,
    configured_sources,
    fetch_feed,
    whole_feed_error,
)
from creditpilot.platform.db import Connection, Database
from creditpilot.platform.errors import ValidationError
from creditpilot.platform.logging import get_logger
from creditpilot.platform.storage import ObjectStore
from creditpilot.savings import service as savings_service
from creditpilot.savings.models import SavingsProduct

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


def ranked_to_json(offer: RankedProduct) -> dict[str, Any]:
    """One ranked product for the API: rates and DSR as percent numbers, money as "1234.50" strings.

    `dsr` and `dsr_percent` are the same figure — the percent of net monthly income that the caller's
    existing commitments plus this loan's instalment would take (47.5 means 47.5 %); `dsr_verdict` is
    that figure judged against the bank's threshold for the caller's income.
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
        "dsr": _rate(offer.dsr_percent),
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


def field_errors(errors: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Pydantic errors keyed by their full dotted location, list positions included
    (`existing_loans.0.monthly_payment`), so a form can put each message beside its own input."""
    fields: dict[str, str] = {}
    for error in errors:
        name = ".".join(str(part) for part in error.get("loc", ())) or "body"
        fields.setdefault(name, str(error.get("msg", "invalid value")))
    return fields


def dsr_request(body: dict[str, Any]) -> DsrRequest:
    """A validated DSR request, or a 422 naming every wrong field."""
    try:
        return DsrRequest.model_validate(body)
    except PydanticValidationError as exc:
        fields = field_errors(exc.errors(include_url=False, include_input=False))
        raise ValidationError("invalid input: " + ", ".join(fields), fields=fields) from None


def check_dsr(request: DsrRequest) -> dict[str, Any]:
    return to_response(calculate_dsr(request))


# ------------------------------------------------------------------ applying products (refresh and seed)


@dataclass
class ApplyCounts:
    applied: int = 0
    unchanged: int = 0
    skipped: int = 0  # kept as stored because `keep_stored` said so


ProductT = TypeVar("ProductT", LoanProduct, SavingsProduct)


def _comparable(product: LoanProduct | SavingsProduct) -> dict[str, Any]:
    return product.model_dump(exclude={"id", "refreshed_at"})


def apply_loan_products(
    tx: Connection,
    products: Sequence[LoanProduct],
    *,
    keep_stored: Callable[[LoanProduct], bool] | None = None,
) -> ApplyCounts:
    """Upsert loan products by `product_key` inside the caller's transaction; a new product or a new
    `rate_min`/`rate_max` is written to `product_rate_history`. A product identical to the stored one
    only has its `refreshed_at` moved. `keep_stored(existing)` true leaves that stored product alone."""
    counts = ApplyCounts()
    stored = repo.loans_by_keys(tx, (p.product_key for p in products))
    for product in products:
        key = product.product_key
        before = stored.get(key)
        if before is not None and keep_stored is not None and keep_stored(before.product):
            counts.skipped += 1
            continue
        if before is not None and before.active and _comparable(before.product) == _comparable(product):
            repo.touch_loan(tx, product)
            counts.unchanged += 1
            continue
        repo.upsert_loan(tx, product)
        counts.applied += 1
        old = before.product if before is not None else None
        if old is None or (old.rate_min, old.rate_max) != (product.rate_min, product.rate_max):
            repo.record_rate_change(
                tx,
                product_kind="loan",
                product_key=key,
                source=product.source,
                old_rate=old.rate_min if old else None,
                new_rate=product.rate_min,
                detail={
                    "bank": product.bank,
                    "product": product.product,
                    "loan_type": product.loan_type,
                    "rate_type": product.rate_type,
                    "old_rate_max": _text(old.rate_max) if old else None,
                    "new_rate_max": _text(product.rate_max),
                },
            )
    return counts


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def seed_demo_products(db: Database) -> dict[str, int]:
    """Upsert the demo loan and savings products (`source: demo`); safe to run on every start.

    A product a real feed has taken over (its stored source is no longer `demo`) is left alone, so
    re-seeding never puts demo rates back over fetched ones. Returns how many demo products of each
    kind are in place."""
    loans = load_demo_loan_products()
    savings = load_demo_savings_products()

    def taken_over(existing: LoanProduct | SavingsProduct) -> bool:
        return existing.source != DEMO_SOURCE

    with db.transaction() as tx:
        loan_counts = apply_loan_products(tx, loans, keep_stored=taken_over)
        savings_counts = savings_service.apply_savings_products(tx, savings, keep_stored=taken_over)
    invalidate_product_caches()
    return {
        "loan_products": loan_counts.applied + loan_counts.unchanged,
        "savings_products": savings_counts.applied + savings_counts.unchanged,
    }


# ------------------------------------------------------------------ refresh


def refresh_rates(deps: LoansDeps) -> dict[str, Any]:
    """Fetch every configured feed and apply its good rows, one transaction per feed.

    Per feed: unreadable or unreachable -> `failed`, nothing changed; some rows wrong -> the good rows are
    applied and the rest reported with row number and field (`partial`; `failed` when no row was good);
    all good -> `applied`, or `unchanged` when every row matched what was stored.
    """
    reports: list[SourceReport] = []
    for item in configured_sources(deps.feeds):
        report = item if isinstance(item, SourceReport) else _refresh_one(deps, item)
        reports.append(report)
        logger.info(
            "rates feed refreshed",
            source=report.source,
            kind=report.kind,
            status=report.status,
            applied=report.applied,
            unchanged=report.unchanged,
            errors=len(report.errors),
        )
    invalidate_product_caches()
    if deps.products is not None:
        deps.products.clear()
    bodies = [r.to_dict() for r in reports]
    summary = {
        status: sum(1 for r in reports if r.status == status)
        for status in ("applied", "partial", "failed", "unchanged")
    }
    return {"sources": bodies, "summary": summary}


def _refresh_one(deps: LoansDeps, source: FeedSource) -> SourceReport:
    from pg8000.exceptions import DatabaseError

    try:
        content = fetch_feed(source, store=deps.store, allow_plain_http=deps.allow_plain_http)
        result: FeedResult[Any] = (parse_loan_feed if source.kind == "loan" else parse_savings_feed)(
            content, source.fmt, source=source.label
        )
    except (FeedUnavailable, FeedError) as exc:
        return SourceReport(source.label, source.kind, "failed", errors=[whole_feed_error(str(exc))])
    if not result.good:
        status = "failed" if result.errors else "unchanged"
        return SourceReport(source.label, source.kind, status, errors=list(result.errors))
    try:
        with deps.db.transaction() as tx:
            if source.kind == "loan":
                counts = apply_loan_products(tx, result.good)
            else:
                counts = savings_service.apply_savings_products(tx, result.good)
    except DatabaseError:
        logger.exception("rates feed rejected by the database", source=source.label)
        refused = whole_feed_error("the database refused this feed's rows; nothing was changed")
        return SourceReport(source.label, source.kind, "failed", errors=[refused])
    if result.errors:
        status = "partial"
    else:
        status = "applied" if counts.applied else "unchanged"
    return SourceReport(
        source.label,
        source.kind,
        status,
        applied=counts.applied,
        unchanged=counts.unchanged,
        errors=list(result.errors),
    )
