"""TrueType subsetting for PDF embedding, cheap enough to run for every invoice.

fontTools' subsetter, which fpdf2 calls, parses the whole font again for each document (post, glyf, hmtx
and cmap of DejaVu Sans's 6,253 glyphs): ~75 ms a font, several times the cost of the rest of a page. Here
a font is parsed once per process into a `TrueTypeProgram`, and a subset is cut from it by copying the
glyphs' bytes and renumbering them (and the components that composite glyphs such as "ź" point at).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

# Composite glyph component flags (TrueType 'glyf' table).
_ARG_1_AND_2_ARE_WORDS = 0x0001
_WE_HAVE_A_SCALE = 0x0008
_MORE_COMPONENTS = 0x0020
_WE_HAVE_AN_X_AND_Y_SCALE = 0x0040
_WE_HAVE_A_TWO_BY_TWO = 0x0080

# Tables copied unchanged. A PDF reader needs no cmap, kern or layout table from an embedded CIDFontType2
# program: the PDF maps codes to glyph ids and positions every glyph itself (PDF 32000-1, 9.9).
_COPIED_TABLES = ("OS/2", "cvt ", "fpgm", "prep")
# Name records kept in a subset: copyright, family, style, unique id, full name, version, PostScript name.
_KEPT_NAME_IDS = range(7)
_CHECKSUM_MAGIC = 0xB1B0AFBA


class FontSubset(NamedTuple):
    """A subset font file, and where the original font's glyphs went in it."""

    font: bytes
    glyph_ids: dict[int, int]  # the original font's glyph id -> the subset's


class TrueTypeError(ValueError):
    """The font is not a TrueType-outline font this module can subset."""


@dataclass(frozen=True, slots=True)
class TrueTypeProgram:
    """A TrueType font parsed for subsetting; immutable, so one instance serves every document."""

    tables: dict[str, bytes]
    glyphs: tuple[bytes, ...]
    metrics: tuple[tuple[int, int], ...]
    components: dict[int, tuple[tuple[int, int], ...]]  # composite glyph: (offset of a component id, id)

    @classmethod
    def parse(cls, font: bytes) -> TrueTypeProgram:
        """Parse a TrueType font file (not a collection, not CFF outlines)."""
        tables = _table_directory(font)
        for tag in ("head", "hhea", "maxp", "loca", "glyf", "hmtx", "post", "name"):
            if tag not in tables:
                raise TrueTypeError(f"no {tag!r} table: not a TrueType-outline font")
        num_glyphs = struct.unpack_from(">H", tables["maxp"], 4)[0]
        long_offsets = struct.unpack_from(">h", tables["head"], 50)[0] == 1
        if long_offsets:
            offsets = struct.unpack_from(f">{num_glyphs + 1}I", tables["loca"])
        else:
            offsets = tuple(2 * o for o in struct.unpack_from(f">{num_glyphs + 1}H", tables["loca"]))
        glyf = tables["glyf"]
        glyphs = tuple(_pad4(glyf[offsets[g] : offsets[g + 1]]) for g in range(num_glyphs))
        components = {g: _components(data) for g, data in enumerate(glyphs) if _is_composite(data)}
        return cls(
            tables={
                "head": tables["head"],
                "hhea": tables["hhea"],
                "maxp": tables["maxp"],
                "post": b"\x00\x03\x00\x00" + tables["post"][4:32],  # version 3: no glyph names
                "name": _name_subset(tables["name"]),
                **{tag: tables[tag] for tag in _COPIED_TABLES if tag in tables},
            },
            glyphs=glyphs,
            metrics=_horizontal_metrics(tables, num_glyphs),
            components=components,
        )

    def subset(self, glyph_ids: Iterable[int]) -> FontSubset:
        """A font file with the outlines of `glyph_ids`, their components and .notdef, renumbered from 0."""
        kept = {0}
        pending = [g for g in glyph_ids if 0 <= g < len(self.glyphs)]
        while pending:
            glyph = pending.pop()
            if glyph not in kept:
                kept.add(glyph)
                pending.extend(component for _, component in self.components.get(glyph, ()))
        new_ids = {old: new for new, old in enumerate(sorted(kept))}

        offsets = [0]
        outlines = []
        metrics: list[int] = []
        for old in new_ids:
            outline = self.glyphs[old]
            if old in self.components:
                renumbered = bytearray(outline)
                for position, component in self.components[old]:
                    struct.pack_into(">H", renumbered, position, new_ids[component])
                outline = bytes(renumbered)
            outlines.append(outline)
            offsets.append(offsets[-1] + len(outline))
            metrics.extend(self.metrics[old])

        num_glyphs = len(new_ids)
        head = bytearray(self.tables["head"])
        struct.pack_into(">I", head, 8, 0)  # checkSumAdjustment, set once the file is assembled
        struct.pack_into(">h", head, 50, 1)  # indexToLocFormat: long offsets
        hhea = bytearray(self.tables["hhea"])
        struct.pack_into(">H", hhea, 34, num_glyphs)  # numberOfHMetrics: one full record per glyph
        maxp = bytearray(self.tables["maxp"])
        struct.pack_into(">H", maxp, 4, num_glyphs)
        font = _assemble(
            {
                **self.tables,
                "head": bytes(head),
                "hhea": bytes(hhea),
                "maxp": bytes(maxp),
                "loca": struct.pack(f">{num_glyphs + 1}I", *offsets),
                "glyf": b"".join(outlines),
                "hmtx": struct.pack(">" + "Hh" * num_glyphs, *metrics),
            }
        )
        return FontSubset(font, new_ids)


