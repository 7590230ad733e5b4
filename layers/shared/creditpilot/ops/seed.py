"""Demo data for `make run` and `python -m creditpilot seed`: idempotent, safe to run on every start.

Suppliers are real-looking Malaysian businesses (from the kind of receipts the SROIE set holds); cards,
transactions of this and last month; loan and savings products come from each feature's demo feed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from creditpilot.platform.db import Database

DEMO_SUPPLIERS = (
    "DINAS RESTAURANT",
    "MR. D.I.Y. (M) SDN BHD",
    "99 SPEED MART S/B",
    "KEDAI PAPAN YEW CHUAN",
    "SYARIKAT PERNIAGAAN GIN KEE",
    "TEO HENG STATIONERY & BOOKS",
)

DEMO_CARDS = (
    ("Maybank", "INFINITE GZ SDN BHD", "4821", Decimal("50000.00"), 25, 15),
    ("CIMB", "INFINITE GZ SDN BHD", "5522", Decimal("30000.00"), 5, 25),
)

INSERT_SUPPLIER = """
INSERT INTO suppliers (name) VALUES (:name)
ON CONFLICT (lower(name)) DO UPDATE SET updated_at = suppliers.updated_at RETURNING id
"""
CARD_BY_LAST4 = "SELECT id FROM cards WHERE bank = :bank AND last4 = :last4"
INSERT_CARD = """
INSERT INTO cards (bank, holder_name, last4, credit_limit, statement_day, due_day)
VALUES (:bank, :holder, :last4, :limit, :statement_day, :due_day) RETURNING id
"""
COUNT_TXNS = "SELECT count(*) FROM supplier_transactions"
INSERT_TXN = """
INSERT INTO supplier_transactions (card_id, supplier_id, txn_date, posting_date, amount, description)
VALUES (:card_id, :supplier_id, :txn_date, :posting_date, :amount, :description)
"""


def _demo_amount(i: int) -> Decimal:
    # Deterministic, varied amounts with real sen values (never floats).
    return (Decimal(17 + (i * 37) % 480) + Decimal((i * 13) % 100) / 100).quantize(Decimal("0.01"))


def seed_demo_data(db: Database, today: date | None = None) -> dict[str, int]:
    today = today or date.today()
    with db.transaction() as tx:
        supplier_ids = [int(tx.scalar(INSERT_SUPPLIER, name=name)) for name in DEMO_SUPPLIERS]
        card_ids = []
        for bank, holder, last4, limit, statement_day, due_day in DEMO_CARDS:
            existing = tx.scalar(CARD_BY_LAST4, bank=bank, last4=last4)
            card_ids.append(
                int(existing)
                if existing
                else int(
                    tx.scalar(
                        INSERT_CARD,
                        bank=bank,
                        holder=holder,
                        last4=last4,
                        limit=limit,
                        statement_day=statement_day,
                        due_day=due_day,
                    )
                )
            )
        created = 0
        if int(tx.scalar(COUNT_TXNS)) == 0:
            first_of_month = today.replace(day=1)
            last_month = (first_of_month - timedelta(days=1)).replace(day=1)
            for month_start in (last_month, first_of_month):
                for i in range(24):
                    txn_date = month_start + timedelta(days=i % 27)
                    if txn_date > today:
                        continue
                    tx.run(
                        INSERT_TXN,
                        card_id=card_ids[i % len(card_ids)],
                        supplier_id=supplier_ids[i % len(supplier_ids)],
                        txn_date=txn_date,
                        posting_date=txn_date + timedelta(days=2),
                        amount=_demo_amount(i + month_start.month),
                        description=f"Purchase {i + 1:02d}",
                    )
                    created += 1
    extra = _seed_features(db)
    return {"suppliers": len(supplier_ids), "cards": len(card_ids), "transactions": created, **extra}


def _seed_features(db: Database) -> dict[str, int]:
    """Each feature seeds its own demo products through its own service."""
    from creditpilot.loans.catalogue import seed_demo_products

    return dict(seed_demo_products(db))
