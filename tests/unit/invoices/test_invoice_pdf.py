import io
import re
import subprocess
from functools import cache

import pytest
from pypdf import PdfReader

from creditpilot.invoices.models import InvoiceDocument, InvoiceDraft, sample_draft
from creditpilot.invoices.pdf import render_invoice_pdf
from creditpilot.invoices.profile import load_profile

LAYOUTS = ["service", "debit", "itemised"]
LANGS = ["en", "zh"]
SUBSET_NAME = re.compile(r"^/?[A-Z]{6}\+")


@cache
def sample_pdf(layout, lang, preview=False):
    doc = InvoiceDocument.build(
        sample_draft(layout, lang), load_profile(), number=None if preview else "INV-2026-0001"
    )
    return render_invoice_pdf(doc, preview=preview)


def pdftotext(pdf: bytes, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def embedded_fonts(pdf: bytes) -> dict[str, dict]:
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = descriptor
    return fonts


def many_items_doc(count: int, lang: str = "en") -> InvoiceDocument:
    draft = InvoiceDraft.model_validate(
        {
            "layout": "itemised",
            "lang": lang,
            "bill_to_name": "DINAS RESTAURANT",
            "issue_date": "2026-01-15",
            "items": [
                {"description": f"Card transaction {n} at supplier", "unit_price": "10.00"}
                for n in range(count)
            ],
        }
    )
    return InvoiceDocument.build(draft, load_profile(), number="INV-2026-0042")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("lang", LANGS)
def test_pdf_shows_number_bill_to_dates_and_totals(layout, lang):
    text = pdftotext(sample_pdf(layout, lang), "-layout")
    draft = sample_draft(layout, lang)
    totals = draft.totals()
    assert "INV-2026-0001" in text
    assert draft.bill_to_name in text
    assert "2026-01-15" in text and "2026-02-14" in text
    for amount in (totals.subtotal, totals.tax, totals.total):
        assert f"{amount:,.2f}" in text
    assert "INFINITE GZ SDN BHD" in text


@pytest.mark.parametrize(
    ("layout", "title"), [("service", "SERVICE INVOICE"), ("debit", "DEBIT NOTE"), ("itemised", "INVOICE")]
)
def test_english_pdf_is_titled_by_layout_with_english_labels(layout, title):
    text = pdftotext(sample_pdf(layout, "en"))
    assert title in text
    for label in ("Bill to", "Subtotal", "SST (8%)", "Total (RM)", "Bank details", "Terms and conditions"):
        assert label in text
    assert "Page 1 of 1" in text


@pytest.mark.parametrize(
    ("layout", "title"), [("service", "服务发票"), ("debit", "借项通知单"), ("itemised", "发票")]
)
def test_chinese_pdf_has_chinese_title_labels_and_terms(layout, title):
    text = pdftotext(sample_pdf(layout, "zh"))
    assert title in text
    for label in (
        "客户",
        "小计",
        "服务税",
        "总计",
        "银行资料",
        "条款与条件",
        "第 1 页，共 1 页",
        "请于上述到期日之前付款",
    ):
        assert label in text


def test_itemised_pdf_has_a_table_with_every_column():
    text = pdftotext(sample_pdf("itemised", "en"), "-layout")
    assert re.search(r"#\s+Description\s+Qty\s+Unit price \(RM\)\s+Amount \(RM\)", text)
    assert re.search(r"Supplier payment reconciliation \(per statement\)\s+3\s+120\.00\s+360\.00", text)


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded_as_subsets(lang):
    fonts = embedded_fonts(sample_pdf("itemised", lang))
    assert fonts
    for name, descriptor in fonts.items():
        assert SUBSET_NAME.match(name), name
        assert "/FontFile2" in descriptor
    assert any("DroidSansFallback" in name for name in fonts) == (lang == "zh")


def test_an_english_invoice_embeds_the_chinese_font_for_a_chinese_bill_to_name():
    draft = sample_draft("service", "en").model_copy(update={"bill_to_name": "吉隆坡丁娜斯餐厅"})
    pdf = render_invoice_pdf(InvoiceDocument.build(draft, load_profile(), number="INV-2026-0007"))
    assert "吉隆坡丁娜斯餐厅" in pdftotext(pdf)
    assert any("DroidSansFallback" in name for name in embedded_fonts(pdf))


def test_latin_text_after_a_chinese_line_keeps_its_font():
    # fpdf2 2.8.9 printed "55100 Kuala Lumpur" as garbage after a line ending in Chinese (see render.py).
    text = pdftotext(sample_pdf("itemised", "zh"))
    assert "55100 Kuala Lumpur" in text
    assert "SST 注册号" in text


def test_a_normal_invoice_stays_under_100_kb():
    for layout in LAYOUTS:
        for lang in LANGS:
            assert len(sample_pdf(layout, lang)) <= 100 * 1024


@pytest.mark.parametrize("lang", LANGS)
def test_preview_is_marked_and_carries_no_number(lang):
    pdf = sample_pdf("service", lang, preview=True)
    text = pdftotext(pdf)
    # The mark is diagonal: in reading order pdftotext interleaves its letters with other lines.
    assert "PREVIEW" in pdftotext(pdf, "-raw")
    assert "INV-" not in text
    assert ("预览" in text) == (lang == "zh")


def test_rendering_a_numbered_document_as_preview_hides_the_number():
    doc = InvoiceDocument.build(sample_draft("service", "en"), load_profile(), number="INV-2026-0001")
    pdf = render_invoice_pdf(doc, preview=True)
    assert "PREVIEW" in pdftotext(pdf, "-raw") and "INV-2026-0001" not in pdftotext(pdf)


def test_unset_profile_fields_are_printed_visibly():
    en = pdftotext(sample_pdf("service", "en"))
    assert "[unset: SST registration no.]" in en and "[unset: Account no.]" in en
    zh = pdftotext(sample_pdf("service", "zh"))
    assert "[未设置：SST 注册号]" in zh


def test_set_profile_fields_are_printed():
    profile = load_profile({"COMPANY_SST_NO": "W10-1808-32000123", "COMPANY_BANK_ACCOUNT": "5140-1234-5678"})
    text = pdftotext(
        render_invoice_pdf(InvoiceDocument.build(sample_draft("service", "en"), profile, "INV-2026-0001"))
    )
    assert "W10-1808-32000123" in text and "5140-1234-5678" in text
    assert "[unset: SST registration no.]" not in text


@pytest.mark.parametrize("lang", LANGS)
def test_long_item_lists_flow_onto_more_pages_with_the_header_repeated(lang):
    pdf = render_invoice_pdf(many_items_doc(120, lang))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    header = "Description" if lang == "en" else "项目说明"
    footer = "Page {n} of {m}" if lang == "en" else "第 {n} 页，共 {m} 页"
    item_pages = 0
    for number in range(1, len(pages) + 1):
        text = pdftotext(pdf, "-f", str(number), "-l", str(number))
        assert footer.format(n=number, m=len(pages)) in text
        if "Card transaction" in text:
            item_pages += 1
            assert header in text
    assert item_pages >= 3
    full = pdftotext(pdf)
    assert all(f"Card transaction {n} at supplier" in full for n in range(120))
    assert "1,200.00" in full
