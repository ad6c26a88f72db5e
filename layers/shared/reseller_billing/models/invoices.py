"""Invoices: as the API shows them, and as stored (with the canonical document, the state of issuing and
the artefacts in S3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, PlainSerializer

from reseller_billing.billing import model as billing
from reseller_billing.billing.credit_notes import CreditStatus
from reseller_billing.billing.model import LineKind
from reseller_billing.models.common import OutputModel, Timestamp
from reseller_billing.models.invoice_document import BilledCustomer, InvoiceDocument, Issuer, Payment, TaxCategory
from reseller_billing.models.usage import CycleUsage

DecimalOut = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class ArtifactInfo(OutputModel):
    sha256: str
    size: int


class InvoiceLine(OutputModel):
    product_id: str
    product_code: str
    product_name: str
    kind: LineKind
    quantity: DecimalOut
    unit_price: DecimalOut
    sim_days: int | None = Field(description="MRC only: the SIMs' active days in the cycle, added up")
    cycle_days: int | None = Field(description="MRC only: the days the fee is prorated over")
    amount: DecimalOut


class Invoice(OutputModel):
    """An issued invoice, or a preview (`id` and `invoice_number` null, nothing stored)."""

    id: str | None
    invoice_number: str | None
    account_id: str
    customer_id: str
    currency: str
    billing_date: date
    issue_date: date
    due_date: date
    cycle_start: date
    cycle_end: date
    issuer: Issuer
    customer: BilledCustomer
    lines: list[InvoiceLine]
    net_total: DecimalOut
    vat_rate: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    tax_category: TaxCategory
    tax_wording: str | None
    payment: Payment
    footer: str | None
    artifacts: dict[str, ArtifactInfo] = Field(description="pdf, json, csv, xml: those the reseller's profile asks for")
    issued_at: Timestamp | None = None
    status: CreditStatus | None = Field(
        default=None,
        description="ISSUED, PARTIALLY_CREDITED or CREDITED (every line fully credited); null on a preview",
    )
    credited_total: DecimalOut | None = Field(
        default=None, description="The sum of its credit notes' gross_total; null on a preview"
    )
    replaces_invoice_id: str | None = Field(
        default=None, description="On a replacement invoice: the fully credited invoice of the cycle it replaces"
    )

    @classmethod
    def of(cls, doc: InvoiceDocument, artifacts: dict[str, ArtifactInfo], issued_at: datetime | None = None) -> Invoice:
        """The invoice a document describes; a document without a number is a preview."""
        return cls(
            id=doc.id if doc.invoice_number else None,
            invoice_number=doc.invoice_number,
            account_id=doc.issuer.account_id,
            customer_id=doc.customer.id,
            currency=doc.currency,
            billing_date=doc.billing_date,
            issue_date=doc.issue_date,
            due_date=doc.due_date,
            cycle_start=doc.cycle_start,
            cycle_end=doc.cycle_end,
            issuer=doc.issuer,
            customer=doc.customer,
            lines=[InvoiceLine.model_validate(line.model_dump()) for line in doc.lines],
            net_total=doc.net_total,
            vat_rate=doc.vat_rate,
            vat_amount=doc.vat_amount,
            gross_total=doc.gross_total,
            tax_category=doc.tax_category,
            tax_wording=doc.tax_wording,
            payment=doc.payment,
            footer=doc.footer,
            artifacts=artifacts,
            issued_at=issued_at,
        )


class ArtifactLink(OutputModel):
    url: str
    expires_at: Timestamp


class InvoiceState(StrEnum):
    """NUMBERED once its number is allocated (with the reseller's counter, in one transaction); ISSUED
    once its artefacts are stored. Only ISSUED invoices are listed and read through the API."""

    NUMBERED = "NUMBERED"
    ISSUED = "ISSUED"


class StoredArtifact(OutputModel):
    """An artefact in S3: its key, and the SHA-256 and size S3 verified on upload."""

    key: str
    sha256: str
    size: int
    content_type: str


class InvoiceRecord(OutputModel):
    """An invoice as stored: its canonical document and how far issuing it got."""

    id: str
    account_id: str
    customer_id: str
    run_id: str
    invoice_number: str
    state: InvoiceState
    document: InvoiceDocument
    artifacts: dict[str, StoredArtifact] = Field(default_factory=dict)
    event_published: bool = False
    created_at: datetime
    issued_at: datetime | None = None
    # What its credit notes credited (per line, VAT, gross), and the version those moved with.
    credited_lines: tuple[Decimal, ...] | None = None
    credited_vat: Decimal = Decimal(0)
    credited_total: Decimal = Decimal(0)
    credit_status: CreditStatus = CreditStatus.ISSUED
    credit_version: int = 0
    replaces_invoice_id: str | None = None

    @property
    def cycle_start(self) -> date:
        return self.document.cycle_start

    def as_invoice(self) -> Invoice:
        artifacts = {name: ArtifactInfo(sha256=a.sha256, size=a.size) for name, a in self.artifacts.items()}
        invoice = Invoice.of(self.document, artifacts, self.issued_at)
        return invoice.model_copy(
            update={
                "status": self.credit_status,
                "credited_total": self.credited_total,
                "replaces_invoice_id": self.replaces_invoice_id,
            }
        )


@dataclass
class CustomerBillingData:
    """What one customer's invoice for a cycle is computed from: its invoice for the cycle if one exists
    (the latest replacement, if any), whether a full credit reopened the cycle for it, its SIMs, and its
    usage totals in the cycle."""

    invoice: InvoiceRecord | None
    reopened: bool = False
    sims: list[billing.Sim] = field(default_factory=list)
    usage: list[CycleUsage] = field(default_factory=list)
