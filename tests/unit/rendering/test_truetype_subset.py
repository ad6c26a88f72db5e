import io
import struct

import pytest
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.ttLib import TTFont

from reseller_billing.rendering.fpdf_fonts import FONT_DIR
from reseller_billing.rendering.truetype_subset import TrueTypeError, TrueTypeProgram

TEXT = "Łódź Żółć Ñandú Ωmega € 0123456789 Привет"


@pytest.fixture(scope="module", params=["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def font_file(request: pytest.FixtureRequest) -> bytes:
    return (FONT_DIR / str(request.param)).read_bytes()


def outline(font: TTFont, glyph_name: str) -> object:
    glyph_set = font.getGlyphSet()
    pen = DecomposingRecordingPen(glyph_set)
    glyph_set[glyph_name].draw(pen)
    return pen.value


def test_subset_has_the_same_outlines_and_metrics_under_new_ids(font_file):
    original = TTFont(io.BytesIO(font_file))
    cmap = original.getBestCmap()
    wanted = {original.getGlyphID(cmap[ord(char)]) for char in TEXT}

    subset = TrueTypeProgram.parse(font_file).subset(wanted)

    font = TTFont(io.BytesIO(subset.font), checkChecksums=2)
    assert 0 in subset.glyph_ids
    assert wanted <= set(subset.glyph_ids)
    assert font["maxp"].numGlyphs == len(subset.glyph_ids) < 120  # the wanted glyphs, their components, .notdef
    order, subset_order = original.getGlyphOrder(), font.getGlyphOrder()
    for old, new in subset.glyph_ids.items():
        assert outline(font, subset_order[new]) == outline(original, order[old])
        assert font["hmtx"][subset_order[new]] == original["hmtx"][order[old]]


def test_subset_file_checksum_is_adjusted(font_file):
    program = TrueTypeProgram.parse(font_file).subset([36, 37]).font

    words = struct.unpack(f">{len(program) // 4}I", program)
    assert sum(words) & 0xFFFFFFFF == 0xB1B0AFBA


def test_a_non_truetype_file_is_refused():
    with pytest.raises(TrueTypeError):
        TrueTypeProgram.parse(b"OTTO" + bytes(64))
