"""Many PDFs into one ZIP, streamed: memory holds one PDF at a time, whatever the month's size.

The output may be any writable binary file object, including one that cannot seek (an S3
multipart upload): zipfile then writes each entry's sizes and CRC in a data descriptor after it.
PDFs are already compressed, so entries are stored, not deflated again.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterable
from typing import BinaryIO

from creditpilot.platform.files import sanitize_filename

ZipContent = bytes | Callable[[], bytes]
MAX_NAME_LENGTH = 120


def _unique_name(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)`, `name (3)`... before the extension, whichever is not taken yet."""
    # Windows and macOS unzip case-insensitively: "A.pdf" and "a.pdf" would overwrite each other.
    candidate, counter = name, 1
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    while candidate.casefold() in taken:
        counter += 1
        suffix = f" ({counter}){dot}{extension}"
        candidate = stem[: MAX_NAME_LENGTH - len(suffix)] + suffix
    taken.add(candidate.casefold())
    return candidate


def write_zip(entries: Iterable[tuple[str, ZipContent]], fileobj: BinaryIO) -> list[str]:
    """Write `entries` (name, bytes or a callable producing them when its turn comes) as a ZIP to
    `fileobj`; return the entry names used: sanitised (`sanitize_filename`), then made unique with a
    ` (n)` before the extension (`x.pdf`, `x (2).pdf`, ...)."""
    used: list[str] = []
    taken: set[str] = set()
    with zipfile.ZipFile(fileobj, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for raw_name, content in entries:
            name = _unique_name(sanitize_filename(raw_name, max_length=MAX_NAME_LENGTH), taken)
            data = content() if callable(content) else content
            archive.writestr(zipfile.ZipInfo(name, date_time=time.gmtime()[:6]), data)
            used.append(name)
    return used
