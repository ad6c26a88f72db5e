"""A reseller's customers: API input and output."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from reseller_billing.models.common import InputModel, Name, PatchModel, Percent, PlainText, Resource

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_VAT_ID_FORM = re.compile(r"^[A-Z]{2}[A-Z0-9]{2,20}$")
_PEPPOL_ID = re.compile(r"^([0-9]{4}|[A-Z]{2}):([A-Za-z0-9][A-Za-z0-9.:_/+-]{0,124})$")
# Schemes whose identifiers python-stdnum can check (CEF EAS code -> stdnum module); others are checked for
# their form only. 0208 is the Belgian enterprise number, the digits of the Belgian VAT number.
_PEPPOL_SCHEME_CHECKS = {
    "0002": "stdnum.fr.siren",
    "0007": "stdnum.se.orgnr",
    "0009": "stdnum.fr.siret",
    "0088": "stdnum.ean",
    "0192": "stdnum.no.orgnr",
    "0208": "stdnum.be.vat",
    "9925": "stdnum.eu.vat",
    "9930": "stdnum.eu.vat",
    "9957": "stdnum.eu.vat",
}


def _country(value: str) -> str:
    if value not in _iso_countries():
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as DE or PL")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address")
    return value


def _vat_id(value: Any) -> str:
    """A VAT identifier with its country prefix, checked and compacted by python-stdnum.

    EU member states (prefix EL for Greece, XI for Northern Ireland) through `stdnum.eu.vat`, any other
    country with a VAT module in python-stdnum (GB, CH, NO, ...) through that module. A country python-stdnum
    has no VAT module for is taken as written: its prefix must be an ISO 3166 country, the rest 2-20 letters
    and digits (EN 16931 asks only for the prefix, BR-CO-09)."""
    if not isinstance(value, str):
        raise ValueError("must be a string")
    from stdnum.eu import vat as eu_vat  # python-stdnum: only where a VAT id is validated
    from stdnum.exceptions import ValidationError
    from stdnum.util import get_cc_module

    text = re.sub(r"[\s.\-/]", "", value).upper()
    prefix = text[:2]
    try:
        if prefix.lower() in eu_vat.MEMBER_STATES or prefix == "EL":
            return str(eu_vat.validate(text))
        module = get_cc_module(prefix.lower(), "vat") if prefix.isalpha() else None
        if module is not None:
            number = str(module.validate(text))
            return number if number.startswith(prefix) else prefix + number
    except ValidationError as error:
        raise ValueError(f"is not a valid {prefix} VAT identifier ({error})") from None
    if not _VAT_ID_FORM.match(text) or prefix not in _iso_countries():
        raise ValueError("must be a VAT identifier with its country prefix, such as DE136695976")
    return text


def _peppol_id(value: str) -> str:
    match = _PEPPOL_ID.match(value)
    if match is None:
        raise ValueError("must be a Peppol participant id `scheme:identifier`, such as 0208:0123456749")
    scheme, identifier = match.groups()
    # The e-invoice model's dataclasses cost every API handler's cold start: loaded where a Peppol id is checked.
    from reseller_billing.einvoice.model import ELECTRONIC_ADDRESS_SCHEMES, EMAIL_SCHEME

    if scheme not in ELECTRONIC_ADDRESS_SCHEMES or scheme == EMAIL_SCHEME:
        raise ValueError(f"scheme {scheme} is not a code of the CEF electronic address scheme list")
    module_name = _PEPPOL_SCHEME_CHECKS.get(scheme)
    if module_name is not None:
        from stdnum.exceptions import ValidationError

        try:
            importlib.import_module(module_name).validate(identifier)
        except ValidationError as error:
            raise ValueError(f"{identifier} is not a valid identifier of scheme {scheme} ({error})") from None
    return value


@cache
def _iso_countries() -> frozenset[str]:
    import iso3166  # ~18 ms at import: only where a country is validated

    return frozenset(iso3166.countries_by_alpha2)


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email), PlainText]
VatId = Annotated[
    str,
    BeforeValidator(_vat_id),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 40,
            "examples": ["DE136695976"],
            "description": "VAT identifier with its country prefix; checked by country (check digits where the "
            "country has them) and stored compacted",
        }
    ),
]
PeppolId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=130),
    AfterValidator(_peppol_id),
    WithJsonSchema(
        {"type": "string", "pattern": _PEPPOL_ID.pattern, "examples": ["0208:0123456749"], "maxLength": 130}
    ),
]
ExemptionReason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PlainText]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_country)]
CustomerNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")]


class TaxTreatment(StrEnum):
    """How VAT applies to the customer's invoices: at its `vat_rate` (STANDARD), not charged because the
    customer accounts for it (REVERSE_CHARGE, needs `vat_id`), or exempt (EXEMPT, needs a reason)."""

    STANDARD = "STANDARD"
    REVERSE_CHARGE = "REVERSE_CHARGE"
    EXEMPT = "EXEMPT"


class DocumentLocale(StrEnum):
    """The language of the customer's PDF documents (labels, dates and numbers)."""

    EN = "en"
    DE = "de"
    FR = "fr"


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class Address(InputModel):
    line1: Name
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), PlainText] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), PlainText]
    city: Name
    country: CountryCode


