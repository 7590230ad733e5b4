"""Invoices: previews, issuing (gapless INV-YYYY-NNNN), metadata, month batch and month ZIP."""

import os
from functools import lru_cache
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from creditpilot.invoices import service
from creditpilot.invoices.models import Lang, Layout
from creditpilot.invoices.profile import load_profile
from creditpilot.platform.clock import SystemClock
from creditpilot.platform.config import get_settings
from creditpilot.platform.crypto import FieldCipher
from creditpilot.platform.http import (
    create_app,
    file_response,
    idempotency_key,
    json_body,
    ok,
    redirect,
    refuse_cross_site,
    require_group,
    validated,
)
from creditpilot.platform.logging import get_logger
from creditpilot.platform.runtime import database, record_failure
from creditpilot.platform.storage import ObjectStore

logger = get_logger()
app = create_app("invoices", record_failure=record_failure)
ISSUERS = ("admin", "finance")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@lru_cache(maxsize=1)
def _deps() -> service.InvoiceDeps:
    from creditpilot.invoices.pdf import render_invoice_pdf

    settings = get_settings()
    settings.require("INVOICES_BUCKET", "SNAPSHOTS_BUCKET", "FERNET_KEY")
    return service.InvoiceDeps(
        db=database(),
        store=ObjectStore(settings.storage),
        bucket=settings.storage.invoices_bucket or "",
        exports_bucket=settings.storage.snapshots_bucket or settings.storage.invoices_bucket or "",
        profile=load_profile(os.environ),
        render=render_invoice_pdf,
        cipher=FieldCipher(settings.fernet_key) if settings.fernet_key else None,
    )


class BatchRequest(BaseModel):
    month: str = Field(pattern=MONTH)
    lang: Lang = "en"


@app.get("/invoices/preview.pdf")
def preview(layout: Annotated[Layout, Query()] = "service", lang: Annotated[Lang, Query()] = "en"):
    from creditpilot.invoices.pdf import render_invoice_pdf

    pdf, filename = service.preview_pdf(layout, lang, load_profile(os.environ), render_invoice_pdf)
    return file_response(pdf, "application/pdf", filename, inline=True)


@app.get("/invoices/make")
def make(
    bill_to_name: Annotated[str, Query()],
    amount: Annotated[str, Query()],
    layout: Annotated[Layout, Query()] = "service",
    lang: Annotated[Lang, Query()] = "en",
    description: Annotated[str | None, Query()] = None,
    tax_rate: Annotated[str | None, Query()] = None,
):
    require_group(app, *ISSUERS)
    refuse_cross_site(app)  # a GET that issues: a link on another site must not spend a number
    deps = _deps()
    fields = {
        "layout": layout,
        "lang": lang,
        "bill_to_name": bill_to_name,
        "issue_date": SystemClock().today(),
        "tax_rate": tax_rate,
        **service.single_line(layout, amount, description),
    }
    draft = validated(service.draft_from, fields, deps.profile)
    issued = service.issue_invoice(deps, draft, idempotency_key=idempotency_key(app))
    if issued.pdf is None:  # committed, PDF deferred: made now on demand, or the caller is sent to it
        try:
            _, url = service.get_invoice(deps, issued.record.number)
        except Exception:  # noqa: BLE001 - the invoice exists; its metadata page retries the PDF
            logger.exception("invoice PDF still unavailable", number=issued.record.number)
            return redirect(f"/invoices/{issued.record.number}")
        return redirect(url)
    return file_response(issued.pdf, "application/pdf", issued.filename)


@app.post("/invoices")
def create():
    require_group(app, *ISSUERS)
    deps = _deps()
    body = json_body(app)
    today = SystemClock().today()
    draft = validated(service.draft_from, {"issue_date": today, **body}, deps.profile)
    service.check_issue_date(draft, today)
    issued = service.issue_invoice(deps, draft, idempotency_key=idempotency_key(app))
    return ok(
        {
            "invoice": issued.record.public(),
            "replayed": issued.replayed,
            "pdf_stored": issued.pdf is not None,
        },
        status=200 if issued.replayed else 201,
    )


@app.get("/invoices")
def list_month(month: Annotated[str, Query(pattern=MONTH)]):
    records = service.list_invoices(_deps(), month)
    return ok({"month": month, "count": len(records), "invoices": [r.public() for r in records]})


@app.get("/invoices/archive.zip")
def archive(month: Annotated[str, Query(pattern=MONTH)]):
    data, url, _count = service.month_archive(_deps(), month)
    if url:
        return redirect(url)
    return file_response(data or b"", "application/zip", f"invoices-{month}.zip")


@app.post("/invoices/batch")
def batch():
    require_group(app, *ISSUERS)
    request = validated(BatchRequest.model_validate, json_body(app))
    issued = service.issue_month_batch(
        _deps(), request.month, lang=request.lang, issue_date=SystemClock().today()
    )
    return ok(
        {"month": request.month, "count": len(issued), "invoices": [i.record.public() for i in issued]},
        status=201 if issued else 200,
    )


@app.get("/invoices/<number>")
def get_one(number: Annotated[str, Path(pattern=r"^INV-\d{4}-\d{4,}$", max_length=20)]):
    record, url = service.get_invoice(_deps(), number)
    return ok({"invoice": record.public(), "download_url": url})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
