import hashlib
import io
import logging
import subprocess
import sys
from decimal import Decimal
from typing import cast

import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF
from pypdf import PageObject, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from reseller_billing.rendering.fpdf_fonts import FONT_DIR
from reseller_billing.rendering.pdf import render_pdf
from tests.unit.rendering.conftest import CUSTOMER_NAME


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def page_fonts(page: PageObject) -> list[DictionaryObject]:
    resources = cast(DictionaryObject, page["/Resources"].get_object())
    fonts = cast(DictionaryObject, resources["/Font"].get_object())
    return [cast(DictionaryObject, font.get_object()) for font in fonts.values()]


def embedded_fonts(pdf: bytes) -> dict[str, bytes]:
    """Each embedded font program, by base font name."""
    programs = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page_fonts(page):
            if "/DescendantFonts" in font:
                cid_font = cast(DictionaryObject, cast(ArrayObject, font["/DescendantFonts"])[0].get_object())
                descriptor = cast(DictionaryObject, cid_font["/FontDescriptor"].get_object())
                program = cast(StreamObject, descriptor["/FontFile2"].get_object())
                programs[str(font["/BaseFont"])] = program.get_data()
    return programs


def test_pdf_shows_issuer_customer_invoice_facts_and_totals(make_document):
    doc = make_document(vat_rate=Decimal("19"))

    (text,) = pages_text(render_pdf(doc))

    for expected in (
        "Nordlicht IoT GmbH",
        CUSTOMER_NAME,
        "ul. Piotrkowska 104",
        "90-926 Łódź",
        "Poland",
        "C-10042",
        "billing@example.com",
        "Invoice number INV-2026-000042",
        "Issue date 1 Feb 2026",
        "Due date 3 Mar 2026",
        "Billing date 1 Feb 2026",
        "Billing period 1 Jan 2026 – 31 Jan 2026",
        "IOT-EU-003",
        "SMS overage",
        "Code Product Charge Quantity Unit price Amount (EUR)",
        "Net total €123.46",
        "VAT 19% €23.46",
        "Gross total €146.92",
        "Please pay €146.92 by 3 Mar 2026.",
        "Payable within 30 days of the issue date.",
        "Reference INV-2026-000042",
        "Page 1 of 1",
    ):
        assert expected in text
    assert (doc.net_total, doc.vat_amount, doc.gross_total) == (Decimal("123.46"), Decimal("23.46"), Decimal("146.92"))


def test_a_line_shows_quantity_unit_price_and_amount_and_mrc_its_sim_days(make_document):
    doc = make_document(line_count=2)

    (text,) = pages_text(render_pdf(doc))

    mrc, _activation = doc.lines
    assert (mrc.unit_price, mrc.sim_days, mrc.cycle_days, mrc.amount) == (Decimal("6.175"), 62, 31, Decimal("12.35"))
    assert "Monthly fee per SIM\n62 SIM-days / 31 days\n10 6.175 12.35" in text
    assert "Activation fee per SIM 11 6.1725 24.69" in text


def test_pdf_groups_thousands_and_keeps_the_currency_digits(make_document):
    doc = make_document(line_count=30, currency="BHD", vat_rate=Decimal("7.5"))

    text = "\n".join(pages_text(render_pdf(doc)))

    assert doc.net_total == Decimal("5740.425")
    assert "Net total BHD5,740.425" in text
    assert f"VAT 7.5% BHD{doc.vat_amount}" in text
    assert f"Gross total BHD{doc.gross_total:,f}" in text


def test_preview_says_preview_instead_of_a_number(make_document):
    (text,) = pages_text(render_pdf(make_document(invoice_number=None)))

    assert "INVOICE PREVIEW" in text
    assert "Invoice PREVIEW" in text


def test_long_invoice_flows_onto_pages_that_repeat_the_table_header(make_document):
    doc = make_document(line_count=200)

    pages = pages_text(render_pdf(doc))

    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "Code Product Charge Quantity Unit price Amount (EUR)" in text
        assert f"Page {number} of {len(pages)}" in text
    assert f"Gross total €{doc.gross_total:,f}" in pages[-1]
    assert "IOT-EU-006" in pages[-1]


def test_rendering_is_deterministic_and_documents_do_not_leak_into_each_other(make_document):
    first = render_pdf(make_document())
    render_pdf(make_document(customer_name="Ωmega Пример", line_count=60))

    assert hashlib.sha256(render_pdf(make_document())).digest() == hashlib.sha256(first).digest()


def test_one_page_invoice_embeds_small_font_subsets(make_document):
    pdf = render_pdf(make_document())

    assert len(pdf) <= 40 * 1024
    fonts = embedded_fonts(pdf)
    assert sorted(name.split("+")[1] for name in fonts) == ["DejaVuSansBold", "DejaVuSansBook"]
    for program in fonts.values():
        font = TTFont(io.BytesIO(program), checkChecksums=2)
        assert font["maxp"].numGlyphs < 100


