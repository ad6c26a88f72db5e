"""The canonical invoice: what `invoice.json` holds, what the PDF and CSV are rendered from.

Versioned: `schemas/invoice-<version>.schema.json` is generated from this model and published in the
repo; a change to the shape bumps SCHEMA_VERSION, and the schemas of earlier versions stay, for the
invoices issued under them (1.0 had no billing_date and due_date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reseller_billing.billing.model import LineKind
from reseller_billing.models.customers import DocumentLocale, TaxTreatment

SCHEMA_VERSION = "2.0"


class TaxCategory(StrEnum):
    """The VAT category of the invoice's lines (EN 16931 BT-151, UNTDID 5305): from the customer's
    `tax_treatment` and `vat_rate`."""

    STANDARD = "S"  # STANDARD, vat_rate above 0
    ZERO_RATED = "Z"  # STANDARD, vat_rate 0
    REVERSE_CHARGE = "AE"
    EXEMPT = "E"


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class InvoiceAddress(_Document):
    """A postal address as the invoice shows it (named apart from the API's input `Address`, which the
    OpenAPI document would otherwise merge it with)."""

    line1: str
    line2: str | None = None
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2")


class Issuer(_Document):
    """The reseller, who issues the invoice to its customer: its account name, and the details its profile's
    `issuer` gives (all null when the profile has none)."""

    account_id: str
    name: str
    legal_name: str | None = Field(description="The seller's legal name; the PDF prints the account name without it")
    address: InvoiceAddress | None
    vat_id: str | None
    registration_number: str | None
    email: str | None
    peppol_id: str | None


class BilledCustomer(_Document):
    id: str
    customer_number: str
    name: str
    email: str
    address: InvoiceAddress
    vat_id: str | None
    tax_treatment: TaxTreatment
    tax_exemption_reason: str | None
    locale: DocumentLocale = Field(description="The language of the PDF; JSON and CSV are locale-neutral")
    peppol_id: str | None


class Payment(_Document):
    terms_days: int = Field(description="Days from issue_date to due_date")
    iban: str | None
    bic: str | None
    reference: str | None = Field(description="What to quote when paying: the invoice number (null on a preview)")


class DocumentLine(_Document):
    product_id: str
    product_code: str
    product_name: str
    kind: LineKind
    quantity: Decimal = Field(description="SIMs charged (MRC), SIMs activated (ACTIVATION), units (OVERAGE_*)")
    unit_price: Decimal = Field(
        description="MRC: the fee per SIM and month (the tier's fee where tiers apply); ACTIVATION: the "
        "activation fee; OVERAGE_*: the price per unit"
    )
    sim_days: int | None = Field(description="MRC only: the SIMs' active days in the cycle, added up")
    cycle_days: int | None = Field(description="MRC only: the days the fee is prorated over (the cycle's, or L)")
    amount: Decimal = Field(
        description="Rounded half-up once to the currency's minor unit; MRC: unit_price × sim_days / cycle_days"
    )


class SimDetail(_Document):
    """One SIM's share of a line; `amount` is unrounded (up to 6 decimals), lines round their exact sum."""

    iccid: str
    product_id: str
    kind: LineKind
    active_days: int
    quantity: Decimal
    amount: Decimal


class InvoiceDocument(_Document):
    schema_version: Literal["2.0"] = "2.0"
    id: str
    invoice_number: str | None = Field(description="Null on a preview")
    issuer: Issuer
    customer: BilledCustomer
    currency: str
    billing_date: date = Field(description="The run date: the day after the cycle ends")
    issue_date: date = Field(
        description="The UTC date the invoice received its number (a preview: today); YYYY in the number is its year"
    )
    due_date: date = Field(description="issue_date + the reseller's payment_terms_days")
    cycle_start: date
    cycle_end: date
    lines: tuple[DocumentLine, ...]
    net_total: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    gross_total: Decimal
    tax_category: TaxCategory
    tax_wording: str | None = Field(
        description="What the invoice states about VAT: the reverse-charge mention in the customer's language, "
        "or the exemption reason; null when VAT is charged (S) or zero-rated (Z)"
    )
    payment: Payment
    footer: str | None = Field(description="The reseller's invoice footer")
    sims: tuple[SimDetail, ...] = Field(description="Per-SIM detail, by ICCID")

    def numbered(self, number: str) -> InvoiceDocument:
        """The document with its invoice number, which is also the payment reference."""
        payment = self.payment.model_copy(update={"reference": number})
        return self.model_copy(update={"invoice_number": number, "payment": payment})
