"""Invoice use cases. Collaborators are arguments (`InvoiceDeps`), so tests swap in failing ones.

The one decision that matters — what a failure does to numbering:
- Everything up to and including the commit (number allocation, invoice row, lines, transaction links)
  is one transaction. A failure there — a database error, a statement timeout, a killed process —
  rolls back, and the number goes back with it: no invoice, no consumed number.
- Rendering the PDF and storing it in S3 happen *after* the commit, so the sequence row is locked for
  milliseconds, not for a render. If either fails (or the process dies between commit and upload), the
  committed invoice stays `pdf_status = 'pending'` and its PDF is regenerated from the stored document
  snapshot on the next download (`ensure_pdf`). A number is never lost and never reused.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from creditpilot.invoices import repo
from creditpilot.invoices.models import InvoiceDocument, InvoiceDraft, Lang, Layout, sample_draft
from creditpilot.invoices.profile import CompanyProfile
from creditpilot.invoices.repo import InvoiceRecord
from creditpilot.platform.crypto import FieldCipher
from creditpilot.platform.db import Database
from creditpilot.platform.errors import ConflictError, NotFoundError, ValidationError
from creditpilot.platform.files import sanitize_filename
from creditpilot.platform.logging import get_logger
from creditpilot.platform.storage import ObjectMissing, ObjectStore

logger = get_logger()
Renderer = Callable[[InvoiceDocument], bytes]

# API Gateway/Lambda answer at most 6 MB, and binary bodies grow by a third in base64.
MAX_INLINE_ZIP_BYTES = 4 * 1024 * 1024


@dataclass
class InvoiceDeps:
    db: Database
    store: ObjectStore
    bucket: str
    exports_bucket: str
    profile: CompanyProfile
    render: Renderer
    cipher: FieldCipher | None = None


class IssuedInvoice(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    record: InvoiceRecord
    pdf: bytes | None
    filename: str
    replayed: bool = False


def draft_from(data: dict[str, Any], profile: CompanyProfile) -> InvoiceDraft:
    """Validate user input against the profile (allowed SST rates, payment terms)."""
    return InvoiceDraft.model_validate(data, context={"profile": profile})


ISSUE_DATE_WINDOW_DAYS = 31


def check_issue_date(draft: InvoiceDraft, today: date) -> None:
    """Numbers run in issue order within a year: an invoice is dated this year, within a month of today."""
    if draft.issue_date.year != today.year or abs((draft.issue_date - today).days) > ISSUE_DATE_WINDOW_DAYS:
        raise ValidationError(
            "issue_date must be in the current year and within 31 days of today",
            fields={
                "issue_date": f"must be in {today.year}, within {ISSUE_DATE_WINDOW_DAYS} days of {today}"
            },
        )


def single_line(layout: Layout, amount: str, description: str | None) -> dict[str, Any]:
    """The one line of a quick invoice (`/invoices/make`), in the shape each layout takes."""
    text = description or ("Debit note" if layout == "debit" else "Services rendered")
    if layout == "itemised":
        return {"items": [{"description": text, "unit_price": amount}]}
    return {"amount": amount, "description": text}


def invoice_filename(number: str, bill_to_name: str) -> str:
    return sanitize_filename(f"{number}_{bill_to_name}.pdf")


def pdf_key(record: InvoiceRecord) -> str:
    return f"invoices/{record.year}/{record.number}.pdf"


def _request_hash(draft: InvoiceDraft) -> str:
    # The server fills the dates, so a retry after midnight (Malaysia time) is still the same request.
    return hashlib.sha256(draft.model_dump_json(exclude={"issue_date", "due_date"}).encode()).hexdigest()


def _document_snapshot(draft: InvoiceDraft, profile: CompanyProfile) -> dict[str, Any]:
    """What the PDF printed, minus personal data: the bill-to email lives only encrypted, in its column."""
    return {
        "draft": json.loads(draft.model_dump_json(exclude={"bill_to_email"})),
        "company": json.loads(profile.model_dump_json()),
    }


def _document_from(record: InvoiceRecord, cipher: FieldCipher | None) -> InvoiceDocument:
    if not record.document:
        raise NotFoundError(f"invoice {record.number} has no stored document to render")
    snapshot = record.document
    company = CompanyProfile.model_validate(snapshot["company"])
    draft_data = dict(snapshot["draft"])
    if record.bill_to_email_enc and cipher is not None:
        draft_data["bill_to_email"] = cipher.decrypt(record.bill_to_email_enc)
    draft = InvoiceDraft.model_validate(draft_data, context={"profile": company})
    return InvoiceDocument.build(draft, company, number=record.number)


def preview_pdf(
    layout: Layout, lang: Lang, profile: CompanyProfile, render: Callable[..., bytes]
) -> tuple[bytes, str]:
    """A sample invoice marked PREVIEW. Takes no number and writes nothing."""
    doc = InvoiceDocument.build(sample_draft(layout, lang, profile=profile), profile)
    return render(doc), doc.filename


def issue_invoice(
    deps: InvoiceDeps,
    draft: InvoiceDraft,
    *,
    idempotency_key: str | None = None,
    transaction_ids: list[int] | None = None,
) -> IssuedInvoice:
    request_hash = _request_hash(draft)
    if idempotency_key:
        replay = _replay(deps, idempotency_key, request_hash)
        if replay:
            return replay
    try:
        record = commit_invoice(deps, draft, idempotency_key, request_hash, transaction_ids)
    except ConflictError:
        # A concurrent request with the same key won the race; its insert rolled ours back (and our number).
        replay = _replay(deps, idempotency_key, request_hash) if idempotency_key else None
        if replay:
            return replay
        raise
    pdf = _store_pdf_after_commit(deps, record)
    return IssuedInvoice(
        record=record, pdf=pdf, filename=invoice_filename(record.number, record.bill_to_name)
    )


def _replay(deps: InvoiceDeps, key: str, request_hash: str) -> IssuedInvoice | None:
    with deps.db.connection() as conn:
        found = repo.find_by_idempotency_key(conn, key)
    if found is None:
        return None
    record, stored_hash = found
    if stored_hash != request_hash:
        raise ConflictError(
            "this Idempotency-Key was already used for a different invoice",
            fields={"Idempotency-Key": "reused with a different request"},
        )
    with deps.db.connection() as conn:
        full = repo.get_by_number(conn, record.number)
    pdf = ensure_pdf(deps, full) if full else None
    return IssuedInvoice(
        record=record, pdf=pdf, filename=invoice_filename(record.number, record.bill_to_name), replayed=True
    )


def commit_invoice(
    deps: InvoiceDeps,
    draft: InvoiceDraft,
    idempotency_key: str | None,
    request_hash: str,
    transaction_ids: list[int] | None,
) -> InvoiceRecord:
    """One transaction: lines and transaction links first, then number + invoice row (see numbering)."""
    from pg8000.exceptions import DatabaseError

    totals = draft.totals()
    email_token = deps.cipher.encrypt(draft.bill_to_email) if (deps.cipher and draft.bill_to_email) else None
    document = _document_snapshot(draft, deps.profile)
    try:
        with deps.db.transaction() as tx:
            invoice_id = repo.insert_lines(tx, draft, transaction_ids)
            if transaction_ids:
                wanted = [t for t in transaction_ids if t is not None]
                if repo.link_transactions(tx, invoice_id, wanted) != len(set(wanted)):
                    # Another invoice took some of them meanwhile: roll back, number and all.
                    raise ConflictError(
                        "some of these card transactions were invoiced meanwhile; retry the batch"
                    )
            record = repo.insert_numbered_invoice(
                tx,
                invoice_id=invoice_id,
                draft=draft,
                totals=totals,
                document=document,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
                email_token=email_token,
            )
    except DatabaseError as exc:
        if _is_unique_violation(exc, "invoices_idempotency_key"):
            raise ConflictError("a request with this Idempotency-Key is in progress") from exc
        if _sqlstate(exc) == "23503" and "supplier" in str(exc):
            raise ValidationError("no such supplier", fields={"supplier_id": "no such supplier"}) from exc
        raise
    logger.info("invoice issued", number=record.number, total=str(record.total))
    # What was just written, so rendering after the commit needs no second read of the row.
    return record.model_copy(update={"document": document, "bill_to_email_enc": email_token})


def _error_fields(exc: Exception) -> dict[str, Any]:
    """pg8000 carries the server's error fields (C = SQLSTATE, n = constraint, M = message) in args[0]."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}


