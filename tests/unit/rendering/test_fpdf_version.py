"""rendering/fpdf_fonts.py overrides fpdf2 internals that change between releases: it is written against
the fpdf2 version pinned for the Lambda layer, and only that one."""

import re
from pathlib import Path

import fpdf

ROOT = Path(__file__).resolve().parents[3]
REQUIREMENTS = ROOT / "layers/dependencies/requirements.in"  # the pin; requirements.txt is its hashed lock
GLUE = "layers/shared/reseller_billing/rendering/fpdf_fonts.py"


def test_fpdf2_is_the_pinned_version():
    pins = re.findall(r"^fpdf2==(\S+)\s*$", REQUIREMENTS.read_text(), flags=re.MULTILINE)
    assert len(pins) == 1, f"{REQUIREMENTS.relative_to(ROOT)} should pin fpdf2 exactly once"
    assert fpdf.__version__ == pins[0], (
        f"fpdf2 {fpdf.__version__} is installed, {pins[0]} is pinned. {GLUE} reaches into fpdf2 internals "
        "(TTFFont, SubsetMap, OutputProducer._add_fonts): check it against the new version, render "
        "`make sample-invoice` and run tests/unit/rendering before changing the pin."
    )
