"""Accounts and their reseller profiles: API input and output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BeforeValidator, Field, StrictBool, StringConstraints, WithJsonSchema, model_validator

from reseller_billing.billing.cycles import CycleDayChange, CycleSchedule
from reseller_billing.models.common import (
    CurrencyCode,
    CycleDay,
    InputModel,
    Name,
    OutputModel,
    PatchModel,
    PlainText,
    Resource,
    Versioned,
    whole_number,
)
from reseller_billing.models.customers import Address, Email, PeppolId, VatId


class AccountType(StrEnum):
    STANDARD = "STANDARD"
    RESELLER = "RESELLER"


class InvoiceType(StrEnum):
    RAW = "RAW"
    PDF = "PDF"
    BOTH = "BOTH"

    @property
    def artifact_names(self) -> tuple[str, ...]:
        """Artefacts each customer invoice gets: RAW = invoice.json + invoice.csv, PDF = invoice.pdf."""
        return {"RAW": ("json", "csv"), "PDF": ("pdf",), "BOTH": ("pdf", "json", "csv")}[self.value]


class EInvoiceFormat(StrEnum):
    """The structured e-invoice (artefact `xml`) each invoice gets besides what `customer_invoice_type` asks."""

    NONE = "NONE"
    UBL = "UBL"  # UBL 2.1 following Peppol BIS Billing 3.0
    FACTUR_X = "FACTUR_X"  # Cross Industry Invoice, Factur-X profile EN 16931; PDFs become PDF/A-3 hybrids


def _iban(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    from stdnum import iban  # python-stdnum: only where an IBAN is validated
    from stdnum.exceptions import ValidationError

    try:
        return str(iban.validate(value))
    except ValidationError as error:
        raise ValueError(f"is not a valid IBAN ({error})") from None


def _bic(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    from stdnum import bic
    from stdnum.exceptions import ValidationError

    try:
        return str(bic.validate(value))
    except ValidationError as error:
        raise ValueError(f"is not a valid BIC: 8 or 11 characters, bank, ISO country, location ({error})") from None


Iban = Annotated[
    str,
    BeforeValidator(_iban),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 42,
            "examples": ["DE89370400440532013000"],
            "description": "ISO 13616 IBAN; its check digits are verified; stored without spaces",
        }
    ),
]
Bic = Annotated[
    str,
    BeforeValidator(_bic),
    WithJsonSchema({"type": "string", "minLength": 8, "maxLength": 14, "examples": ["COBADEFFXXX"]}),
]
FreeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500), PlainText]


class IssuerDetails(InputModel):
    """The reseller as seller on its invoices (EU VAT Directive art. 226): printed on every document, and
    the seller of its e-invoices (`peppol_id` its electronic address there; else its `email`)."""

    legal_name: Name
    address: Address
    vat_id: VatId | None = None
    registration_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), PlainText] | None
    ) = None
    email: Email | None = None
    peppol_id: PeppolId | None = None


class BankAccount(InputModel):
    """Where customers pay: printed on every invoice and carried as payment instructions in e-invoices."""

    iban: Iban
    bic: Bic | None = None


PaymentTermsDays = Annotated[int, Field(strict=True, ge=0, le=120), BeforeValidator(whole_number)]


class ResellerProfile(InputModel):
    """The profile as an operator sets it. `billing_cycle_day` is the day set last: a change takes effect
    after the cycle running on the day it is made (docs/billing-rules.md)."""

    customer_invoice_creation: StrictBool
    customer_invoice_type: InvoiceType
    billing_cycle_day: CycleDay
    invoice_number_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,12}$")] = "INV-"
    credit_note_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,12}$")] = "CN-"
    issuer: IssuerDetails | None = None
    payment_terms_days: PaymentTermsDays = Field(
        default=30, description="Days from an invoice's issue date to its due date"
    )
    bank_account: BankAccount | None = None
    invoice_footer: FreeText | None = None
    e_invoice_format: EInvoiceFormat = EInvoiceFormat.NONE

    @property
    def artifact_names(self) -> tuple[str, ...]:
        """Every artefact each customer invoice gets: `customer_invoice_type`'s, and `xml` with an e-invoice."""
        names = self.customer_invoice_type.artifact_names
        return names if self.e_invoice_format is EInvoiceFormat.NONE else (*names, "xml")


