"""SQL for loan products and the rate history both product kinds share.

Parameterised constants only; rows come back as models (`LoanProduct`, `StoredLoan`, `RateChange`).
Only the model's fields are selected (`LoanProduct` forbids extras); `product_key` and `active` travel
beside the model in `StoredLoan` when a refresh needs them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from creditpilot.loans.models import LoanProduct, LoanType
from creditpilot.platform.db import Connection, as_json

ProductKind = Literal["loan", "savings"]

LOAN_FIELDS = (
    "id, bank, product, loan_type, rate_type, rate_min, rate_max, tenure_min_months, tenure_max_months, "
    "amount_min, amount_max, min_monthly_income, fees, rule_of_78, source, refreshed_at"
)

ACTIVE_LOANS = f"SELECT {LOAN_FIELDS} FROM loan_products WHERE active ORDER BY loan_type, bank, product"
ACTIVE_LOANS_OF_TYPE = (
    f"SELECT {LOAN_FIELDS} FROM loan_products WHERE active AND loan_type = :loan_type ORDER BY bank, product"
)
# Locks the rows a refresh is about to compare and overwrite, so two refreshes cannot interleave.
LOANS_BY_KEYS = f"""
SELECT product_key, active, {LOAN_FIELDS} FROM loan_products
WHERE product_key = ANY(CAST(:keys AS text[])) FOR UPDATE
"""

UPSERT_LOAN = """
INSERT INTO loan_products (product_key, bank, product, loan_type, rate_type, rate_min, rate_max,
    tenure_min_months, tenure_max_months, amount_min, amount_max, min_monthly_income, fees, rule_of_78,
    source, active, refreshed_at)
VALUES (:product_key, :bank, :product, :loan_type, :rate_type, :rate_min, :rate_max,
    :tenure_min_months, :tenure_max_months, :amount_min, :amount_max, :min_monthly_income, :fees, :rule_of_78,
    :source, true, COALESCE(CAST(:refreshed_at AS timestamptz), now()))
ON CONFLICT (product_key) DO UPDATE SET
    bank = EXCLUDED.bank, product = EXCLUDED.product, loan_type = EXCLUDED.loan_type,
    rate_type = EXCLUDED.rate_type, rate_min = EXCLUDED.rate_min, rate_max = EXCLUDED.rate_max,
    tenure_min_months = EXCLUDED.tenure_min_months, tenure_max_months = EXCLUDED.tenure_max_months,
    amount_min = EXCLUDED.amount_min, amount_max = EXCLUDED.amount_max,
    min_monthly_income = EXCLUDED.min_monthly_income, fees = EXCLUDED.fees, rule_of_78 = EXCLUDED.rule_of_78,
    source = EXCLUDED.source, active = true, refreshed_at = EXCLUDED.refreshed_at
RETURNING id
"""

# A feed that repeats a product as it is still confirms it: only the time it was last seen moves.
TOUCH_LOAN = """
UPDATE loan_products SET refreshed_at = COALESCE(CAST(:refreshed_at AS timestamptz), now())
WHERE product_key = :product_key
"""

INSERT_RATE_CHANGE = """
INSERT INTO product_rate_history (product_kind, product_key, old_rate, new_rate, detail, source)
VALUES (:product_kind, :product_key, :old_rate, :new_rate, CAST(:detail AS jsonb), :source)
"""

RATE_HISTORY = """
SELECT product_kind, product_key, old_rate, new_rate, detail, source, changed_at FROM product_rate_history
WHERE product_kind = :product_kind AND product_key = :product_key ORDER BY changed_at, id
"""


class StoredLoan(NamedTuple):
    product: LoanProduct
    active: bool


class RateChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_kind: ProductKind
    product_key: str
    old_rate: Decimal | None  # None: the product was first seen
    new_rate: Decimal
    detail: dict[str, Any]
    source: str
    changed_at: datetime


def _loan(row: dict[str, Any]) -> LoanProduct:
    return LoanProduct.model_validate({name: row[name] for name in LoanProduct.model_fields})


def list_active_loans(conn: Connection, loan_type: LoanType | None = None) -> list[LoanProduct]:
    rows = conn.run(ACTIVE_LOANS_OF_TYPE, loan_type=loan_type) if loan_type else conn.run(ACTIVE_LOANS)
    return [_loan(row) for row in rows]


def loans_by_keys(tx: Connection, keys: Iterable[str]) -> dict[str, StoredLoan]:
    """The stored products among `keys`, locked until the transaction ends."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = tx.run(LOANS_BY_KEYS, keys=wanted)
    return {row["product_key"]: StoredLoan(_loan(row), bool(row["active"])) for row in rows}


def upsert_loan(tx: Connection, product: LoanProduct) -> int:
    """Insert or overwrite by `product_key`; the product becomes active. Returns the row id."""
    values = product.model_dump(exclude={"id"})
    return int(tx.scalar(UPSERT_LOAN, product_key=product.product_key, **values))


def touch_loan(tx: Connection, product: LoanProduct) -> None:
    tx.run(TOUCH_LOAN, product_key=product.product_key, refreshed_at=product.refreshed_at)


def record_rate_change(
    tx: Connection,
    *,
    product_kind: ProductKind,
    product_key: str,
    old_rate: Decimal | None,
    new_rate: Decimal,
    source: str,
    detail: dict[str, Any] | None = None,
) -> None:
    tx.run(
        INSERT_RATE_CHANGE,
        product_kind=product_kind,
        product_key=product_key,
        old_rate=old_rate,
        new_rate=new_rate,
        source=source,
        detail=as_json(detail or {}),
    )


def rate_history(conn: Connection, product_kind: ProductKind, product_key: str) -> list[RateChange]:
    rows = conn.run(RATE_HISTORY, product_kind=product_kind, product_key=product_key)
    return [RateChange.model_validate({**row, "detail": _json(row["detail"])}) for row in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
