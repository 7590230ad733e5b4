"""File names that are safe to store, zip and send, whatever a user typed.

A name built from user input (a bill-to name, an uploaded file's name) ends up as an S3 key segment, a
ZIP entry and a browser download. `sanitize_filename` turns any text into one flat, portable name:
no directories, no control characters, nothing Windows refuses, and still readable in Chinese or Malay.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_WINDOWS_RESERVED_STEMS = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"COM{n}" for n in range(1, 10)} | {f"LPT{n}" for n in range(1, 10)}
)
_KEPT_PUNCTUATION = frozenset("-_.()")
_PATH_SEPARATORS = re.compile(r"[/\\]+")
_HYPHEN_RUNS = re.compile(r"-{2,}")
_DOT_RUNS = re.compile(r"\.{2,}")  # "..", even mid-name, reads as a parent directory to too many tools
_SEPARATOR_BESIDE_DOT = re.compile(r"-+(?=\.)|(?<=\.)-+")
# An extension longer than this is more likely part of the name ("v1.final-version") than a type.
_MAX_EXTENSION_LENGTH = 10
# RFC 5987 attr-char minus the alphanumerics and "-._~" that urllib.parse.quote always keeps.
_RFC5987_EXTRA_SAFE = "!#$&+^`|"


def _is_kept(char: str) -> bool:
    category = unicodedata.category(char)
    # Letters, digits and combining marks (Tamil and Devanagari vowel signs) keep names readable;
    # symbols (emoji), controls, format characters (bidi overrides) and other punctuation go.
    return category[0] in "LNM" or char in _KEPT_PUNCTUATION


def _clean(text: str, default: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    segments = [segment for segment in _PATH_SEPARATORS.split(text) if segment.strip(". \t")]
    joined = "_".join(segments)
    words = "".join(char if _is_kept(char) else (" " if char.isspace() else "") for char in joined).split()
    name = _SEPARATOR_BESIDE_DOT.sub("", _HYPHEN_RUNS.sub("-", _DOT_RUNS.sub(".", "-".join(words))))
    stem, dot, extension = name.rpartition(".")
    if dot and extension.strip("-") and not stem.strip(".-"):
        # "😀.pdf" lost its whole stem: keep the type, let the default name it.
        name = f"{default}.{extension}"
    # Leading dots hide files on Unix; trailing dots and spaces are silently dropped by Windows.
    return name.lstrip(".-").rstrip(".-")


def _truncate(name: str, max_length: int) -> str:
    if len(name) <= max_length:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= _MAX_EXTENSION_LENGTH and len(extension) + 2 <= max_length:
        return stem[: max_length - len(extension) - 1].rstrip(".-") + "." + extension
    return name[:max_length].rstrip(".-")


def _is_reserved(name: str) -> bool:
    return name.split(".", 1)[0].upper() in _WINDOWS_RESERVED_STEMS


def sanitize_filename(name: str, *, default: str = "file", max_length: int = 120) -> str:
    """One safe file name from any text.

    `"INV-2026-0001_DINAS RESTAURANT.pdf"` -> `"INV-2026-0001_DINAS-RESTAURANT.pdf"`.

    Directory parts are flattened with `_` (`../../etc/passwd` -> `etc_passwd`), whitespace runs become
    `-`, characters other than letters, digits, marks and `- _ . ( )` are dropped, and Windows device
    names get a `_` prefix (`CON.txt` -> `_CON.txt`). The result is never empty (`default` stands in),
    at most `max_length` characters, and sanitising it again changes nothing.
    """
    if max_length < 2:
        raise ValueError("max_length must be at least 2")
    fallback = _clean(default, "file") or "file"
    cleaned = _truncate(_clean(name, fallback), max_length) or _truncate(fallback, max_length)
    if _is_reserved(cleaned):
        cleaned = "_" + _truncate(cleaned, max_length - 1)
    return cleaned


def _to_ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def _ascii_fallback(safe_name: str) -> str:
    stem, dot, extension = safe_name.rpartition(".")
    if not dot:
        stem, extension = safe_name, ""
    # "INV-2026-0001_丁娜斯" keeps "INV-2026-0001", not a dangling separator.
    ascii_stem = sanitize_filename(_to_ascii(stem).rstrip("_-"), default="download")
    # A name written only in Chinese leaves no readable ASCII stem; "download" says what it is.
    if not any(char.isalnum() for char in ascii_stem):
        ascii_stem = "download"
    ascii_extension = _to_ascii(extension)
    return sanitize_filename(f"{ascii_stem}.{ascii_extension}" if ascii_extension else ascii_stem)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition header value that every browser reads right, Chinese names included.

    Carries an ASCII `filename="..."` for old clients and the exact UTF-8 name as RFC 5987
    `filename*=UTF-8''...`, which modern browsers prefer.
    """
    safe_name = sanitize_filename(filename)
    disposition = "inline" if inline else "attachment"
    encoded = quote(safe_name, safe=_RFC5987_EXTRA_SAFE)
    return f"{disposition}; filename=\"{_ascii_fallback(safe_name)}\"; filename*=UTF-8''{encoded}"
