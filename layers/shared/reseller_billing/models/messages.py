"""What the functions send each other: the queue messages and the EventBridge event.

Each is written and read through its model, so the fields a producer writes are the fields a consumer
reads. The JSON on the wire is the models' JSON (decimals as strings, dates as YYYY-MM-DD).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from reseller_billing.models.customers import Customer, DocumentLocale, TaxTreatment
from reseller_billing.models.invoice_document import InvoiceAddress
from reseller_billing.models.invoices import ArtifactInfo, DecimalOut


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FanoutPageMessage(Message):
    """On the fan-out queue: send page `page` of a run's customers, starting after `cursor`."""

    account_id: str
    run_id: str
    page: int
    cursor: str | None


class InvoicedCustomer(Message):
    """The customer as its invoice shows it, taken when the run fans out."""

    id: str
    customer_number: str
    name: str
    email: str
    address: InvoiceAddress
    vat_rate: Decimal
    # Defaults: messages sent before these fields existed are read as before.
    vat_id: str | None = None
    tax_treatment: TaxTreatment = TaxTreatment.STANDARD
    tax_exemption_reason: str | None = None
    locale: DocumentLocale = DocumentLocale.EN
    peppol_id: str | None = None

    @classmethod
    def of(cls, customer: Customer) -> InvoicedCustomer:
        return cls(
            id=customer.id,
            customer_number=customer.customer_number,
            name=customer.name,
            email=customer.email,
            address=InvoiceAddress.model_validate(customer.address.model_dump()),
            vat_rate=customer.vat_rate,
            vat_id=customer.vat_id,
            tax_treatment=customer.tax_treatment,
            tax_exemption_reason=customer.tax_exemption_reason,
            locale=customer.locale,
            peppol_id=customer.peppol_id,
        )


class InvoiceRequestMessage(Message):
    """On the invoice queue: issue the invoice of one customer of one run."""

    account_id: str
    run_id: str
    run_date: date
    customer: InvoicedCustomer
    # The customer's SIMs when it was sent: above LARGE_CUSTOMER_SIMS it goes to the large-invoice queue.
    sims: int = 0


class StockAllocationMessage(Message):
    """On the stock allocation queue: add (the rest of) an allocation's range to the account's stock."""

    account_id: str
    allocation_id: str


class UsageFileMessage(Message):
    """On the usage file queue, next to S3's notifications: go on ingesting a file from its checkpoint."""

    account_id: str
    file_id: str


class InvoiceIssued(Message):
    """Detail of the `InvoiceIssued` event on EventBridge (source `reseller-billing`)."""

    invoice_id: str
    invoice_number: str
    account_id: str
    customer_id: str
    currency: str
    billing_date: date
    issue_date: date
    due_date: date
    cycle_start: date
    cycle_end: date
    net_total: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    artifacts: dict[str, ArtifactInfo]
    issued_at: datetime


class CreditNoteIssued(Message):
    """Detail of the `CreditNoteIssued` event on EventBridge (source `reseller-billing`). Amounts are
    positive: what the credit note takes off the invoice."""

    credit_note_id: str
    credit_note_number: str
    invoice_id: str
    invoice_number: str
    account_id: str
    customer_id: str
    currency: str
    issue_date: date
    net_total: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    artifacts: dict[str, ArtifactInfo]
    issued_at: datetime
