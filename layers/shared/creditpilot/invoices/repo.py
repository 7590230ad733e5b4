"""SQL for invoices. Parameterised constants only; rows come back as `InvoiceRecord` models."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from creditpilot.invoices.models import InvoiceDraft, Totals
from creditpilot.invoices.numbering import ALLOCATE_NUMBER, NUMBER_TEXT_SQL
from creditpilot.platform.db import Connection, as_json


class InvoiceRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    number: str
    year: int
    seq: int
    layout: str
    lang: str
    supplier_id: int | None
    bill_to_name: str
    issue_date: date
    due_date: date
    month: str | None
    currency: str
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    status: str
    s3_key: str | None
    pdf_status: str
    pdf_bytes: int | None
    created_at: datetime
    document: dict[str, Any] | None = None
    bill_to_email_enc: str | None = Field(default=None, repr=False)

    def public(self) -> dict[str, Any]:
        """What the API shows: no internal ids beyond the supplier, no snapshot, no personal data."""
        return self.model_dump(
            mode="json", exclude={"document", "year", "seq", "s3_key", "id", "bill_to_email_enc"}
        )


_COLUMNS = """id, number, year, seq, layout, lang, supplier_id, bill_to_name, issue_date, due_date, month,
currency,
subtotal, tax_rate, tax, total, status, s3_key, pdf_status, pdf_bytes, created_at"""

# Lines first, under an invoice id drawn in advance (the foreign key is checked at COMMIT).
INSERT_LINES = """
WITH new_invoice AS (SELECT nextval(pg_get_serial_sequence('invoices', 'id')) AS id)
INSERT INTO invoice_items (invoice_id, position, description, quantity, unit_price, amount, transaction_id)
SELECT new_invoice.id, line.* FROM new_invoice, unnest(CAST(:positions AS integer[]),
    CAST(:descriptions AS text[]), CAST(:quantities AS numeric[]), CAST(:unit_prices AS numeric[]),
    CAST(:amounts AS numeric[]), CAST(:transaction_ids AS bigint[])) AS line
RETURNING invoice_id
"""

# Then the number and the invoice row in one statement: the sequence row stays locked from here to COMMIT.
INSERT_NUMBERED_INVOICE = (
    """
WITH allocated AS ("""
    + ALLOCATE_NUMBER
    + """)
INSERT INTO invoices (id, number, year, seq, layout, lang, supplier_id, bill_to_name, bill_to_address,
    bill_to_email_enc, issue_date, due_date, month, currency, subtotal, tax_rate, tax, total, notes,
    idempotency_key, request_hash, document)
SELECT :invoice_id, """
    + NUMBER_TEXT_SQL
    + """, :year, allocated.last_number, :layout, :lang, :supplier_id,
    :bill_to_name, :bill_to_address, :bill_to_email_enc, :issue_date, :due_date, :month, :currency, :subtotal,
    :tax_rate, :tax, :total, :notes, :idempotency_key, :request_hash, CAST(:document AS jsonb)
FROM allocated
RETURNING """
    + _COLUMNS
    + """
"""
)

BY_IDEMPOTENCY_KEY = f"SELECT {_COLUMNS}, request_hash FROM invoices WHERE idempotency_key = :key"  # noqa: S608
BY_NUMBER = f"SELECT {_COLUMNS}, document, bill_to_email_enc FROM invoices WHERE number = :number"  # noqa: S608
BY_MONTH = f"SELECT {_COLUMNS} FROM invoices WHERE month = :month ORDER BY year, seq"  # noqa: S608
BY_MONTH_WITH_DOCUMENTS = (
    f"SELECT {_COLUMNS}, document, bill_to_email_enc FROM invoices WHERE month = :month ORDER BY year, seq"  # noqa: S608
)

MARK_STORED = """
UPDATE invoices SET s3_key = :key, pdf_status = 'stored', pdf_bytes = :size, pdf_sha256 = :sha256
WHERE id = :id
"""

SUPPLIERS_WITH_UNINVOICED = """
SELECT DISTINCT supplier_id FROM supplier_transactions
WHERE invoice_id IS NULL AND txn_date >= :start AND txn_date < :end AND amount > 0
ORDER BY supplier_id
"""

SUPPLIER_UNINVOICED = """
SELECT t.id, s.name AS supplier_name, t.txn_date, t.amount, t.description
FROM supplier_transactions t JOIN suppliers s ON s.id = t.supplier_id
WHERE t.supplier_id = :supplier AND t.invoice_id IS NULL AND t.txn_date >= :start AND t.txn_date < :end
  AND t.amount > 0
