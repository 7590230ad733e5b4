"""Finding the invoice fonts and loading them into fpdf2 documents, once per process.

Latin text uses DejaVu Sans (Debian `fonts-dejavu-core`): unlike fpdf2's core fonts it covers every
accented Latin letter a bill-to name may carry, and it can be a primary font for fpdf2's fallback
mechanism, which sends each Chinese character to Droid Sans Fallback (Debian `fonts-droid-fallback`,
Apache-2.0). Both are embedded as subsets, so a PDF carries only the glyphs it prints.

fpdf2's `add_font` parses the whole TTF for every document, and its output step subsets the full
font with fontTools; for the 4 MB CJK font that costs ~300 ms per PDF. The `cached` loading parses
each file once per process into a `_ParsedFont` (read-only from then on) and gives every document
its own `_DocumentFont`: a fresh subset map, missing-glyph list, width table and font descriptor.
When fpdf2 asks for the font program at output time, the document font builds a small TrueType font
holding only the glyphs that document used, so fpdf2's own subsetting step works on ~100 glyphs
instead of ~50,000. The `naive` loading is plain `add_font`, kept for the benchmark and for tests
that compare the two.
"""

from __future__ import annotations

import copy
import io
import os
import struct
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.tables._c_m_a_p import cmap_format_4, cmap_format_12
from fontTools.ttLib.tables._g_l_y_f import Glyph
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import SubsetMap, TTFFont

if TYPE_CHECKING:
    from fontTools.ttLib.tables._g_l_y_f import table__g_l_y_f

FontLoading = Literal["cached", "naive"]

FONT_DIR_ENV = "CREDITPILOT_FONT_DIR"
PACKAGE_FONT_DIR = Path(__file__).with_name("fonts")


class FontMissingError(RuntimeError):
    """A font file the invoice PDF needs is not installed; the message says where it was looked for."""


@dataclass(frozen=True)
class FontFile:
    filename: str
    debian_package: str
    system_dir: Path


LATIN_REGULAR = FontFile("DejaVuSans.ttf", "fonts-dejavu-core", Path("/usr/share/fonts/truetype/dejavu"))
LATIN_BOLD = FontFile("DejaVuSans-Bold.ttf", "fonts-dejavu-core", Path("/usr/share/fonts/truetype/dejavu"))
CJK = FontFile("DroidSansFallbackFull.ttf", "fonts-droid-fallback", Path("/usr/share/fonts/truetype/droid"))
ALL_FONTS = (LATIN_REGULAR, LATIN_BOLD, CJK)

# Tables a PDF viewer never reads from an embedded CID font: layout features (we do not shape text),
# vertical metrics, kerning, device metrics and bitmaps.
_TABLES_NOT_EMBEDDED = (
    "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "FFTM", "hdmx", "LTSH", "VDMX",
    "vhea", "vmtx", "VORG", "EBDT", "EBLC", "EBSC", "CBDT", "CBLC", "sbix", "SVG ", "COLR", "CPAL",
    "DSIG", "PCLT", "meta",
)  # fmt: skip


def font_search_dirs(font: FontFile) -> list[Path]:
    """Where `font` is looked for, in order: $CREDITPILOT_FONT_DIR, the package, the Debian path."""
    dirs = [Path(os.environ[FONT_DIR_ENV])] if os.environ.get(FONT_DIR_ENV) else []
    return [*dirs, PACKAGE_FONT_DIR, font.system_dir]


def find_font(font: FontFile) -> Path:
    searched = font_search_dirs(font)
    for directory in searched:
        candidate = directory / font.filename
        if candidate.is_file():
            return candidate
    raise FontMissingError(
        f"font file {font.filename} not found in {', '.join(str(path) for path in searched)};"
        f" install the Debian package {font.debian_package} (or run `make fonts`)"
    )