def _sqlstate(exc: Exception) -> str | None:
    return _error_fields(exc).get("C")


def _is_unique_violation(exc: Exception, constraint: str) -> bool:
    detail = _error_fields(exc)
    return detail.get("C") == "23505" and constraint in str(detail.get("n", "")) + str(detail.get("M", ""))


def _store_pdf_after_commit(deps: InvoiceDeps, record: InvoiceRecord) -> bytes | None:
    """Render and upload; on failure the invoice stays pending and is rendered again on demand."""
    try:
        return _render_and_store(deps, record)
    except Exception:  # noqa: BLE001 - committed already; the PDF is regenerated on the next download
        logger.exception("invoice PDF deferred", number=record.number)
        return None


def _render_and_store(deps: InvoiceDeps, record: InvoiceRecord) -> bytes:
    pdf = deps.render(_document_from(record, deps.cipher))
    key = pdf_key(record)
    deps.store.put_bytes(deps.bucket, key, pdf, "application/pdf", metadata={"invoice-number": record.number})
    with deps.db.connection() as conn:
        repo.mark_stored(conn, record.id, key, len(pdf), hashlib.sha256(pdf).hexdigest())
    return pdf


def ensure_pdf(deps: InvoiceDeps, record: InvoiceRecord) -> bytes:
    """The stored PDF, or a regenerated one (stored again) when it is pending or missing from S3."""
    if record.pdf_status == "stored" and record.s3_key:
        try:
            return deps.store.get_bytes(deps.bucket, record.s3_key)
        except ObjectMissing:
            logger.warning("invoice PDF missing from storage; regenerating", number=record.number)
    if record.document is None:
        with deps.db.connection() as conn:
            record = repo.get_by_number(conn, record.number) or record
    return _render_and_store(deps, record)


