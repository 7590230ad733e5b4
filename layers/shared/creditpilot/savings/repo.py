"""SQL for savings and fixed-deposit products. Parameterised constants only; rows come back as models.

Rate changes go to the shared `product_rate_history` through `creditpilot.loans.repo.record_rate_change`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from creditpilot.platform.db import Connection
from creditpilot.savings.models import SavingsKind, SavingsProduct

SAVINGS_FIELDS = (
    "id, bank, product, kind, rate, compounding, tenure_months, min_deposit, max_deposit, pidm_insured, "
    "islamic, source, refreshed_at"
)
# Best rate first within a kind; an FD's tenures of one bank stay together after that.
_ORDER = "ORDER BY kind, rate DESC, bank, product, tenure_months NULLS FIRST"

ACTIVE_SAVINGS = f"SELECT {SAVINGS_FIELDS} FROM savings_products WHERE active {_ORDER}"
ACTIVE_SAVINGS_OF_KIND = (
    f"SELECT {SAVINGS_FIELDS} FROM savings_products WHERE active AND kind = :kind {_ORDER}"
)
ACTIVE_BY_ID = f"SELECT {SAVINGS_FIELDS} FROM savings_products WHERE active AND id = :id"
ACTIVE_BY_KEY = f"SELECT {SAVINGS_FIELDS} FROM savings_products WHERE active AND product_key = :key"
SAVINGS_BY_KEYS = f"""
SELECT product_key, active, {SAVINGS_FIELDS} FROM savings_products
WHERE product_key = ANY(CAST(:keys AS text[])) FOR UPDATE
"""

UPSERT_SAVINGS = """
INSERT INTO savings_products (product_key, bank, product, kind, rate, compounding, tenure_months,
    min_deposit, max_deposit, pidm_insured, islamic, source, active, refreshed_at)
VALUES (:product_key, :bank, :product, :kind, :rate, :compounding, :tenure_months,
    :min_deposit, :max_deposit, :pidm_insured, :islamic, :source, true,
    COALESCE(CAST(:refreshed_at AS timestamptz), now()))
ON CONFLICT (product_key) DO UPDATE SET
    bank = EXCLUDED.bank, product = EXCLUDED.product, kind = EXCLUDED.kind, rate = EXCLUDED.rate,
    compounding = EXCLUDED.compounding, tenure_months = EXCLUDED.tenure_months,
    min_deposit = EXCLUDED.min_deposit, max_deposit = EXCLUDED.max_deposit,
    pidm_insured = EXCLUDED.pidm_insured, islamic = EXCLUDED.islamic, source = EXCLUDED.source,
    active = true, refreshed_at = EXCLUDED.refreshed_at
RETURNING id
"""

TOUCH_SAVINGS = """
UPDATE savings_products SET refreshed_at = COALESCE(CAST(:refreshed_at AS timestamptz), now())
WHERE product_key = :product_key
"""


class StoredSavings(NamedTuple):
    product: SavingsProduct
    active: bool


def _savings(row: dict[str, Any]) -> SavingsProduct:
    return SavingsProduct.model_validate({name: row[name] for name in SavingsProduct.model_fields})


def list_active_savings(conn: Connection, kind: SavingsKind | None = None) -> list[SavingsProduct]:
    rows = conn.run(ACTIVE_SAVINGS_OF_KIND, kind=kind) if kind else conn.run(ACTIVE_SAVINGS)
    return [_savings(row) for row in rows]


def find_active_savings(
    conn: Connection, *, product_id: int | None = None, product_key: str | None = None
) -> SavingsProduct | None:
    """One active product by its row id or its `product_key`; None when there is no such product."""
    if product_id is not None:
        row = conn.one(ACTIVE_BY_ID, id=product_id)
    elif product_key is not None:
        row = conn.one(ACTIVE_BY_KEY, key=product_key)
    else:
        return None
    return _savings(row) if row else None


def savings_by_keys(tx: Connection, keys: Iterable[str]) -> dict[str, StoredSavings]:
    """The stored products among `keys`, locked until the transaction ends."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = tx.run(SAVINGS_BY_KEYS, keys=wanted)
    return {row["product_key"]: StoredSavings(_savings(row), bool(row["active"])) for row in rows}


def upsert_savings(tx: Connection, product: SavingsProduct) -> int:
    values = product.model_dump(exclude={"id"})
    return int(tx.scalar(UPSERT_SAVINGS, product_key=product.product_key, **values))


def touch_savings(tx: Connection, product: SavingsProduct) -> None:
    tx.run(TOUCH_SAVINGS, product_key=product.product_key, refreshed_at=product.refreshed_at)
