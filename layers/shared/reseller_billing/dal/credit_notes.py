"""Credit notes in the table: numbering them with the invoice's credited amounts, issuing, reading.

A credit note is created in one transaction that moves the reseller's credit-note counter for the year
(conditional on the value read), moves the invoice's credited amounts (conditional on the invoice's
credit_version), and, when the invoice ends up fully credited, reopens its cycle for the customer. So a
number is never skipped nor reused, and two concurrent credit notes can never credit more than the
invoice: the second one's transaction fails on the version, and it is computed again."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist

from reseller_billing.billing.credit_notes import CreditStatus, InvoiceCredit
from reseller_billing.dal.invoices import CounterMoved
from reseller_billing.dal.items import (
    REOPENED,
    UNFINISHED_CREDIT_NOTES,
    CreditNoteCounter,
    CreditNoteItem,
    CycleReopening,
    InvoiceItem,
    InvoicingDayIndex,
    ListingIndex,
    TableItem,
    credit_notes_pk,
    customer_pk,
    documents_pk,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import Transaction, TransactionFailed
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.credit_notes import CreditNoteDocument, CreditNoteRecord
from reseller_billing.models.documents import AccountingDocument, DocumentType
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.invoices import InvoiceRecord, InvoiceState, StoredArtifact


class InvoiceCreditMoved(Exception):
    """Another credit note credited the invoice since it was read."""


class CreditNoteExists(Exception):
    def __init__(self, existing: CreditNoteRecord):
        super().__init__(f"credit note {existing.id} exists already")
        self.existing = existing


def _record(item: CreditNoteItem) -> CreditNoteRecord:
    return CreditNoteRecord(
        id=item.id,
        account_id=item.account_id,
        customer_id=item.customer_id,
        invoice_id=item.invoice_id,
        credit_note_number=item.credit_note_number,
        state=InvoiceState(item.status),
        document=CreditNoteDocument.model_validate(item.document),
        artifacts={name: StoredArtifact.model_validate(a) for name, a in (item.artifacts or {}).items()},
        event_published=item.event_published,
        created_at=item.created_at,
        issued_at=item.issued_at,
    )


def _key(note: CreditNoteRecord) -> tuple[str, str]:
    return CreditNoteItem.key(note.account_id, note.customer_id, note.invoice_id, note.id)


def read_counter(account_id: str, year: int) -> int:
    """The last credit note number the reseller allocated in `year` (0 before the first)."""
    try:
        return CreditNoteCounter.get(*CreditNoteCounter.key(account_id, year), consistent_read=True).last_number
    except DoesNotExist:
        return 0


def insert_numbered(
    note: CreditNoteRecord,
    year: int,
    last_number: int,
    invoice: InvoiceRecord,
    after: InvoiceCredit,
) -> None:
    """Create `note` (NUMBERED, number last_number + 1), move the counter to it and the invoice's credited
    amounts to `after`, in one transaction; reopen the invoice's cycle for its customer when `after` is
    fully credited. CounterMoved / InvoiceCreditMoved / CreditNoteExists say why it did not happen."""
    tx = Transaction()
    unchanged = (
        CreditNoteCounter.pk.does_not_exist() if last_number == 0 else CreditNoteCounter.last_number == last_number
    )
    tx.update(
        CreditNoteCounter(*CreditNoteCounter.key(note.account_id, year)),
        "counter",
        [CreditNoteCounter.last_number.set(last_number + 1), CreditNoteCounter.entity.set(CreditNoteCounter)],
        unchanged,
    )
    version = invoice.credit_version
    same_version = (
        InvoiceItem.credit_version.does_not_exist() if version == 0 else InvoiceItem.credit_version == version
    )
    tx.update(
        InvoiceItem(*InvoiceItem.key(invoice.account_id, invoice.customer_id, invoice.cycle_start)),
        "invoice",
        [
            InvoiceItem.credited_lines.set([str(amount) for amount in after.credited_lines]),
            InvoiceItem.credited_vat.set(after.credited_vat),
            InvoiceItem.credited_total.set(sum(after.credited_lines, after.credited_vat)),
            InvoiceItem.credit_status.set(after.status.value),
            InvoiceItem.credit_version.set(version + 1),
        ],
        (InvoiceItem.status == InvoiceState.ISSUED.value) & same_version,
    )
    item = CreditNoteItem(
        *_key(note),
        id=note.id,
        account_id=note.account_id,
        customer_id=note.customer_id,
        invoice_id=note.invoice_id,
        credit_note_number=note.credit_note_number,
        status=note.state.value,
        document=note.document.model_dump(mode="json"),
        created_at=note.created_at,
    )
    item.gsi3pk, item.gsi3sk = UNFINISHED_CREDIT_NOTES, f"{note.account_id}#{note.id}"
    tx.put(item, "credit_note", CreditNoteItem.pk.does_not_exist())
    if after.status is CreditStatus.CREDITED:
        reopening = CycleReopening(
            *CycleReopening.key(invoice.account_id, invoice.customer_id, invoice.cycle_start),
            cycle_start=invoice.cycle_start,
            state=REOPENED,
            invoice_id=invoice.id,
            updated_at=utcnow(),
        )
        tx.put(reopening, "reopening")
    try:
        tx.commit()
    except TransactionFailed as failure:
        existing = failure.failed.get("credit_note")
        if existing:
            raise CreditNoteExists(_record(CreditNoteItem.from_raw_data(existing))) from None
        if "invoice" in failure.failed:
            raise InvoiceCreditMoved() from None
        raise CounterMoved() from None


def issue(note: CreditNoteRecord) -> CreditNoteRecord | None:
    """Move a NUMBERED credit note, its artefacts stored, to ISSUED (listing it: GSI1 by customer and
    invoice, GSI2 among the account's documents by issue date); None if it was issued meanwhile."""
    issued_at = utcnow()
    doc = note.document
    tx = Transaction()
    tx.update(
        CreditNoteItem(*_key(note)),
        "issue",
        [
            CreditNoteItem.status.set(InvoiceState.ISSUED.value),
            CreditNoteItem.artifacts.set({name: a.model_dump() for name, a in note.artifacts.items()}),
            CreditNoteItem.issued_at.set(issued_at),
            CreditNoteItem.gsi1pk.set(credit_notes_pk(note.account_id)),
            CreditNoteItem.gsi1sk.set(f"{note.customer_id}#{note.invoice_id}#{note.id}"),
            CreditNoteItem.gsi2pk.set(documents_pk(note.account_id)),
            CreditNoteItem.gsi2sk.set(f"{doc.issue_date.isoformat()}#CREDIT_NOTE#{note.credit_note_number}"),
        ],
        CreditNoteItem.status == InvoiceState.NUMBERED.value,
    )
    try:
        tx.commit()
    except TransactionFailed:
        return None
    return note.model_copy(update={"state": InvoiceState.ISSUED, "issued_at": issued_at})


def mark_event_published(note: CreditNoteRecord) -> None:
    """CreditNoteIssued went out: the credit note is finished and leaves the unfinished ones."""
    CreditNoteItem(*_key(note)).update(
        actions=[
            CreditNoteItem.event_published.set(True),
            CreditNoteItem.gsi3pk.remove(),
            CreditNoteItem.gsi3sk.remove(),
        ]
    )


# --- reading -------------------------------------------------------------------------------------


def get_credit_note(account_id: str, customer_id: str, invoice_id: str, credit_note_id: str) -> CreditNoteRecord | None:
    try:
        item = CreditNoteItem.get(
            *CreditNoteItem.key(account_id, customer_id, invoice_id, credit_note_id), consistent_read=True
        )
    except DoesNotExist:
        return None
    return _record(item)


def credit_notes_of_invoice(account_id: str, customer_id: str, invoice_id: str) -> list[CreditNoteRecord]:
    """Every credit note of the invoice, issued or not (a handful: one Query)."""
    return [
        _record(item)
        for item in CreditNoteItem.query(
            customer_pk(account_id, customer_id),
            CreditNoteItem.sk.startswith(CreditNoteItem.invoice_prefix(invoice_id)),
            consistent_read=True,
        )
        if isinstance(item, CreditNoteItem)
    ]


def list_credit_notes(
    account_id: str, customer_id: str | None, invoice_id: str | None, limit: int, cursor: str | None
) -> Page[CreditNoteRecord]:
    """Issued credit notes by customer, invoice, then creation (GSI1: ACCOUNT#{aid}#CREDIT_NOTES)."""
    prefix = f"{customer_id}#{invoice_id}#" if invoice_id else f"{customer_id}#" if customer_id else None
    condition = ListingIndex.gsi1sk.startswith(prefix) if prefix else None
    return query_page(
        CreditNoteItem, _record, credit_notes_pk(account_id), condition, limit=limit, cursor=cursor, index="GSI1"
    )


def unfinished_credit_notes() -> list[tuple[str, str]]:
    """(account id, credit note id) of every credit note not yet issued and announced (GSI3)."""
    return [
        (item.account_id, item.id)
        for item in TableItem.unfinished_runs.query(UNFINISHED_CREDIT_NOTES)
        if isinstance(item, CreditNoteItem)
    ]


# --- the documents report ------------------------------------------------------------------------


def _document(item: TableItem) -> AccountingDocument:
    if isinstance(item, CreditNoteItem):
        note = _record(item)
        doc = note.document
        return AccountingDocument(
            type=DocumentType.CREDIT_NOTE,
            id=note.id,
            number=note.credit_note_number,
            issue_date=doc.issue_date,
            customer_id=note.customer_id,
            currency=doc.currency,
            net_total=doc.net_total,
            vat_amount=doc.vat_amount,
            gross_total=doc.gross_total,
            invoice_id=note.invoice_id,
        )
    assert isinstance(item, InvoiceItem)  # only these two carry the documents index's keys
    invoice = InvoiceDocument.model_validate(item.document)
    return AccountingDocument(
        type=DocumentType.INVOICE,
        id=item.id,
        number=item.invoice_number,
        issue_date=invoice.issue_date,
        customer_id=item.customer_id,
        currency=invoice.currency,
        net_total=invoice.net_total,
        vat_amount=invoice.vat_amount,
        gross_total=invoice.gross_total,
        invoice_id=item.replaces_invoice_id,
    )


def list_documents(
    account_id: str, first: date, last: date, limit: int, cursor: str | None
) -> Page[AccountingDocument]:
    """Issued invoices and credit notes with issue dates from `first` to `last`, by issue date, type and
    number (GSI2: ACCOUNT#{aid}#DOCUMENTS / {issue_date}#{type}#{number})."""
    condition = InvoicingDayIndex.gsi2sk.between(f"{first.isoformat()}#", f"{last.isoformat()}#~")
    return query_page(
        TableItem, _document, documents_pk(account_id), condition, limit=limit, cursor=cursor, index="GSI2"
    )