class CustomerCreate(InputModel):
    customer_number: CustomerNumber
    name: Name
    email: Email
    address: Address
    vat_rate: Percent = Decimal("0")
    vat_id: VatId | None = None
    tax_treatment: TaxTreatment = TaxTreatment.STANDARD
    tax_exemption_reason: ExemptionReason | None = None
    locale: DocumentLocale = DocumentLocale.EN
    peppol_id: PeppolId | None = None


class CustomerUpdate(PatchModel):
    """PATCH: the fields present change. `status` suspends, resumes or closes the customer. `vat_id`,
    `tax_exemption_reason` and `peppol_id` are removed with null."""

    clearable: ClassVar[frozenset[str]] = frozenset({"vat_id", "tax_exemption_reason", "peppol_id"})

    name: Name | None = None
    email: Email | None = None
    address: Address | None = None
    vat_rate: Percent | None = None
    status: CustomerStatus | None = None
    vat_id: VatId | None = None
    tax_treatment: TaxTreatment | None = None
    tax_exemption_reason: ExemptionReason | None = None
    locale: DocumentLocale | None = None
    peppol_id: PeppolId | None = None


class Customer(Resource):
    account_id: str
    customer_number: str
    name: str
    email: str
    address: Address
    vat_rate: Percent
    status: CustomerStatus
    vat_id: str | None = None
    tax_treatment: TaxTreatment = TaxTreatment.STANDARD
    tax_exemption_reason: str | None = None
    locale: DocumentLocale = DocumentLocale.EN
    peppol_id: str | None = None


class BillableCustomer(BaseModel):
    """A customer as a billing run sends it to invoicing: with its SIM count, which chooses its lane."""

    model_config = ConfigDict(frozen=True)

    customer: Customer
    sims: int


def tax_rule_violations(
    vat_rate: Decimal, vat_id: str | None, tax_treatment: TaxTreatment, tax_exemption_reason: str | None
) -> Iterator[tuple[str, str]]:
    """The customer's tax fields that contradict each other, as (field, why): REVERSE_CHARGE needs a
    `vat_id`, EXEMPT a `tax_exemption_reason`; both charge no VAT, so a `vat_rate` other than zero is
    refused; a reason belongs to EXEMPT only."""
    if tax_treatment is not TaxTreatment.STANDARD and vat_rate != 0:
        yield "vat_rate", f"must be 0 with tax_treatment {tax_treatment}: no VAT is charged"
    if tax_treatment is TaxTreatment.REVERSE_CHARGE and vat_id is None:
        yield "vat_id", "required with tax_treatment REVERSE_CHARGE: the invoice shows both parties' VAT ids"
    if tax_treatment is TaxTreatment.EXEMPT and tax_exemption_reason is None:
        yield "tax_exemption_reason", "required with tax_treatment EXEMPT: the invoice states why"
    if tax_treatment is not TaxTreatment.EXEMPT and tax_exemption_reason is not None:
        yield "tax_exemption_reason", "only with tax_treatment EXEMPT"
