"""Invoice PDFs (fpdf2). Importing this package is cheap: fpdf2 and fontTools load on the first render."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditpilot.invoices.models import InvoiceDocument
    from creditpilot.invoices.pdf.fonts import FontLoading


def render_invoice_pdf(
    doc: InvoiceDocument, *, preview: bool = False, font_loading: FontLoading = "cached"
) -> bytes:
    """The invoice as PDF bytes. A preview (or a document without a number) carries a PREVIEW mark
    and no number. `font_loading="naive"` re-reads the fonts for this document (benchmark only)."""
    from creditpilot.invoices.pdf.render import render

    return render(doc, preview=preview or doc.number is None, font_loading=font_loading)
