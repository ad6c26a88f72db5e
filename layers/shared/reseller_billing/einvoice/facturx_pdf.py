"""A Factur-X hybrid: the invoice PDF made a PDF/A-3 (level B) with its CII XML embedded as `factur-x.xml`.

What the PDF gains here (ISO 19005-3 and Factur-X 1.0): the XML as an associated file (`/AF` on the
catalog, `/AFRelationship /Data`, MIME type, size, checksum and modification date on the embedded file),
XMP metadata declaring PDF/A-3B and the Factur-X extension schema (built by the `factur-x` package), a
document information dictionary that says the same as the XMP, an sRGB output intent (the ICC profile
fpdf2 ships), and a PDF 1.7 header. What it keeps from the input: pages, fonts, the file identifier.
docs/e-invoicing.md lists what a PDF from fpdf2 still has to get right by itself (embedded fonts, no
transparency) for strict PDF/A-3.

Deterministic: every date in the file is the document's issue date, read from the XML, so equal inputs
give equal bytes and an artefact's SHA-256 survives a re-render.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib import resources
from io import BytesIO
from typing import cast

import facturx  # type: ignore[import-untyped]
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from reseller_billing.einvoice.cii import RAM, RSM, UDT
from reseller_billing.einvoice.model import DocumentType

FACTURX_FILENAME = "factur-x.xml"
# The document information dictionary and the XMP must say the same (ISO 19005-3, 6.6.3).
CREATOR_TOOL = "reseller-billing (fpdf2)"
PRODUCER = "pypdf"
_XMP_URN = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#"
_XMP_LEVEL = "EN 16931"
_SRGB = "sRGB IEC61966-2.1"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_NS = {"rsm": RSM, "ram": RAM, "udt": UDT}
_TITLES = {DocumentType.INVOICE: "Invoice", DocumentType.CREDIT_NOTE: "Credit note"}


@dataclass(frozen=True, slots=True)
class _Header:
    number: str
    type: DocumentType
    issue_date: date
    seller: str


def embed_facturx(pdf: bytes, cii_xml: bytes) -> bytes:
    """`pdf` as a PDF/A-3B Factur-X (profile EN 16931) with `cii_xml` embedded as `factur-x.xml`.

    `cii_xml` is what `cii.to_cii` wrote. `pdf` must carry a file identifier (`/ID`; fpdf2 writes one).
    """
    header = _header(cii_xml)
    timestamp = datetime.combine(header.issue_date, time(0), tzinfo=UTC)
    title = f"{header.seller}: {_TITLES[header.type]} {header.number}"
    subject = f"Factur-X {_TITLES[header.type].lower()} {header.number} of {header.issue_date.isoformat()}"
    reader = PdfReader(BytesIO(pdf))
    if reader.trailer.get("/ID") is None:
        raise ValueError("a PDF/A file needs a file identifier (/ID) and this PDF has none")
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = b"%PDF-1.7"
    _attach(writer, cii_xml, timestamp)
    writer.xmp_metadata = _xmp(title=title, author=header.seller, subject=subject, at=timestamp)
    metadata = cast(StreamObject, writer.root_object["/Metadata"].get_object())
    metadata[NameObject("/Type")] = NameObject("/Metadata")
    metadata[NameObject("/Subtype")] = NameObject("/XML")
    pdf_date = timestamp.strftime("D:%Y%m%d%H%M%S+00'00'")
    writer.metadata = {
        "/Title": title,
        "/Author": header.seller,
        "/Subject": subject,
        "/Creator": CREATOR_TOOL,
        "/Producer": PRODUCER,
        "/CreationDate": pdf_date,
        "/ModDate": pdf_date,
    }
    writer.root_object[NameObject("/OutputIntents")] = ArrayObject([_srgb_output_intent(writer)])
    writer.root_object[NameObject("/PageMode")] = NameObject("/UseAttachments")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _header(cii_xml: bytes) -> _Header:
    root = etree.fromstring(cii_xml)

    def text(path: str) -> str:
        found = root.findtext(path, namespaces=_NS)
        if found is None:
            raise ValueError(f"not a Cross Industry Invoice: no {path}")
        return found

    issued = text("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")
    return _Header(
        number=text("rsm:ExchangedDocument/ram:ID"),
        type=DocumentType(text("rsm:ExchangedDocument/ram:TypeCode")),
        issue_date=date(int(issued[:4]), int(issued[4:6]), int(issued[6:8])),
        seller=text("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty/ram:Name"),
    )


def _attach(writer: PdfWriter, cii_xml: bytes, timestamp: datetime) -> None:
    attachment = writer.add_attachment(FACTURX_FILENAME, cii_xml)
    attachment.alternative_name = TextStringObject(FACTURX_FILENAME)  # /UF beside /F
    attachment.description = TextStringObject("Factur-X XML file")
    attachment.associated_file_relationship = NameObject("/Data")
    attachment.subtype = NameObject("/text/xml")
    attachment.size = NumberObject(len(cii_xml))
    attachment.checksum = ByteStringObject(hashlib.md5(cii_xml, usedforsecurity=False).digest())
    attachment.modification_date = timestamp
    filespec = attachment.pdf_object.indirect_reference
    writer.root_object[NameObject("/AF")] = ArrayObject([filespec])


def _xmp(*, title: str, author: str, subject: str, at: datetime) -> bytes:
    metadata = facturx.generate_xmp_object(
        {
            "pdfa3_flavor": "B",
            "title": title,
            "author": author,
            "subject": subject,
            "producer": PRODUCER,
            "creator_tool": CREATOR_TOOL,
            "timestamp": at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "urn": _XMP_URN,
            "documenttype": "INVOICE",  # Factur-X names a credit note's type INVOICE too
            "xml_filename": FACTURX_FILENAME,
            "version": "1.0",
            "xmp_level": _XMP_LEVEL,
        }
    )
    for description in metadata.iter(f"{{{_RDF}}}Description"):
        description.set(f"{{{_RDF}}}about", "")  # XMP wants it on every description, empty for "this file"
    body = etree.tostring(metadata, pretty_print=True, encoding="UTF-8").decode().strip()
    return f'<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n{body}\n<?xpacket end="w"?>'.encode()


def _srgb_output_intent(writer: PdfWriter) -> DictionaryObject:
    profile = DecodedStreamObject()
    profile.set_data(resources.files("fpdf.data.color_profiles").joinpath("sRGB2014.icc").read_bytes())
    profile[NameObject("/N")] = NumberObject(3)
    # pypdf has no public way to add an indirect object; streams must be indirect.
    profile_reference = writer._add_object(profile.flate_encode())
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject(_SRGB),
            NameObject("/Info"): TextStringObject(_SRGB),
            NameObject("/RegistryName"): TextStringObject("http://www.color.org"),
            NameObject("/DestOutputProfile"): profile_reference,
        }
    )
