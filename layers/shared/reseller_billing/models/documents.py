"""The documents report: a reseller's issued invoices and credit notes of a period, as its accounting
imports them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from reseller_billing.models.common import OutputModel
from reseller_billing.models.invoices import DecimalOut


class DocumentType(StrEnum):
    INVOICE = "INVOICE"
    CREDIT_NOTE = "CREDIT_NOTE"


class AccountingDocument(OutputModel):
    """An issued invoice or credit note. Amounts are as the document states them, positive: `type` says
    whether they are owed (INVOICE) or taken off (CREDIT_NOTE)."""

    type: DocumentType
    id: str
    number: str
    issue_date: date
    customer_id: str
    currency: str
    net_total: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    invoice_id: str | None = Field(
        description="A credit note: the invoice it credits; a replacement invoice: the invoice it replaces"
    )