def test_missing_glyphs_are_logged_not_fatal(make_document, caplog):
    with caplog.at_level(logging.WARNING, logger="reseller_billing.rendering.fpdf_fonts"):
        pdf = render_pdf(make_document(customer_name="株式会社 Nordlicht"))

    assert "Nordlicht" in pages_text(pdf)[0]
    assert "U+682A" in caplog.text


def test_core_font_renders_the_same_page_without_embedding(make_document):
    doc = make_document(customer_name="Müller & Söhne GmbH", city="Köln")

    pdf = render_pdf(doc, font="core")

    (text,) = pages_text(pdf)
    assert "Müller & Söhne GmbH" in text
    assert f"Gross total €{doc.gross_total}" in text
    assert embedded_fonts(pdf) == {}


def test_rendering_package_and_raw_renderers_do_not_import_fpdf():
    code = "import sys, reseller_billing.rendering.raw; assert 'fpdf' not in sys.modules"

    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("currency", ["EUR", "JPY"])
def test_euro_sign_and_other_text_survive_extraction(make_document, currency):
    doc = make_document(currency=currency)
    line = doc.lines[0].model_copy(update={"product_name": "Flat € 5 GB — Ωmega"})

    (text,) = pages_text(render_pdf(doc.model_copy(update={"lines": (line, *doc.lines[1:])})))

    assert "Flat € 5 GB — Ωmega" in text


LONG_NAME = (
    "Fleet Telemetry Flat € 5 GB — Müller & Söhne: Priority Roaming, "
    "Static IP, Private APN, 24/7 Support, Quarterly Reports."
)


def text_runs(page: PageObject) -> list[tuple[float, float, str]]:
    """Each run of text shown on the page: its origin (x, y in points from the bottom left) and its text."""
    runs: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            runs.append((round(tm[4], 2), round(tm[5], 2), text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def string_width_pt(text: str, font: str) -> float:
    pdf = FPDF(unit="pt")
    if font == "core":
        pdf.core_fonts_encoding = "windows-1252"  # as the renderer sets it
        pdf.set_font("helvetica", size=8.5)
    else:
        pdf.add_font("dejavu", "", FONT_DIR / "DejaVuSans.ttf")
        pdf.set_font("dejavu", size=8.5)
    return float(pdf.get_string_width(text))


@pytest.mark.parametrize("font", ["bundled", "core"])
def test_a_long_product_name_wraps_inside_its_cell_and_the_row_grows(make_document, font):
    doc = make_document(customer_name="Müller & Söhne GmbH", city="Köln")
    lines = (doc.lines[0].model_copy(update={"product_name": LONG_NAME}), *doc.lines[1:])

    runs = text_runs(PdfReader(io.BytesIO(render_pdf(doc.model_copy(update={"lines": lines}), font=font))).pages[0])

    assert len(LONG_NAME) == 120
    x_of = {text: x for x, _, text in runs}
    y_of = {text: y for _, y, text in runs}
    product_x, charge_x = x_of["Product"], x_of["Charge"]
    first_row, second_row = y_of["IOT-EU-000"], y_of["IOT-EU-001"]
    name_lines = [(x, y, text) for x, y, text in runs if x == product_x and second_row < y <= first_row]
    assert len(name_lines) >= 3
    assert " ".join(text for _, _, text in name_lines) == LONG_NAME
    assert [y for _, y, _ in name_lines] == sorted((y for _, y, _ in name_lines), reverse=True)
    for x, _, text in name_lines:
        assert x + string_width_pt(text, font) < charge_x
    # The other cells of the row stay at its top; the next row starts below the last line of the name.
    assert name_lines[0][1] == first_row == y_of["Monthly fee per SIM"]
    assert second_row < name_lines[-1][1] - 14
    # Amounts are flush right, in every row.
    right_edges = {
        round(x + string_width_pt(text, font), 1) for x, _, text in runs if text in ("12.35", "24.69", "37.04")
    }
    assert len(right_edges) == 1


def test_rows_are_never_split_across_pages_and_each_page_repeats_the_header(make_document):
    doc = make_document(line_count=90)
    # Every name wraps onto several lines, each word naming its row.
    lines = tuple(
        line.model_copy(update={"product_name": " ".join(f"r{n:02d}w{k:02d}" for k in range(17))})
        for n, line in enumerate(doc.lines)
    )

    pdf = render_pdf(doc.model_copy(update={"lines": lines}))

    pages = pages_text(pdf)
    assert len(pages) > 3
    for n in range(len(lines)):
        words = [f"r{n:02d}w{k:02d}" for k in range(17)]
        (page,) = (text for text in pages if any(word in text for word in words))
        assert all(word in page for word in words), f"row {n} is split across pages"
    for text in pages:
        assert "Code Product Charge Quantity Unit price Amount (EUR)" in text
    # Nothing but the footer runs into the bottom margin of 22 mm.
    for page_object in PdfReader(io.BytesIO(pdf)).pages:
        body = [(y, text) for _, y, text in text_runs(page_object) if not text.startswith(("Page ", "Nordlicht"))]
        assert min(y for y, _ in body) > 22 * 72 / 25.4
