"""The canonical invoice: what `invoice.json` holds, what the PDF and CSV are rendered from.

Versioned: `schemas/invoice-<version>.schema.json` is generated from this model and published in the
repo; a change to the shape bumps SCHEMA_VERSION, and the schemas of earlier versions stay, for the
invoices issued under them (1.0 had no billing_date and due_date).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reseller_billing.billing.model import LineKind

SCHEMA_VERSION = "2.0"


class _Document(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Address(_Document):
    line1: str
    line2: str | None = None
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2")


class Issuer(_Document):
    """The reseller, who issues the invoice to its customer."""

    account_id: str
    name: str


class BilledCustomer(_Document):
    id: str
    customer_number: str
    name: str
    email: str
    address: Address


class DocumentLine(_Document):
    product_id: str
    product_code: str
    product_name: str
    kind: LineKind
    quantity: Decimal = Field(description="SIMs charged (MRC), SIMs activated (ACTIVATION), units (OVERAGE_*)")
    amount: Decimal = Field(description="Rounded half-up once to the currency's minor unit")


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
    sims: tuple[SimDetail, ...] = Field(description="Per-SIM detail, by ICCID")