class CycleDayEntry(OutputModel):
    """One entry of `billing_cycle_history`."""

    billing_cycle_day: int
    effective_from: date | None = Field(
        description="The first day of the transition cycle into this day; null for the first entry"
    )


class ResellerProfileState(ResellerProfile):
    """The profile as stored and shown: what was set, and the billing-cycle days in force over time."""

    billing_cycle_history: list[CycleDayEntry]

    @classmethod
    def first(cls, profile: ResellerProfile) -> ResellerProfileState:
        """A new reseller's profile: its cycle day has governed since ever."""
        history = [CycleDayEntry(billing_cycle_day=profile.billing_cycle_day, effective_from=None)]
        return cls(**profile.model_dump(), billing_cycle_history=history)

    @property
    def schedule(self) -> CycleSchedule:
        """Every cycle of the reseller, past and future, from its history."""
        return CycleSchedule(
            tuple(CycleDayChange(e.billing_cycle_day, e.effective_from) for e in self.billing_cycle_history)
        )

    def replaced_by(self, profile: ResellerProfile, today: date) -> ResellerProfileState:
        """The profile after a PUT of `profile` on `today`: another cycle day is added to the history (or
        replaces the one pending), taking effect after the cycle that contains today."""
        history = self.billing_cycle_history
        if profile.billing_cycle_day != self.billing_cycle_day:
            history = [
                CycleDayEntry(billing_cycle_day=c.billing_cycle_day, effective_from=c.effective_from)
                for c in self.schedule.changed(profile.billing_cycle_day, today)
            ]
        return ResellerProfileState(**profile.model_dump(), billing_cycle_history=history)

    def settings(self) -> ResellerProfile:
        """What an operator set, without the history."""
        return ResellerProfile.model_validate(self.model_dump(exclude={"billing_cycle_history"}))


class AccountCreate(InputModel):
    name: Name
    type: AccountType
    currency: CurrencyCode
    bill_cycle_day: CycleDay
    reseller_profile: ResellerProfile | None = None

    @model_validator(mode="after")
    def _profile_matches_type(self) -> Self:
        if self.type is AccountType.RESELLER and self.reseller_profile is None:
            raise ValueError("a RESELLER account needs a reseller_profile")
        if self.type is AccountType.STANDARD and self.reseller_profile is not None:
            raise ValueError("a STANDARD account has no reseller_profile")
        return self


class AccountUpdate(PatchModel):
    """PATCH: the fields present change; `type` converts STANDARD<->RESELLER."""

    name: Name | None = None
    bill_cycle_day: CycleDay | None = None
    type: AccountType | None = None
    reseller_profile: ResellerProfile | None = None

    @model_validator(mode="after")
    def _profile_only_with_conversion(self) -> Self:
        if self.reseller_profile is not None and self.type is not AccountType.RESELLER:
            raise ValueError("reseller_profile is only accepted with type RESELLER (use PUT .../reseller-profile)")
        if self.type is AccountType.STANDARD and "reseller_profile" in self.model_fields_set:
            raise ValueError("a STANDARD account has no reseller_profile")
        return self


class Account(Resource):
    name: str
    type: AccountType
    currency: str
    bill_cycle_day: int
    reseller_profile: ResellerProfileState | None


class ResellerProfileOut(ResellerProfileState):
    account_id: str


@dataclass(frozen=True, slots=True)
class VersionedAccount(Versioned[Account]):
    """An account with its version (its ETag) and its reseller profile's own version (the profile's ETag)."""

    profile_version: int = 0