def get_invoice(deps: InvoiceDeps, number: str) -> tuple[InvoiceRecord, str]:
    """Metadata plus a presigned download URL. The PDF is made first when it is not stored yet, or when
    storage lost it (a presigned URL to a missing object would only give the user an error)."""
    with deps.db.connection() as conn:
        record = repo.get_by_number(conn, number)
    if record is None:
        raise NotFoundError(f"no invoice {number}", fields={"number": "not found"})
    stored = record.pdf_status == "stored" and record.s3_key is not None
    if not stored or deps.store.size_of(deps.bucket, record.s3_key or "") is None:
        if stored:
            logger.warning("invoice PDF missing from storage; regenerating", number=record.number)
        _render_and_store(deps, record)
        with deps.db.connection() as conn:
            record = repo.get_by_number(conn, number) or record
    url = deps.store.presigned_get(
        deps.bucket,
        record.s3_key or pdf_key(record),
        filename=invoice_filename(record.number, record.bill_to_name),
    )
    return record, url


def list_invoices(deps: InvoiceDeps, month: str) -> list[InvoiceRecord]:
    with deps.db.connection() as conn:
        return repo.list_for_month(conn, month)


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = (int(x) for x in month.split("-"))
    start = date(year, mon, 1)
    end = date(year + (mon == 12), 1 if mon == 12 else mon + 1, 1)
    return start, end


