import io
from pathlib import Path

import pytest
from fpdf.fonts import TTFFont
from pypdf import PdfReader

from creditpilot.invoices.models import InvoiceDocument, sample_draft
from creditpilot.invoices.pdf import fonts, render_invoice_pdf
from creditpilot.invoices.pdf.fonts import CJK, LATIN_REGULAR, FontMissingError, find_font
from creditpilot.invoices.profile import load_profile


def doc_for(bill_to_name, lang="zh"):
    draft = sample_draft("service", lang).model_copy(update={"bill_to_name": bill_to_name})
    return InvoiceDocument.build(draft, load_profile(), number="INV-2026-0001")


def embedded_font_program(pdf: bytes, font_name: str) -> bytes:
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if font_name in str(font["/BaseFont"]):
                descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                return descriptor["/FontFile2"].get_object().get_data()
    raise AssertionError(f"{font_name} not embedded")


def glyph_count(pdf: bytes, font_name: str) -> int:
    from fontTools.ttLib import TTFont

    return TTFont(io.BytesIO(embedded_font_program(pdf, font_name)))["maxp"].numGlyphs


def test_missing_font_error_names_the_file_and_the_debian_package(monkeypatch, tmp_path):
    monkeypatch.setattr(fonts, "PACKAGE_FONT_DIR", tmp_path / "package")
    missing = fonts.FontFile("NoSuchFont.ttf", "fonts-no-such", tmp_path / "system")
    with pytest.raises(FontMissingError, match=r"NoSuchFont\.ttf.*fonts-no-such"):
        find_font(missing)


def test_font_dir_from_the_environment_comes_first(monkeypatch, tmp_path):
    (tmp_path / CJK.filename).write_bytes(Path(find_font(CJK)).read_bytes()[:16])
    monkeypatch.setenv("CREDITPILOT_FONT_DIR", str(tmp_path))
    assert find_font(CJK) == tmp_path / CJK.filename
    monkeypatch.delenv("CREDITPILOT_FONT_DIR")
    assert find_font(LATIN_REGULAR).name == LATIN_REGULAR.filename


def test_package_font_dir_is_git_ignored_for_ttf_files():
    assert "*.ttf" in (fonts.PACKAGE_FONT_DIR / ".gitignore").read_text().splitlines()


def test_cached_fonts_do_not_carry_glyphs_from_one_document_into_the_next():
    before = render_invoice_pdf(doc_for("丁娜斯餐饮有限公司"))
    many_chars = render_invoice_pdf(doc_for("龍鳳麒麟饕餮魑魅魍魎鬱鬯"))
    after = render_invoice_pdf(doc_for("丁娜斯餐饮有限公司"))
    assert glyph_count(many_chars, "DroidSansFallback") >= glyph_count(before, "DroidSansFallback") + 12
    assert glyph_count(after, "DroidSansFallback") == glyph_count(before, "DroidSansFallback")
    assert embedded_font_program(after, "DroidSansFallback") == embedded_font_program(
        before, "DroidSansFallback"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_cached_and_naive_font_loading_print_the_same_text(lang):
    doc = InvoiceDocument.build(sample_draft("itemised", lang), load_profile(), number="INV-2026-0001")
    cached, naive = render_invoice_pdf(doc), render_invoice_pdf(doc, font_loading="naive")
    extract = lambda pdf: [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]  # noqa: E731
    assert extract(cached) == extract(naive)


def test_document_font_sets_every_attribute_fpdf2_gives_its_own_fonts():
    # Guards the fpdf2 pin: a new TTFFont attribute must be set by _DocumentFont too.
    from fpdf import FPDF

    pdf = FPDF()
    path = find_font(LATIN_REGULAR)
    naive = TTFFont(pdf, path, "naive", "")
    fonts.add_invoice_font(pdf, "cached", "", LATIN_REGULAR, "cached")
    cached = pdf.fonts["cached"]
    slots = [slot for slot in TTFFont.__slots__ if slot != "ttfont"]
    assert [slot for slot in slots if hasattr(naive, slot)] == [
        slot for slot in slots if hasattr(cached, slot)
    ]
