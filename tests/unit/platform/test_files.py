import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from creditpilot.platform.files import content_disposition, sanitize_filename

RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{n}" for n in range(1, 10)),
    *(f"LPT{n}" for n in range(1, 10)),
}


def assert_safe(name: str, max_length: int = 120) -> None:
    assert name
    assert len(name) <= max_length
    assert "/" not in name and "\\" not in name
    assert not any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "So") for char in name)
    assert not any(char.isspace() for char in name)
    assert not name.startswith(".") and not name.endswith((".", " "))
    assert name.split(".", 1)[0].upper() not in RESERVED


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("INV-2026-0001_DINAS RESTAURANT.pdf", "INV-2026-0001_DINAS-RESTAURANT.pdf"),
        ("../../etc/passwd", "etc_passwd"),
        ("/etc/shadow", "etc_shadow"),
        ("C:\\Windows\\system32\\x.dll", "C_Windows_system32_x.dll"),
        ("a\x00b\x07c.pdf", "abc.pdf"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("COM1.tar.gz", "_COM1.tar.gz"),
        ("LPT9", "_LPT9"),
        ("COM¹", "_COM1"),
        ("report. . .", "report"),
        ("...hidden", "file.hidden"),
        ("😀.pdf", "file.pdf"),
        ("a\x1f.pdf", "a.pdf"),
        ("Invoice 😀 final.pdf", "Invoice-final.pdf"),
        ("发票 吉隆坡餐厅.pdf", "发票-吉隆坡餐厅.pdf"),
        ("Ｆｕｌｌ　ｗｉｄｔｈ", "Full-width"),
        ("A   &   B", "A-B"),
        ("", "file"),
        ("..", "file"),
        ("😀😀", "file"),
    ],
)
def test_hostile_and_everyday_names_become_safe_readable_names(raw, expected):
    assert sanitize_filename(raw) == expected


def test_default_stands_in_for_a_name_with_nothing_left():
    assert sanitize_filename("///", default="invoice.pdf") == "invoice.pdf"


def test_long_names_keep_their_extension():
    name = sanitize_filename("x" * 500 + ".pdf", max_length=50)
    assert len(name) == 50 and name.endswith(".pdf")


def test_truncation_that_lands_on_a_reserved_name_is_still_escaped():
    assert sanitize_filename("CONSOLE", max_length=3) == "_CO"


@given(st.text(max_size=300), st.integers(min_value=2, max_value=200))
def test_any_text_gives_a_safe_name(raw, max_length):
    assert_safe(sanitize_filename(raw, max_length=max_length), max_length)


@given(st.text(max_size=300))
def test_sanitising_is_idempotent(raw):
    once = sanitize_filename(raw)
    assert sanitize_filename(once) == once


@given(
    st.lists(
        st.sampled_from(["..", ".", "/", "\\", "CON", "nul", " ", "\x00", "\n", "😀", "发票", "a"]),
        max_size=20,
    )
)
def test_path_tricks_never_survive(parts):
    assert_safe(sanitize_filename("".join(parts)))


def test_content_disposition_carries_ascii_fallback_and_exact_utf8_name():
    header = content_disposition("INV-2026-0001_丁娜斯餐饮.pdf")
    assert header.startswith("attachment; ")
    assert 'filename="INV-2026-0001.pdf"' in header
    assert "filename*=UTF-8''INV-2026-0001_%E4%B8%81" in header
    assert header.encode("ascii")  # header values must be ASCII


def test_content_disposition_for_a_chinese_only_name_falls_back_to_download():
    assert content_disposition("发票.pdf", inline=True).startswith('inline; filename="download.pdf"; ')


def test_content_disposition_cannot_be_broken_by_quotes_or_newlines():
    header = content_disposition('evil"\r\nSet-Cookie: x=1.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.count('"') == 2
