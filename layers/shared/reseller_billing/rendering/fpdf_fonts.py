"""The glue between the invoice PDF and fpdf2's internals: the bundled fonts, parsed once per process,
and the embedding of their subsets.

This module overrides and reaches into fpdf2 internals (`TTFFont`'s fields, `SubsetMap`,
`OutputProducer._add_fonts`, the PDF object classes of `fpdf.output`), which fpdf2 may change in any
release. It is written against the fpdf2 version pinned in layers/dependencies/requirements.txt;
tests/unit/rendering/test_fpdf_version.py fails on any other version, so a bump comes here first.

Why: parsing a TrueType font takes ~130 ms, so each font is parsed once per process and every document
gets a light copy with its own glyph subset; at output the subset is cut by `truetype_subset` instead of
fontTools, which parses the whole font again for every document (see there).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFExtGState,
    PDFFont,
    PDFFontStream,
    PDFType3Font,
    PDFXObject,
)
from fpdf.pattern import Pattern
from fpdf.syntax import Name, PDFArray, PDFContentStream, PDFString

from reseller_billing.rendering.truetype_subset import TrueTypeProgram

FONT_DIR = Path(__file__).resolve().parent / "fonts"
BUNDLED_FAMILY = "dejavusans"
_BUNDLED_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

_LOGGER = logging.getLogger(__name__)


def add_bundled_fonts(pdf: FPDF) -> None:
    """Give `pdf` its own copies of the bundled fonts (family BUNDLED_FAMILY, styles "" and "B")."""
    for template in _bundled_fonts():
        pdf.fonts[template.fontkey] = template.for_document(len(pdf.fonts) + 1)


class _BundledFont(TTFFont):
    """A TTFFont parsed once per process; `for_document` hands each PDF a copy with its own subset."""

    __slots__ = ("glyph_id_by_name", "program")

    glyph_id_by_name: dict[str, int]
    program: TrueTypeProgram

    def for_document(self, index: int) -> _BundledFont:
        # Shared read-only: the fontTools font, the cmap, glyph ids and widths (`cw` only ever gains
        # default entries). Per document: the index in the PDF and the glyphs used.
        font = copy.copy(self)
        font.i = index
        font.subset = SubsetMap(font)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        return font


@functools.cache
def _bundled_fonts() -> tuple[_BundledFont, ...]:
    host = FPDF()  # TTFFont reads the host's font count and colour-font setting only
    fonts = []
    for style, file_name in _BUNDLED_FILES.items():
        path = FONT_DIR / file_name
        font = _BundledFont(host, path, f"{BUNDLED_FAMILY}{style}", style)
        font.glyph_id_by_name = {name: gid for gid, name in enumerate(font.ttfont.getGlyphOrder())}
        font.program = TrueTypeProgram.parse(path.read_bytes())
        font.close()  # keeps no file open: metrics are parsed, outlines come from `program`
        fonts.append(font)
    return tuple(fonts)


class BundledFontOutputProducer(OutputProducer):
    """Embeds each bundled font as a subset cut by `TrueTypeProgram.subset` (fpdf2 would use fontTools)."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, PDFXObject],
        gfxstate_objs_per_name: dict[str, PDFExtGState],
        pattern_objs_per_name: dict[str, Pattern],
    ) -> dict[int, PDFFont | PDFType3Font]:
        font_objects: dict[int, PDFFont | PDFType3Font] = {}
        for font in sorted(self.fpdf.fonts.values(), key=lambda font: font.i):
            if not isinstance(font, _BundledFont):
                raise TypeError(f"{font.fontkey} is not a bundled font")
            font_objects[font.i] = self._add_bundled_font(font)
        # fpdf2 memoises glyph picks process-wide (functools.cache on methods): without this, every
        # document's subset map, and the fonts it points to, would stay in memory for good.
        SubsetMap.pick.cache_clear()
        SubsetMap.get_glyph.cache_clear()
        return font_objects

    def _add_bundled_font(self, font: _BundledFont) -> PDFFont:
        if font.missing_glyphs:
            _LOGGER.warning(
                "font %s has no glyph for %s", font.name, ", ".join(f"U+{c:04X}" for c in font.missing_glyphs)
            )
        original_ids = {code: font.glyph_id_by_name[glyph.glyph_name] for glyph, code in font.subset.items() if glyph}
        subset = font.program.subset(original_ids.values())
        base_font = f"{_subset_tag(subset.font)}+{font.name}"

        composite = PDFFont(subtype="Type0", base_font=base_font, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")
        widths = {code: glyph.glyph_width for glyph, code in font.subset.items() if glyph}
        cid_font = PDFFont(
            subtype="CIDFontType2", base_font=base_font, d_w=font.desc.missing_width, w=_widths_array(widths)
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        to_unicode = PDFContentStream(_to_unicode_cmap(font).encode("latin-1"), compress=True)
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        system_info.ordering = PDFString("Identity", encrypt=True)
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        descriptor = copy.copy(font.desc)  # the template's descriptor is shared by every document
        descriptor.font_name = Name(base_font)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        cid_to_gid = bytearray(2 * (max(original_ids) + 1))
        for code, original_id in original_ids.items():
            cid_to_gid[2 * code : 2 * code + 2] = subset.glyph_ids[original_id].to_bytes(2, "big")
        cid_to_gid_map = PDFContentStream(bytes(cid_to_gid), compress=True)
        self._add_pdf_obj(cid_to_gid_map, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_map

        font_file = PDFFontStream(contents=subset.font)
        self._add_pdf_obj(font_file, "fonts")
        descriptor.font_file2 = font_file  # type: ignore[attr-defined]
        return composite


def _subset_tag(program: bytes) -> str:
    # Six capitals naming the subset (PDF 32000-1, 9.6.4): distinct subsets get distinct tags.
    digest = hashlib.sha256(program).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


def _widths_array(widths: dict[int, int]) -> str:
    runs: list[list[int]] = []
    for code in sorted(widths):
        if runs and runs[-1][0] + len(runs[-1]) - 1 == code:
            runs[-1].append(widths[code])
        else:
            runs.append([code, widths[code]])
    return "[" + " ".join(f"{run[0]} [{' '.join(map(str, run[1:]))}]" for run in runs) + "]"


def _to_unicode_cmap(font: _BundledFont) -> str:
    mappings = [
        f"<{code:04X}> <{''.join(chr(c) for c in glyph.unicode).encode('utf-16-be').hex().upper()}>\n"
        for glyph, code in font.subset.items()
        if glyph and isinstance(glyph.unicode, tuple) and glyph.unicode
    ]
    # At most 100 entries a block (Adobe Technical Note #5014).
    blocks = "".join(
        f"{len(chunk)} beginbfchar\n{''.join(chunk)}endbfchar\n"
        for chunk in (mappings[start : start + 100] for start in range(0, len(mappings), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        f"{blocks}endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
    )
