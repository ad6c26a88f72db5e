"""Credit notes: the request, the canonical document (what `json` holds and the PDF, CSV and e-invoice
show), the API's view, and the stored record with the state of issuing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, StrictInt

from reseller_billing.billing.model import LineKind
from reseller_billing.models.accounts import FreeText
from reseller_billing.models.common import InputModel, Money, OutputModel, Timestamp
from reseller_billing.models.invoice_document import (
    BilledCustomer,
    InvoiceDocument,
    Issuer,
    Payment,
    TaxCategory,
    _Document,
)
from reseller_billing.models.invoices import ArtifactInfo, DecimalOut, InvoiceState, StoredArtifact

MAX_CREDITED_LINES = 1000


class CreditedLineRequest(InputModel):
    line: Annotated[StrictInt, Field(ge=0, description="0-based index in the invoice's `lines`")]
    amount: Money = Field(description="Positive, at most what the line has left to credit, in the currency's digits")


class CreditNoteCreate(InputModel):
    reason: FreeText = Field(description="Why the invoice is corrected, 1-500 characters")
    lines: Annotated[list[CreditedLineRequest], Field(min_length=1, max_length=MAX_CREDITED_LINES)] | None = Field(
        default=None, description="The lines and amounts to credit; absent: what remains of every line (in full)"
    )


class CreditNoteDocumentLine(_Document):
    line: int = Field(description="0-based index in the invoice's lines")
    product_id: str
    product_code: str
    product_name: str
    kind: LineKind
    amount: DecimalOut = Field(description="Credited, a positive amount that reduces the invoice's line")


class CreditedInvoice(_Document):
    id: str
    invoice_number: str
    issue_date: date


class CreditNoteDocument(_Document):
    """The canonical credit note. Amounts are positive: what it takes off the invoice it references."""

    schema_version: Literal["1.0"] = "1.0"
    document_type: Literal["credit_note"] = "credit_note"
    id: str
    credit_note_number: str
    reason: str
    invoice: CreditedInvoice
    issuer: Issuer
    customer: BilledCustomer
    currency: str
    issue_date: date = Field(description="The UTC date the credit note received its number; YYYY in the number")
    cycle_start: date
    cycle_end: date
    lines: tuple[CreditNoteDocumentLine, ...]
    net_total: DecimalOut
    vat_rate: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    tax_category: TaxCategory
    tax_wording: str | None
    footer: str | None

    def as_invoice_document(self, invoice: InvoiceDocument) -> InvoiceDocument:
        """The credit note in the shape of `invoice` (which it credits), for the renderers the two share:
        its number, date, credited lines and totals. A line credited in full keeps the invoice line's
        quantity and price; a part of a line is one unit at the credited amount."""
        lines = []
        for credited in self.lines:
            original = invoice.lines[credited.line]
            if credited.amount == original.amount:
                lines.append(original)
                continue
            # One unit at the credited amount; on MRC one SIM-day of a one-day cycle, so that
            # unit_price x sim_days / cycle_days is still the line's amount.
            mrc = original.kind is LineKind.MRC
            part = {"quantity": Decimal(1), "unit_price": credited.amount, "amount": credited.amount}
            lines.append(
                original.model_copy(update={**part, "sim_days": 1 if mrc else None, "cycle_days": 1 if mrc else None})
            )
        return invoice.model_copy(
            update={
                "id": self.id,
                "invoice_number": self.credit_note_number,
                "issue_date": self.issue_date,
                "due_date": self.issue_date,
                "lines": tuple(lines),
                "net_total": self.net_total,
                "vat_amount": self.vat_amount,
                "gross_total": self.gross_total,
                "payment": Payment(terms_days=0, iban=None, bic=None, reference=self.invoice.invoice_number),
                "sims": (),
            }
        )


class CreditNoteLine(OutputModel):
    line: int
    product_id: str
    kind: LineKind
    amount: DecimalOut


class CreditNote(OutputModel):
    id: str
    credit_note_number: str
    reason: str
    account_id: str
    invoice_id: str
    invoice_number: str
    customer_id: str
    currency: str
    issue_date: date
    lines: list[CreditNoteLine]
    net_total: DecimalOut
    vat_rate: DecimalOut
    vat_amount: DecimalOut
    gross_total: DecimalOut
    artifacts: dict[str, ArtifactInfo] = Field(description="pdf, json, csv, xml: those the reseller's profile asks for")
    created_at: Timestamp
    updated_at: Timestamp = Field(description="When it was issued: a credit note never changes after that")
    issued_at: Timestamp | None


class CreditNoteRecord(OutputModel):
    """A credit note as stored: NUMBERED in the transaction that credits the invoice, ISSUED once its
    artefacts are stored."""

    id: str
    account_id: str
    customer_id: str
    invoice_id: str
    credit_note_number: str
    state: InvoiceState
    document: CreditNoteDocument
    artifacts: dict[str, StoredArtifact] = Field(default_factory=dict)
    event_published: bool = False
    created_at: datetime
    issued_at: datetime | None = None

    def as_credit_note(self) -> CreditNote:
        doc = self.document
        return CreditNote(
            id=self.id,
            credit_note_number=self.credit_note_number,
            reason=doc.reason,
            account_id=self.account_id,
            invoice_id=self.invoice_id,
            invoice_number=doc.invoice.invoice_number,
            customer_id=self.customer_id,
            currency=doc.currency,
            issue_date=doc.issue_date,
            lines=[
                CreditNoteLine(line=x.line, product_id=x.product_id, kind=x.kind, amount=x.amount) for x in doc.lines
            ],
            net_total=doc.net_total,
            vat_rate=doc.vat_rate,
            vat_amount=doc.vat_amount,
            gross_total=doc.gross_total,
            artifacts={name: ArtifactInfo(sha256=a.sha256, size=a.size) for name, a in self.artifacts.items()},
            created_at=self.created_at,
            updated_at=self.issued_at or self.created_at,
            issued_at=self.issued_at,
        )
