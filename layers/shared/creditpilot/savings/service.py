"""Savings use cases: list products, project a deposit, apply products from a feed or the demo seed.

Collaborators are arguments (a `Database`, or the caller's transaction). Rate changes are kept in the
shared `product_rate_history` (kind `savings`), like loans'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from creditpilot.loans import repo as rates_repo
from creditpilot.loans.models import TextMoney, WholeNumber
from creditpilot.platform.db import Connection, Database
from creditpilot.platform.errors import NotFoundError, ValidationError
from creditpilot.savings import repo
from creditpilot.savings.models import SavingsKind, SavingsProduct
from creditpilot.savings.projection import (
    MAX_PROJECTION_MONTHS,
    Projection,
    ProjectionError,
    effective_annual_yield,
    project,
)

MAX_DEPOSIT = Decimal("100000000")
MAX_BIGINT = 2**63 - 1


class KindQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SavingsKind | None = None


class ProjectionQuery(BaseModel):
    """`product` is a product's `product_key` (e.g. `maybank|efixed deposit|fixed_deposit|12m`) or its id."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    amount: Annotated[TextMoney, Field(gt=0, le=MAX_DEPOSIT)]
    months: Annotated[WholeNumber, Field(ge=1, le=MAX_PROJECTION_MONTHS)]
    product: Annotated[str, Field(min_length=1, max_length=300)]


def list_products(db: Database, kind: SavingsKind | None = None) -> list[SavingsProduct]:
    with db.connection() as conn:
        return repo.list_active_savings(conn, kind)


def find_product(db: Database, product: str) -> SavingsProduct:
    """By id (all digits) or product_key; 404 when no active product matches."""
    with db.connection() as conn:
        found = None
        if product.isdigit() and int(product) <= MAX_BIGINT:
            found = repo.find_active_savings(conn, product_id=int(product))
        if found is None:
            found = repo.find_active_savings(conn, product_key=product)
    if found is None:
        raise NotFoundError("no such savings product", fields={"product": "not found"})
    return found


def project_deposit(db: Database, query: ProjectionQuery) -> tuple[SavingsProduct, Projection]:
    product = find_product(db, query.product)
    try:
        return product, project(query.amount, query.months, product)
    except ProjectionError as exc:
        message = str(exc)
        name = "months" if message.startswith("months") else "amount"
        raise ValidationError(
            f"invalid input: {name}", fields={name: message.removeprefix("amount ")}
        ) from None


def product_to_json(product: SavingsProduct) -> dict[str, Any]:
    """Rates as percent numbers, money as "1234.50" strings (null where the product sets no maximum)."""
    return {
        "id": product.id,
        "product_key": product.product_key,
        "bank": product.bank,
        "product": product.product,
        "kind": product.kind,
        "rate": float(product.rate),
        "effective_annual_yield": float(effective_annual_yield(product)),
        "compounding": product.compounding,
        "tenure_months": product.tenure_months,
        "min_deposit": f"{product.min_deposit:.2f}",
        "max_deposit": None if product.max_deposit is None else f"{product.max_deposit:.2f}",
        "pidm_insured": product.pidm_insured,
        "islamic": product.islamic,
        "source": product.source,
        "demo": product.source == "demo",
        "refreshed_at": product.refreshed_at.isoformat() if product.refreshed_at else None,
    }


def projection_to_json(projection: Projection) -> dict[str, Any]:
    return {
        "amount": f"{projection.amount:.2f}",
        "months": projection.months,
        "interest": f"{projection.interest:.2f}",
        "final_balance": f"{projection.final_balance:.2f}",
        "effective_annual_yield": float(projection.effective_annual_yield),
        "pidm_note": projection.pidm_note,
        "notes": projection.notes,
        "schedule": [
            {"month": row.month, "interest": f"{row.interest:.2f}", "balance": f"{row.balance:.2f}"}
            for row in projection.schedule
        ],
    }


class SavingsApplyCounts(BaseModel):
    applied: int = 0
    unchanged: int = 0
    skipped: int = 0


def apply_savings_products(
    tx: Connection,
    products: Sequence[SavingsProduct],
    *,
    keep_stored: Callable[[SavingsProduct], bool] | None = None,
) -> SavingsApplyCounts:
    """Upsert by `product_key` in the caller's transaction; a new product or rate goes to the history.
    A product identical to the stored one only has its `refreshed_at` moved."""
    counts = SavingsApplyCounts()
    stored = repo.savings_by_keys(tx, (p.product_key for p in products))
    for product in products:
        before = stored.get(product.product_key)
        if before is not None and keep_stored is not None and keep_stored(before.product):
            counts.skipped += 1
            continue
        same = (
            before is not None
            and before.active
            and (
                before.product.model_dump(exclude={"id", "refreshed_at"})
                == product.model_dump(exclude={"id", "refreshed_at"})
            )
        )
        if same:
            repo.touch_savings(tx, product)
            counts.unchanged += 1
            continue
        repo.upsert_savings(tx, product)
        counts.applied += 1
        old_rate = before.product.rate if before is not None else None
        if old_rate is None or old_rate != product.rate:
            rates_repo.record_rate_change(
                tx,
                product_kind="savings",
                product_key=product.product_key,
                old_rate=old_rate,
                new_rate=product.rate,
                source=product.source,
                detail={
                    "bank": product.bank,
                    "product": product.product,
                    "kind": product.kind,
                    "tenure_months": product.tenure_months,
                },
            )
    return counts
