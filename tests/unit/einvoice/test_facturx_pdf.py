"""The Factur-X PDF: the CII reads back unchanged, the PDF/A-3 parts are there, and the bytes are stable."""

from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import facturx  # type: ignore[import-untyped]
import pytest
from fpdf import FPDF
from pypdf import PdfReader

from reseller_billing.einvoice.cii import to_cii
from reseller_billing.einvoice.facturx_pdf import FACTURX_FILENAME, embed_facturx
from tests.unit.einvoice.documents import credit_note, standard_invoice


def invoice_pdf(file_id: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2026, 11, 5, tzinfo=UTC))
    if not file_id:
        pdf.file_id = lambda: None  # type: ignore[method-assign]
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text="Invoice INV-2026-000042")
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def cii() -> bytes:
    return to_cii(standard_invoice())


@pytest.fixture(scope="module")
def hybrid(cii) -> bytes:
    return embed_facturx(invoice_pdf(), cii)


def test_the_embedded_xml_reads_back_unchanged(hybrid, cii):
    filename, xml = facturx.get_xml_from_pdf(hybrid, check_xsd=True)

    assert filename == FACTURX_FILENAME
    assert xml == cii


def test_the_same_input_gives_the_same_bytes(hybrid, cii):
    assert embed_facturx(invoice_pdf(), cii) == hybrid


def test_the_pdf_declares_pdfa_3b_and_the_factur_x_en16931_profile(hybrid):
    reader = PdfReader(BytesIO(hybrid))
    xmp = reader.xmp_metadata
    assert xmp is not None
    xmp_text = xmp.stream.get_data().decode()

    assert reader.pdf_header == "%PDF-1.7"
    assert "<pdfaid:part>3</pdfaid:part>" in xmp_text
    assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp_text
    assert "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>" in xmp_text
    assert "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>" in xmp_text
    assert "<xmp:CreateDate>2026-11-05T00:00:00+00:00</xmp:CreateDate>" in xmp_text
    info = reader.metadata
    assert info is not None
    assert info.creation_date_raw == info.modification_date_raw == "D:20261105000000+00'00'"
    assert info.title == "Nordwind IoT GmbH: Invoice INV-2026-000042"
    assert f'<rdf:li xml:lang="x-default">{info.title}</rdf:li>' in xmp_text


def test_the_xml_is_an_associated_file_and_srgb_the_output_intent(hybrid):
    catalog: Any = PdfReader(BytesIO(hybrid)).root_object
    filespec = catalog["/AF"][0].get_object()
    intent = catalog["/OutputIntents"][0].get_object()

    assert filespec["/AFRelationship"] == "/Data"
    assert filespec["/UF"] == filespec["/F"] == FACTURX_FILENAME
    assert filespec["/EF"]["/F"].get_object()["/Subtype"] == "/text/xml"
    assert intent["/S"] == "/GTS_PDFA1"
    assert intent["/DestOutputProfile"].get_object()["/N"] == 3


def test_a_credit_note_gets_its_own_title():
    reader = PdfReader(BytesIO(embed_facturx(invoice_pdf(), to_cii(credit_note()))))

    assert reader.metadata is not None
    assert reader.metadata.title == "Nordwind IoT GmbH: Credit note CN-2026-000007"


def test_a_pdf_without_file_identifier_is_refused(cii):
    with pytest.raises(ValueError, match="file identifier"):
        embed_facturx(invoice_pdf(file_id=False), cii)