ORDER BY t.txn_date, t.id
"""

# Only transactions no invoice has taken yet: a concurrent batch that got there first wins, never both.
LINK_TRANSACTIONS = """
UPDATE supplier_transactions SET invoice_id = :invoice_id
WHERE id = ANY(CAST(:ids AS bigint[])) AND invoice_id IS NULL
RETURNING id
"""


def _record(row: dict[str, Any]) -> InvoiceRecord:
    data = dict(row)
    data.pop("request_hash", None)
    if isinstance(data.get("document"), str):
        data["document"] = json.loads(data["document"])
    return InvoiceRecord(**data)


def insert_lines(tx: Connection, draft: InvoiceDraft, transaction_ids: list[int | None] | None = None) -> int:
    """Write the draft's lines under a new invoice id and return that id (not yet an invoice)."""
    items = draft.items
    links = transaction_ids or [None] * len(items)
    if len(links) != len(items):
        raise ValueError("one transaction id (or None) per item")
    rows = tx.run(
        INSERT_LINES,
        positions=list(range(1, len(items) + 1)),
        descriptions=[i.description for i in items],
        quantities=[i.quantity for i in items],
        unit_prices=[i.unit_price for i in items],
        amounts=[i.amount for i in items],
        transaction_ids=links,
    )
    return int(rows[0]["invoice_id"])


def insert_numbered_invoice(
    tx: Connection,
    *,
    invoice_id: int,
    draft: InvoiceDraft,
    totals: Totals,
    document: dict[str, Any],
    idempotency_key: str | None,
    request_hash: str | None,
    email_token: str | None,
) -> InvoiceRecord:
    """Take the year's next number and insert the invoice under it. Call it last before COMMIT."""
    row = tx.one(
        INSERT_NUMBERED_INVOICE,
        invoice_id=invoice_id,
        year=draft.issue_date.year,
        layout=draft.layout,
        lang=draft.lang,
        supplier_id=draft.supplier_id,
        bill_to_name=draft.bill_to_name,
        bill_to_address=draft.bill_to_address,
        bill_to_email_enc=email_token,
        issue_date=draft.issue_date,
        due_date=draft.due_date,
        month=draft.month or draft.issue_date.strftime("%Y-%m"),
        currency=draft.currency,
        subtotal=totals.subtotal,
        tax_rate=draft.tax_rate,
        tax=totals.tax,
        total=totals.total,
        notes=draft.notes,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        document=as_json(document),
    )
    return _record(row)


def find_by_idempotency_key(conn: Connection, key: str) -> tuple[InvoiceRecord, str | None] | None:
    row = conn.one(BY_IDEMPOTENCY_KEY, key=key)
    if row is None:
        return None
    return _record(row), row.get("request_hash")


def get_by_number(conn: Connection, number: str) -> InvoiceRecord | None:
    row = conn.one(BY_NUMBER, number=number)
    return _record(row) if row else None


def list_for_month(conn: Connection, month: str, *, with_documents: bool = False) -> list[InvoiceRecord]:
    return [
        _record(r) for r in conn.run(BY_MONTH_WITH_DOCUMENTS if with_documents else BY_MONTH, month=month)
    ]


def mark_stored(conn: Connection, invoice_id: int, key: str, size: int, sha256: str) -> None:
    conn.run(MARK_STORED, id=invoice_id, key=key, size=size, sha256=sha256)


def suppliers_with_uninvoiced(conn: Connection, start: date, end: date) -> list[int]:
    return [int(r["supplier_id"]) for r in conn.run(SUPPLIERS_WITH_UNINVOICED, start=start, end=end)]


def uninvoiced_for_supplier(
    conn: Connection, supplier_id: int, start: date, end: date
) -> list[dict[str, Any]]:
    return conn.run(SUPPLIER_UNINVOICED, supplier=supplier_id, start=start, end=end)


def link_transactions(tx: Connection, invoice_id: int, ids: list[int]) -> int:
    """Link the card transactions to the invoice; returns how many were still open (and now linked)."""
    rows = tx.run(
        LINK_TRANSACTIONS, invoice_id=invoice_id, ids="{" + ",".join(str(int(i)) for i in ids) + "}"
    )
    return len(rows)