class _ParsedFont:
    """One TTF parsed by fpdf2 and fontTools, shared by every document of the process. Never mutated."""

    def __init__(self, path: Path) -> None:
        # fpdf2's own constructor computes the metrics exactly as `add_font` would; the scratch
        # document only lends it a font index.
        template = TTFFont(FPDF(), path, fontkey="template", style="")
        source = template.ttfont
        self.path = path
        self.data = path.read_bytes()
        self.name = template.name
        self.desc = template.desc
        self.up, self.ut, self.sp, self.ss = template.up, template.ut, template.sp, template.ss
        self.scale = template.scale
        self.cmap: dict[int, str] = template.cmap
        self.glyph_ids: dict[int, int] = template.glyph_ids
        self.widths: dict[int, float] = dict(template.cw)
        self.default_width: float = template.desc.missing_width
        self.glyph_order: tuple[str, ...] = tuple(source.getGlyphOrder())
        self.glyph_id_by_name = {name: glyph_id for glyph_id, name in enumerate(self.glyph_order)}
        self.loca: tuple[int, ...] = tuple(int(offset) for offset in source["loca"].locations)
        self.glyf_data: bytes = source.reader["glyf"]
        self.hmtx: dict[str, tuple[int, int]] = dict(source["hmtx"].metrics)
        post = source["post"]
        self.post_header = {
            field: getattr(post, field)
            for field in ("italicAngle", "underlinePosition", "underlineThickness", "isFixedPitch",
                          "minMemType42", "maxMemType42", "minMemType1", "maxMemType1")
        }  # fmt: skip
        self._glyph_names_view = newTable("glyf")
        self._glyph_names_view.glyphOrder = list(self.glyph_order)
        source.close()

    def _glyph(self, name: str) -> Glyph:
        glyph_id = self.glyph_id_by_name[name]
        raw = self.glyf_data[self.loca[glyph_id] : self.loca[glyph_id + 1]]
        glyph = Glyph(raw)
        if raw and struct.unpack(">h", raw[:2])[0] < 0:
            # Composite glyphs store component glyph ids of the full font; expanding them now
            # turns those ids into names, which the small font renumbers correctly when compiled.
            glyph.expand(self._glyph_names_view)
        return glyph

    def build_subset(self, used_names: Iterable[str], used_chars: dict[int, str]) -> TTFont:
        """A TrueType font with only `used_names` (plus .notdef and composite components)."""
        glyphs: dict[str, Glyph] = {}
        pending = [".notdef", *used_names]
        while pending:
            name = pending.pop()
            if name in glyphs:
                continue
            glyph = glyphs[name] = self._glyph(name)
            if getattr(glyph, "numberOfContours", 0) < 0:
                pending.extend(component.glyphName for component in glyph.components)
        order = [".notdef", *sorted((name for name in glyphs if name != ".notdef"),
                                    key=self.glyph_id_by_name.__getitem__)]  # fmt: skip

        # A lazy font over the shared bytes reads only the table directory; the small tables
        # (head, hhea, maxp, OS/2, name, hinting programs) decode from those bytes on access.
        # Not recalculating bounding boxes lets simple glyphs be written back byte for byte
        # instead of being decoded and re-encoded (the PDF takes its FontBBox from fpdf2 anyway).
        font = TTFont(io.BytesIO(self.data), lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        for tag in _TABLES_NOT_EMBEDDED:
            if tag in font:
                del font[tag]
        font.setGlyphOrder(order)
        glyf: table__g_l_y_f = newTable("glyf")
        glyf.glyphOrder = order
        glyf.glyphs = {name: glyphs[name] for name in order}
        font["glyf"] = glyf
        font["loca"] = newTable("loca")
        hmtx = newTable("hmtx")
        hmtx.metrics = {name: self.hmtx[name] for name in order}
        font["hmtx"] = hmtx
        font["cmap"] = _unicode_cmap({code: name for code, name in used_chars.items() if name in glyphs})
        post = newTable("post")
        post.formatType = 3.0  # no glyph names: the PDF maps glyphs through CIDToGIDMap and ToUnicode
        for field, value in self.post_header.items():
            setattr(post, field, value)
        font["post"] = post
        return font


def _unicode_cmap(mapping: dict[int, str]) -> Any:
    cmap = newTable("cmap")
    cmap.tableVersion = 0
    bmp = cmap_format_4(4)
    bmp.platformID, bmp.platEncID, bmp.language = 3, 1, 0
    bmp.cmap = {code: name for code, name in mapping.items() if code <= 0xFFFF}
    full = cmap_format_12(12)
    full.platformID, full.platEncID, full.language = 3, 10, 0
    full.cmap = dict(mapping)
    cmap.tables = [bmp, full]
    return cmap


class _DocumentFont(TTFFont):
    """fpdf2's font object for one document, over a shared `_ParsedFont`.

    Everything a document changes while it is written (subset map, missing glyphs, widths of
    characters the font lacks, the font descriptor that output numbers) is this object's own.
    """

    def __init__(self, pdf: FPDF, parsed: _ParsedFont, fontkey: str, style: str) -> None:
        # TTFFont.__init__ would parse the file again; the attributes it sets are set here instead.
        self._parsed = parsed
        self._subset_font: TTFont | None = None
        self.i = len(pdf.fonts) + 1
        self.type = "TTF"
        self.ttffile = parsed.path
        self.fontkey = fontkey
        self.name = parsed.name
        self.desc = copy.copy(parsed.desc)
        self.up, self.ut, self.sp, self.ss = parsed.up, parsed.ut, parsed.sp, parsed.ss
        self.scale = parsed.scale
        self.cmap = parsed.cmap
        self.glyph_ids = parsed.glyph_ids
        default_width = parsed.default_width
        self.cw = defaultdict(lambda: default_width, parsed.widths)
        self.emphasis = TextEmphasis.coerce(style)
        self.missing_glyphs = []
        self.biggest_size_pt = 0
        self.palette_index = 0
        self.color_font = None
        self._hbfont = None
        self.is_compressed = False
        self.is_cff = False
        self.is_cid_keyed = False
        self.is_symbol = False
        self.cff_ros = None
        self.collection_font_number = 0
        self.subset = SubsetMap(self)

    @property  # type: ignore[override]
    def ttfont(self) -> TTFont:
        # fpdf2 reads the font program only in its output step, once every glyph is placed.
        if self._subset_font is None:
            used = [glyph for glyph, _ in self.subset.items() if glyph is not None]
            chars = {glyph.unicode[0]: glyph.glyph_name for glyph in used if glyph.unicode}
            self._subset_font = self._parsed.build_subset((glyph.glyph_name for glyph in used), chars)
        return self._subset_font


@cache
def _parsed_font(path: Path) -> _ParsedFont:
    return _ParsedFont(path)


def add_invoice_font(pdf: FPDF, family: str, style: str, font: FontFile, loading: FontLoading) -> None:
    """Make `font` available to `pdf` as `family`/`style`, parsed once per process when `cached`."""
    path = find_font(font)
    if loading == "naive":
        pdf.add_font(family, style, str(path))
        return
    fontkey = f"{family.lower()}{style}"
    pdf.fonts[fontkey] = _DocumentFont(pdf, _parsed_font(path), fontkey, style)
