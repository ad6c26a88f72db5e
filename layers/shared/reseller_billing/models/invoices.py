"""Invoices and billing runs as the API shows them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import Field, PlainSerializer

from reseller_billing.billing.model import LineKind
from reseller_billing.models.common import InputModel, IsoDate, OutputModel, Resource, Timestamp

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
    amount: DecimalOut


class Invoice(OutputModel):
    """An issued invoice, or a preview (`id` and `invoice_number` null, nothing stored)."""

    id: str | None
    invoice_number: str | None
    account_id: str
    customer_id: str
    currency: str
    issue_date: date
    cycle_start: date
    cycle_end: date
    lines: list[InvoiceLine]
    net_total: DecimalOut
    vat_rate: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    artifacts: dict[str, ArtifactInfo] = Field(description="pdf, json, csv: those the reseller's profile asks for")
    issued_at: Timestamp | None = None


class ArtifactLink(OutputModel):
    url: str
    expires_at: Timestamp


class BillingRunRequest(InputModel):
    run_date: IsoDate = Field(description="The reseller's billing-cycle day; bills the cycle that ended the day before")


class BillingRunStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_FAILURES = "COMPLETED_WITH_FAILURES"


class BillingRun(Resource):
    account_id: str
    run_date: date
    cycle_start: date
    cycle_end: date
    trigger: str
    status: BillingRunStatus
    customers: int
    issued: int
    skipped: int
    failed: int


class InvoiceIssued(OutputModel):
    """Detail of the `InvoiceIssued` event on EventBridge (source `reseller-billing`)."""

    invoice_id: str
    invoice_number: str
    account_id: str
    customer_id: str
    currency: str
    issue_date: date
    cycle_start: date
    cycle_end: date
    net_total: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    artifacts: dict[str, ArtifactInfo]
    issued_at: datetime
