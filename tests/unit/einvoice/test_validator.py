"""The validator fails documents that break the rules, so a passing report means something."""

import pytest

from infra.einvoice.validate import NotAnEInvoiceError, detect_syntax, main
from reseller_billing.einvoice.cii import to_cii
from reseller_billing.einvoice.ubl import to_ubl
from tests.unit.einvoice.documents import standard_invoice


def tampered(xml: bytes, old: str, new: str) -> bytes:
    """`xml` with `old` (which must be there) replaced once by `new`: a document no serialiser would write."""
    text = xml.decode()
    assert old in text
    return text.replace(old, new, 1).encode()


def without(xml: bytes, tag: str) -> bytes:
    """`xml` without the first `tag` element (which must be there)."""
    start, end = xml.index(f"<{tag}>".encode()), xml.index(f"</{tag}>".encode()) + len(f"</{tag}>")
    return xml[:start] + xml[end:]


def rules(findings):
    return {finding.rule for finding in findings}


def test_wrong_payable_amount_is_a_fatal_error_in_ubl(validate):
    xml = tampered(
        to_ubl(standard_invoice()), '<cbc:PayableAmount currencyID="EUR">', '<cbc:PayableAmount currencyID="EUR">1'
    )

    report = validate(xml)

    assert not report.valid
    assert rules(report.errors) == {"BR-CO-16"}


def test_wrong_payable_amount_is_a_fatal_error_in_cii(validate):
    xml = tampered(to_cii(standard_invoice()), "<ram:DuePayableAmount>", "<ram:DuePayableAmount>1")

    assert rules(validate(xml).errors) == {"BR-CO-16"}


def test_missing_seller_vat_id_is_a_fatal_error_in_ubl(validate):
    report = validate(without(to_ubl(standard_invoice()), "cac:PartyTaxScheme"))

    assert "BR-S-02" in rules(report.errors)


def test_missing_seller_vat_id_is_a_fatal_error_in_cii(validate):
    report = validate(without(to_cii(standard_invoice()), "ram:SpecifiedTaxRegistration"))

    assert "BR-S-02" in rules(report.errors)


def test_a_schema_violation_is_reported_as_an_xsd_error(validate):
    xml = tampered(to_ubl(standard_invoice()), "<cbc:BuyerReference>", "<cbc:BuyerRef>")
    xml = tampered(xml, "</cbc:BuyerReference>", "</cbc:BuyerRef>")

    assert "XSD" in rules(validate(xml).errors)


def test_syntax_is_detected_from_the_root_element():
    with pytest.raises(NotAnEInvoiceError):
        detect_syntax(b"<Order xmlns='urn:oasis:names:specification:ubl:schema:xsd:Order-2'/>")


def test_cli_exits_0_for_a_valid_file_and_1_naming_the_rule_for_an_invalid_one(validate, tmp_path, capsys):
    valid, invalid = tmp_path / "valid.xml", tmp_path / "invalid.xml"
    valid.write_bytes(to_ubl(standard_invoice()))
    invalid.write_bytes(tampered(to_cii(standard_invoice()), "<ram:DuePayableAmount>", "<ram:DuePayableAmount>1"))

    assert main([str(valid)]) == 0
    assert main([str(valid), str(invalid)]) == 1
    out = capsys.readouterr().out
    assert f"{valid}: UBL Invoice: valid (0 errors, 0 warnings)" in out
    assert "error [BR-CO-16]" in out
