"""Lays an `InvoiceDocument` out on A4 pages with fpdf2: one code path for the three layouts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from creditpilot.invoices.models import InvoiceDocument, InvoiceItem
from creditpilot.invoices.pdf.fonts import CJK, LATIN_BOLD, LATIN_REGULAR, FontLoading, add_invoice_font
from creditpilot.invoices.pdf.labels import LABELS, Labels
from creditpilot.platform.money import format_rm

LATIN = "dejavu"
CHINESE = "droid"
MARGIN = 15.0
LINE = 5.0
BODY_SIZE = 9.0
ROW_PADDING = 1.2
HEADER_FILL = (235, 238, 242)
PREVIEW_GREY = (215, 215, 215)
MUTED_GREY = (90, 90, 90)
PREVIEW_MARK = "PREVIEW"


class _InvoicePDF(FPDF):
    def __init__(self, labels: Labels, preview: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.labels = labels
        self.preview = preview

    def _render_styled_text_line(self, *args: Any, **kwargs: Any) -> Any:
        # fpdf2 2.8.9: when a line starts with a fallback-font (Chinese) character, fpdf2 selects the
        # main font inside that line's q/Q block, which the Q undoes, yet records the font as set on
        # the page; the next line then prints Latin glyph ids through the Chinese font (garbage).
        # Forgetting the record after every line makes fpdf2 select the font again: ~20 bytes a line.
        rendered = super()._render_styled_text_line(*args, **kwargs)
        self.current_font_is_set_on_page = False
        return rendered

    def muted(self) -> Any:
        return self.local_context(text_color=MUTED_GREY)

    def header(self) -> None:
        if not self.preview:
            return
        # Drawn first on every page so the content prints over it; nobody can mistake a page for an
        # invoice.
        with self.local_context(text_color=PREVIEW_GREY):
            self.set_font(LATIN, "B", 72)
            with self.rotation(35, x=self.w / 2, y=self.h / 2):
                self.text(self.w / 2 - self.get_string_width(PREVIEW_MARK) / 2, self.h / 2 + 10, PREVIEW_MARK)

    def footer(self) -> None:
        self.set_y(-12)
        with self.muted():
            self.set_font(LATIN, "", 8)
            self.cell(0, 5, self.labels.page.format(page=self.page_no(), pages="{nb}"), align="C")


def _needs_chinese_font(doc: InvoiceDocument, labels: Labels, latin_cmap: dict[int, str]) -> bool:
    texts = [
        doc.draft.bill_to_name, doc.draft.bill_to_address or "", doc.draft.notes or "",
        doc.company.name, doc.company.address or "", doc.company.bank_name or "",
        labels.titles[doc.draft.layout], labels.bill_to, labels.unset,
        *(item.description for item in doc.draft.items),
    ]  # fmt: skip
    return any(ord(char) not in latin_cmap for text in texts for char in text if not char.isspace())


def _new_document(
    doc: InvoiceDocument, labels: Labels, preview: bool, font_loading: FontLoading
) -> _InvoicePDF:
    pdf = _InvoicePDF(labels, preview)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(labels.titles[doc.draft.layout] + (f" {doc.number}" if doc.number and not preview else ""))
    pdf.set_author(doc.company.name)
    pdf.set_creator("CreditPilot")
    add_invoice_font(pdf, LATIN, "", LATIN_REGULAR, font_loading)
    add_invoice_font(pdf, LATIN, "B", LATIN_BOLD, font_loading)
    latin_cmap = pdf.fonts[LATIN].cmap  # type: ignore[union-attr]
    # Only documents that print Chinese pay for embedding the CJK font.
    if _needs_chinese_font(doc, labels, latin_cmap):
        add_invoice_font(pdf, CHINESE, "", CJK, font_loading)
        # Bold Chinese falls back to the regular face: Droid Sans Fallback has no bold.
        pdf.set_fallback_fonts([CHINESE], exact_match=False)
    return pdf


class _Writer:
    def __init__(self, pdf: _InvoicePDF, doc: InvoiceDocument, labels: Labels, preview: bool) -> None:
        self.pdf = pdf
        self.doc = doc
        self.labels = labels
        self.preview = preview
        self.width = pdf.w - 2 * MARGIN

    def value_or_unset(self, value: str | None, field: str) -> str:
        return value if value else self.labels.unset.format(field=field)

    def labelled(self, label: str, value: str | None) -> str:
        return f"{label}: {self.value_or_unset(value, label)}"

    def line(self, text: str, *, size: float = BODY_SIZE, bold: bool = False, width: float = 0) -> None:
        self.pdf.set_font(LATIN, "B" if bold else "", size)
        self.pdf.multi_cell(width or self.width, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def company_and_title(self) -> None:
        pdf, labels, company, draft = self.pdf, self.labels, self.doc.company, self.doc.draft
        top = pdf.get_y()
        left_width = self.width * 0.58
        self.line(company.name, size=13, bold=True, width=left_width)
        details = [
            self.labelled(labels.registration_no, company.registration_no),
            self.labelled(labels.sst_no, company.sst_no),
            self.labelled(labels.tin, company.tin),
            *(company.address_lines or [self.value_or_unset(None, labels.address)]),
            f"{self.labelled(labels.phone, company.phone)}   {self.labelled(labels.email, company.email)}",
        ]
        with pdf.muted():
            for detail in details:
                self.line(detail, size=8.5, width=left_width)
        company_bottom = pdf.get_y()

        right_x = MARGIN + left_width + 4
        right_width = self.width - left_width - 4
        pdf.set_xy(right_x, top)
        pdf.set_font(LATIN, "B", 18)
        pdf.cell(right_width, 9, labels.titles[draft.layout], align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        rows = []
        if self.preview:
            rows.append(("", labels.preview))
        elif self.doc.number:
            rows.append((labels.number[draft.layout], self.doc.number))
        rows += [(labels.issue_date, draft.issue_date.isoformat())]
        assert draft.due_date is not None  # filled in by validation
        rows += [(labels.due_date, draft.due_date.isoformat())]
        if draft.month:
            rows.append((labels.period, draft.month))
        for label, value in rows:
            pdf.set_x(right_x)
            pdf.set_font(LATIN, "", BODY_SIZE)
            pdf.cell(right_width * 0.55, LINE, label, align="R")
            pdf.set_font(LATIN, "B", BODY_SIZE)
            pdf.cell(right_width * 0.45, LINE, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_xy(MARGIN, max(company_bottom, pdf.get_y()) + 4)
        pdf.set_draw_color(*MUTED_GREY)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + self.width, pdf.get_y())
        pdf.ln(4)

    def bill_to(self) -> None:
        draft = self.doc.draft
        with self.pdf.muted():
            self.line(self.labels.bill_to, size=8.5, bold=True)
        self.line(draft.bill_to_name, size=10.5, bold=True)
        for address_line in (draft.bill_to_address or "").splitlines():
            self.line(address_line)
        if draft.bill_to_email:
            self.line(draft.bill_to_email)
        self.pdf.ln(4)

    def _columns(self) -> list[tuple[str, float, str]]:
        labels = self.labels
        if self.doc.draft.layout == "itemised":
            return [
                (labels.line_no, 10, "C"),
                (labels.description, self.width - 10 - 18 - 32 - 32, "L"),
                (labels.quantity, 18, "R"),
                (labels.unit_price, 32, "R"),
                (labels.amount, 32, "R"),
            ]
        return [(labels.description, self.width - 40, "L"), (labels.amount, 40, "R")]

    def _table_header(self, columns: list[tuple[str, float, str]]) -> None:
        pdf = self.pdf
        pdf.set_font(LATIN, "B", BODY_SIZE)
        pdf.set_fill_color(*HEADER_FILL)
        for title, width, align in columns:
            pdf.cell(width, LINE + 2 * ROW_PADDING, title, align=align, fill=True)
        pdf.ln()

    def _row_cells(self, number: int, item: InvoiceItem) -> list[str]:
        if self.doc.draft.layout != "itemised":
            return [item.description, format_rm(item.amount)]
        quantity = item.quantity.normalize()
        quantity_text = f"{quantity:f}" if quantity == quantity.to_integral() else str(quantity)
        unit_price, amount = format_rm(item.unit_price), format_rm(item.amount)
        return [str(number), item.description, quantity_text, unit_price, amount]

    def items_table(self) -> None:
        pdf = self.pdf
        columns = self._columns()
        description_width = columns[1 if len(columns) == 5 else 0][1]
        self._table_header(columns)
        pdf.set_draw_color(*HEADER_FILL)
        for number, item in enumerate(self.doc.draft.items, start=1):
            pdf.set_font(LATIN, "", BODY_SIZE)
            lines = pdf.multi_cell(
                description_width - 2, LINE, item.description, dry_run=True, output="LINES"
            )
            height = len(lines) * LINE + 2 * ROW_PADDING
            # Breaking ourselves keeps rows whole and lets the column titles open every page.
            if pdf.will_page_break(height):
                pdf.add_page()
                self._table_header(columns)
                pdf.set_font(LATIN, "", BODY_SIZE)
            top = pdf.get_y()
            x = MARGIN
            for (_, width, align), text in zip(columns, self._row_cells(number, item), strict=True):
                pdf.set_xy(x + 1, top + ROW_PADDING)
                pdf.multi_cell(width - 2, LINE, text, align=align)
                x += width
            pdf.set_xy(MARGIN, top + height)
            pdf.line(MARGIN, top + height, MARGIN + self.width, top + height)

    def totals(self) -> None:
        pdf, labels, totals = self.pdf, self.labels, self.doc.totals
        tax_rate = self.doc.draft.tax_rate
        assert tax_rate is not None  # filled in by validation
        rate = (tax_rate * 100).quantize(Decimal("1"))
        rows = [
            (labels.subtotal, format_rm(totals.subtotal), False),
            (labels.sst.format(rate=rate), format_rm(totals.tax), False),
            (labels.total, format_rm(totals.total), True),
        ]
        if pdf.will_page_break(len(rows) * (LINE + 1) + 4):
            pdf.add_page()
        pdf.ln(3)
        label_width, value_width = 60.0, 40.0
        for label, value, bold in rows:
            pdf.set_x(MARGIN + self.width - label_width - value_width)
            pdf.set_font(LATIN, "B" if bold else "", 10.5 if bold else BODY_SIZE)
            pdf.cell(label_width, LINE + 1, label, align="R")
            pdf.cell(value_width, LINE + 1, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(5)

    def notes(self) -> None:
        if not self.doc.draft.notes:
            return
        self.line(self.labels.notes, bold=True)
        self.line(self.doc.draft.notes)
        self.pdf.ln(3)

    def bank_details(self) -> None:
        labels, company = self.labels, self.doc.company
        if self.pdf.will_page_break(4 * LINE):
            self.pdf.add_page()
        self.line(labels.bank_details, bold=True)
        self.line(self.labelled(labels.bank_name, company.bank_name))
        self.line(self.labelled(labels.account_name, company.name))
        self.line(self.labelled(labels.account_no, company.bank_account))
        self.pdf.ln(3)

    def terms(self) -> None:
        company = self.doc.company
        text = company.terms_zh if self.doc.draft.lang == "zh" else company.terms_en
        self.line(self.labels.terms, bold=True)
        with self.pdf.muted():
            self.line(self.value_or_unset(text, self.labels.terms), size=8)


def render(doc: InvoiceDocument, *, preview: bool, font_loading: FontLoading) -> bytes:
    labels = LABELS[doc.draft.lang]
    pdf = _new_document(doc, labels, preview, font_loading)
    pdf.add_page()
    writer = _Writer(pdf, doc, labels, preview)
    writer.company_and_title()
    writer.bill_to()
    writer.items_table()
    writer.totals()
    writer.notes()
    writer.bank_details()
    writer.terms()
    return bytes(pdf.output())
