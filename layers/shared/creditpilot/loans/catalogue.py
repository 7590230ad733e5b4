"""The product catalogue's upkeep: applying products (seed and feeds) with their rate history, and the
rates refresh. Kept apart from `service` (ranking, DSR) so the functions that only read products never
load the feed, HTTP-fetch and savings code at cold start."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from creditpilot.loans import repo
from creditpilot.loans.feeds import (
    FeedError,
    FeedResult,
    load_demo_loan_products,
    load_demo_savings_products,
    parse_loan_feed,
    parse_savings_feed,
)
from creditpilot.loans.models import LoanProduct
from creditpilot.loans.refresh import (
    FeedSource,
    FeedUnavailable,
    SourceReport,
    configured_sources,
    fetch_feed,
    whole_feed_error,
)
from creditpilot.loans.service import DEMO_SOURCE, LoansDeps, invalidate_product_caches
from creditpilot.platform.db import Connection, Database
from creditpilot.platform.logging import get_logger
from creditpilot.savings import service as savings_service
from creditpilot.savings.models import SavingsProduct

logger = get_logger()

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