def _table_directory(font: bytes) -> dict[str, bytes]:
    version, num_tables = struct.unpack_from(">IH", font, 0)
    if version != 0x00010000:
        raise TrueTypeError(f"sfnt version {version:#010x}: not a TrueType-outline font")
    tables = {}
    for record in range(num_tables):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", font, 12 + 16 * record)
        tables[tag.decode("latin-1")] = font[offset : offset + length]
    return tables


def _pad4(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _is_composite(glyph: bytes) -> bool:
    return len(glyph) >= 2 and struct.unpack_from(">h", glyph, 0)[0] < 0


def _components(glyph: bytes) -> tuple[tuple[int, int], ...]:
    components = []
    position = 10  # numberOfContours and bounding box
    while True:
        flags, component = struct.unpack_from(">HH", glyph, position)
        components.append((position + 2, component))
        position += 4 + (4 if flags & _ARG_1_AND_2_ARE_WORDS else 2)
        if flags & _WE_HAVE_A_SCALE:
            position += 2
        elif flags & _WE_HAVE_AN_X_AND_Y_SCALE:
            position += 4
        elif flags & _WE_HAVE_A_TWO_BY_TWO:
            position += 8
        if not flags & _MORE_COMPONENTS:
            return tuple(components)


def _horizontal_metrics(tables: dict[str, bytes], num_glyphs: int) -> tuple[tuple[int, int], ...]:
    long_metrics = struct.unpack_from(">H", tables["hhea"], 34)[0]
    full = struct.unpack_from(">" + "Hh" * long_metrics, tables["hmtx"])
    metrics = [(full[2 * g], full[2 * g + 1]) for g in range(long_metrics)]
    # Glyphs past numberOfHMetrics share the last advance width and store only their side bearing.
    bearings = struct.unpack_from(f">{num_glyphs - long_metrics}h", tables["hmtx"], 4 * long_metrics)
    last_advance = metrics[-1][0]
    metrics.extend((last_advance, bearing) for bearing in bearings)
    return tuple(metrics)


def _name_subset(name: bytes) -> bytes:
    _format, count, storage = struct.unpack_from(">HHH", name, 0)
    records = []
    strings = bytearray()
    for index in range(count):
        platform, encoding, language, name_id, length, offset = struct.unpack_from(">6H", name, 6 + 12 * index)
        if name_id in _KEPT_NAME_IDS:
            records.append(struct.pack(">6H", platform, encoding, language, name_id, length, len(strings)))
            strings += name[storage + offset : storage + offset + length]
    header = struct.pack(">HHH", 0, len(records), 6 + 12 * len(records))
    return header + b"".join(records) + bytes(strings)


def _checksum(data: bytes) -> int:
    padded = _pad4(data)
    words: tuple[int, ...] = struct.unpack(f">{len(padded) // 4}I", padded)
    return sum(words) & 0xFFFFFFFF


def _assemble(tables: dict[str, bytes]) -> bytes:
    tags = sorted(tables)
    entry_selector = len(tags).bit_length() - 1
    search_range = 16 * (1 << entry_selector)
    directory = bytearray(
        struct.pack(">IHHHH", 0x00010000, len(tags), search_range, entry_selector, 16 * len(tags) - search_range)
    )
    body = bytearray()
    offset = len(directory) + 16 * len(tags)
    head_offset = 0
    for tag in tags:
        data = tables[tag]
        if tag == "head":
            head_offset = offset + len(body)
        directory += struct.pack(">4sIII", tag.encode("latin-1"), _checksum(data), offset + len(body), len(data))
        body += _pad4(data)
    font = directory + body
    struct.pack_into(">I", font, head_offset + 8, (_CHECKSUM_MAGIC - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)