def issue_month_batch(deps: InvoiceDeps, month: str, *, lang: Lang, issue_date: date) -> list[IssuedInvoice]:
    """One itemised invoice per supplier for that month's transactions not invoiced yet.

    Each supplier's invoice is its own transaction: the lines, the number and the transactions'
    link to the invoice commit together, so a retry after a failure only picks up what is left."""
    start, end = _month_bounds(month)
    with deps.db.connection() as conn:
        pending = repo.suppliers_with_uninvoiced(conn, start, end)
    issued: list[IssuedInvoice] = []
    for supplier in pending:
        result = _issue_for_supplier(deps, supplier, month, start, end, lang, issue_date)
        if result:
            issued.append(result)
    return issued


def _issue_for_supplier(
    deps: InvoiceDeps, supplier_id: int, month: str, start: date, end: date, lang: Lang, issue_date: date
) -> IssuedInvoice | None:
    with deps.db.connection() as conn:
        rows = repo.uninvoiced_for_supplier(conn, supplier_id, start, end)
    if not rows:
        return None
    items = [
        {
            "description": f"{r['txn_date'].isoformat()} {r['description']}".strip()[:500],
            "quantity": "1",
            "unit_price": str(r["amount"]),
        }
        for r in rows[:500]
    ]
    draft = InvoiceDraft.model_validate(
        {
            "layout": "itemised",
            "lang": lang,
            "bill_to_name": _printable(rows[0]["supplier_name"]),
            "issue_date": issue_date,
            "supplier_id": supplier_id,
            "month": month,
            "items": items,
        },
        context={"profile": deps.profile},
    )
    ids = [int(r["id"]) for r in rows[:500]]
    # The key makes the batch safe to retry: the same transactions can never be invoiced twice, and the
    # transactions' invoice_id link is written in the same transaction as the invoice.
    key = "batch:" + hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:40]
    return issue_invoice(deps, draft, idempotency_key=key, transaction_ids=ids)


def _printable(name: str) -> str:
    """Supplier names come from imported statements; control characters must not reach a PDF."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    return " ".join(cleaned.split()) or "UNNAMED SUPPLIER"


def month_archive(deps: InvoiceDeps, month: str) -> tuple[bytes | None, str | None, int]:
    """All of a month's PDFs in one ZIP: inline bytes when small, else built in S3 (streamed, one part in
    memory at a time) and answered as a presigned URL. Returns (zip bytes, url, count)."""
    from creditpilot.invoices.zipper import write_zip

    with deps.db.connection() as conn:
        records = repo.list_for_month(conn, month, with_documents=True)
    if not records:
        raise NotFoundError(f"no invoices for {month}", fields={"month": "no invoices in this month"})
    entries = [(invoice_filename(r.number, r.bill_to_name), _pdf_loader(deps, r)) for r in records]
    known = sum(r.pdf_bytes or 40_000 for r in records)
    if known <= MAX_INLINE_ZIP_BYTES:
        buffer = io.BytesIO()
        write_zip(entries, buffer)
        if buffer.tell() <= MAX_INLINE_ZIP_BYTES:
            return buffer.getvalue(), None, len(records)
    fingerprint = hashlib.sha256(",".join(r.number for r in records).encode()).hexdigest()[:12]
    key = f"exports/invoices/{month}/invoices-{month}-{fingerprint}.zip"
    with deps.store.multipart_writer(deps.exports_bucket, key, "application/zip") as writer:
        write_zip(entries, writer)
    url = deps.store.presigned_get(
        deps.exports_bucket, key, filename=sanitize_filename(f"invoices-{month}.zip")
    )
    return None, url, len(records)


def _pdf_loader(deps: InvoiceDeps, record: InvoiceRecord) -> Callable[[], bytes]:
    return lambda: ensure_pdf(deps, record)
