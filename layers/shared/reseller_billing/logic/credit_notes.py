"""Credit notes: crediting an issued invoice in full or per line, exactly once; reading them.

Creating one: compute it from the invoice as stored (billing/credit_notes.py), then number it in one
transaction with the reseller's credit-note counter and the invoice's credited amounts (dal/credit_notes.py),
then render and store its artefacts, issue it, and publish `CreditNoteIssued`. Each step can be repeated:
a credit note left NUMBERED (a crash, S3 down) is finished by a retry with the same Idempotency-Key (its id
derives from the key), by the next credit note on the same invoice, or by the reconciler's sweep — never
numbered or credited twice.
"""

from __future__ import annotations

import time
from datetime import datetime
from decimal import Decimal

from reseller_billing.billing.credit_notes import (
    CreditExceedsInvoiceError,
    CreditRefusedError,
    InvoiceCredit,
    compute_credit_note,
)
from reseller_billing.dal import credit_notes as table
from reseller_billing.dal import invoices as invoices_table
from reseller_billing.dal.credit_notes import CreditNoteExists, InvoiceCreditMoved
from reseller_billing.dal.invoices import CounterMoved
from reseller_billing.errors import ErrorCode, NotFoundError, TransientError, UnprocessableError
from reseller_billing.ids import credit_note_id, parse_credit_note_id, parse_invoice_id
from reseller_billing.integration import artifacts, events
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.models.accounts import ResellerProfile
from reseller_billing.models.common import Page, utcnow, utctoday
from reseller_billing.models.credit_notes import (
    CreditedInvoice,
    CreditNote,
    CreditNoteCreate,
    CreditNoteDocument,
    CreditNoteDocumentLine,
    CreditNoteRecord,
)
from reseller_billing.models.invoices import ArtifactInfo, ArtifactLink, InvoiceRecord, InvoiceState
from reseller_billing.models.messages import CreditNoteIssued
from reseller_billing.observability import logger
from reseller_billing.rendering.credit_notes import render_credit_note_artifacts

NUMBERING_ATTEMPTS = 10


def credit_note_number(profile: ResellerProfile, year: int, number: int) -> str:
    """`{credit_note_prefix}{YYYY}-{NNNNNN}`: the `number`th credit note of the reseller in `year`."""
    return f"{profile.credit_note_prefix}{year}-{number:06d}"


def invoice_credit(invoice: InvoiceRecord) -> InvoiceCredit:
    """The invoice's amounts and what its credit notes credited so far."""
    doc = invoice.document
    return InvoiceCredit(
        currency=doc.currency,
        vat_rate=doc.vat_rate,
        line_amounts=tuple(line.amount for line in doc.lines),
        vat_amount=doc.vat_amount,
        credited_lines=invoice.credited_lines or tuple(Decimal(0) for _ in doc.lines),
        credited_vat=invoice.credited_vat,
    )


def _issued_invoice(account_id: str, invoice_id: str) -> InvoiceRecord:
    parsed = parse_invoice_id(invoice_id)
    invoice = invoices_table.get_invoice(account_id, *parsed) if parsed is not None else None
    if invoice is None or invoice.state is not InvoiceState.ISSUED:
        raise NotFoundError(f"invoice {invoice_id} not found")
    return invoice


def create_credit_note(
    account_id: str, invoice_id: str, request: CreditNoteCreate, request_key: str | None
) -> CreditNoteRecord:
    """Credit the invoice as `request` says; `request_key` (the caller and its Idempotency-Key) makes a
    retry find the credit note its first attempt numbered."""
    _, profile = load_reseller(account_id)
    invoice = _issued_invoice(account_id, invoice_id)
    note_id = credit_note_id(invoice_id, request_key)
    mine: CreditNoteRecord | None = None
    for earlier in table.credit_notes_of_invoice(account_id, invoice.customer_id, invoice_id):
        finished = finish_credit_note(profile, earlier) if _unfinished(earlier) else earlier
        if earlier.id == note_id:
            mine = finished
    if mine is not None:
        return mine
    requested = None if request.lines is None else [(x.line, x.amount) for x in request.lines]
    for attempt in range(NUMBERING_ATTEMPTS):
        try:
            note = _numbered(profile, invoice, note_id, request.reason, requested)
        except CreditNoteExists as exists:
            note = exists.existing
        except (CounterMoved, InvoiceCreditMoved, TransientError):
            time.sleep(min(0.02 * 2**attempt, 0.5))
            invoice = _issued_invoice(account_id, invoice_id)
            continue
        return finish_credit_note(profile, note)
    raise TransientError("credit note numbering kept colliding; retry", code=ErrorCode.NUMBERING_CONTENTION)


def _numbered(
    profile: ResellerProfile,
    invoice: InvoiceRecord,
    note_id: str,
    reason: str,
    requested: list[tuple[int, Decimal]] | None,
) -> CreditNoteRecord:
    """Compute the credit note from the invoice as read and number it with the invoice's credited amounts."""
    try:
        computed = compute_credit_note(invoice_credit(invoice), requested)
    except CreditRefusedError as refused:
        field = "lines" if refused.position is None else f"lines.{refused.position}.{refused.field}"
        code = ErrorCode.CREDIT_EXCEEDS_INVOICE if isinstance(refused, CreditExceedsInvoiceError) else None
        # "value_error": a rule of our own, which the body's schema cannot state
        detail = {"in": "body", "field": field, "message": str(refused), "type": "value_error"}
        raise UnprocessableError(str(refused), code=code, details=[detail]) from None
    year = utctoday().year
    last = table.read_counter(invoice.account_id, year)
    issue_date = utctoday()
    if issue_date.year != year:
        raise TransientError("the year changed while numbering; retry", code=ErrorCode.CONFLICT_RETRY)
    doc = invoice.document
    assert doc.invoice_number is not None  # an issued invoice has its number
    document = CreditNoteDocument(
        id=note_id,
        credit_note_number=credit_note_number(profile, year, last + 1),
        reason=reason,
        invoice=CreditedInvoice(id=invoice.id, invoice_number=doc.invoice_number, issue_date=doc.issue_date),
        issuer=doc.issuer,
        customer=doc.customer,
        currency=doc.currency,
        issue_date=issue_date,
        cycle_start=doc.cycle_start,
        cycle_end=doc.cycle_end,
        lines=tuple(
            CreditNoteDocumentLine(
                line=credited.line,
                product_id=doc.lines[credited.line].product_id,
                product_code=doc.lines[credited.line].product_code,
                product_name=doc.lines[credited.line].product_name,
                kind=doc.lines[credited.line].kind,
                amount=credited.amount,
            )
            for credited in computed.lines
        ),
        net_total=computed.net_total,
        vat_rate=doc.vat_rate,
        vat_amount=computed.vat_amount,
        gross_total=computed.gross_total,
        tax_category=doc.tax_category,
        tax_wording=doc.tax_wording,
        footer=doc.footer,
    )
    note = CreditNoteRecord(
        id=note_id,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        credit_note_number=document.credit_note_number,
        state=InvoiceState.NUMBERED,
        document=document,
        created_at=utcnow(),
    )
    table.insert_numbered(note, year, last, invoice, computed.invoice_after)
    return note


def _unfinished(note: CreditNoteRecord) -> bool:
    return note.state is InvoiceState.NUMBERED or not note.event_published


def finish_credit_note(profile: ResellerProfile, note: CreditNoteRecord) -> CreditNoteRecord:
    """Store the artefacts of a NUMBERED credit note, issue it, and publish CreditNoteIssued; whatever of
    that is done already is not done again. S3 or EventBridge down: 503, the credit note stays unfinished
    (numbered and credited) until a retry or the reconciler finishes it."""
    if note.state is InvoiceState.NUMBERED:
        invoice = _issued_invoice(note.account_id, note.invoice_id)
        files = render_credit_note_artifacts(note.document, invoice.document, profile)
        try:
            stored = {
                name: artifacts.store_at(artifacts.credit_note_artifact_key(note.account_id, note.id, name), name, body)
                for name, body in files.items()
            }
        except Exception as error:
            logger.exception("could not store credit note artefacts", extra={"credit_note_id": note.id})
            raise TransientError(
                "the artefact store is unavailable; the credit note is numbered and is finished by a retry",
                code=ErrorCode.SERVICE_UNAVAILABLE,
            ) from error
        issued = table.issue(note.model_copy(update={"artifacts": stored}))
        if issued is None:  # another request finished it meanwhile
            again = table.get_credit_note(note.account_id, note.customer_id, note.invoice_id, note.id)
            assert again is not None  # credit notes are never deleted
            return again
        note = issued
    if not note.event_published:
        try:
            _publish(note)
        except Exception:
            # Issued all the same: the reconciler's sweep announces it (the credit note stays listed).
            logger.exception("could not publish CreditNoteIssued", extra={"credit_note_id": note.id})
            return note
        table.mark_event_published(note)
        note = note.model_copy(update={"event_published": True})
    return note


def _publish(note: CreditNoteRecord) -> None:
    doc = note.document
    events.publish(
        [
            CreditNoteIssued(
                credit_note_id=note.id,
                credit_note_number=note.credit_note_number,
                invoice_id=note.invoice_id,
                invoice_number=doc.invoice.invoice_number,
                account_id=note.account_id,
                customer_id=note.customer_id,
                currency=doc.currency,
                issue_date=doc.issue_date,
                net_total=doc.net_total,
                vat_amount=doc.vat_amount,
                gross_total=doc.gross_total,
                artifacts={n: ArtifactInfo(sha256=a.sha256, size=a.size) for n, a in note.artifacts.items()},
                issued_at=note.issued_at or utcnow(),
            )
        ]
    )


def finish_unfinished_credit_notes(created_before: datetime) -> int:
    """The reconciler's sweep: finish every credit note numbered before `created_before` and left NUMBERED
    or unannounced (younger ones are left to the request that numbered them); returns how many were
    finished. One that cannot be finished now stays listed for the next sweep."""
    finished = 0
    for account_id, note_id in table.unfinished_credit_notes():
        parsed = parse_credit_note_id(note_id)
        if parsed is None:
            continue
        invoice_id, customer_id, *_ = parsed
        note = table.get_credit_note(account_id, customer_id, invoice_id, note_id)
        if note is None or not _unfinished(note) or note.created_at >= created_before:
            continue
        try:
            _, profile = load_reseller(account_id)
            finish_credit_note(profile, note)
            finished += 1
        except Exception:
            logger.exception("could not finish a credit note", extra={"credit_note_id": note_id})
    return finished


# --- reading -------------------------------------------------------------------------------------


def _issued_credit_note(account_id: str, credit_note_id: str) -> CreditNoteRecord:
    load_reseller(account_id)
    parsed = parse_credit_note_id(credit_note_id)
    note = None
    if parsed is not None:
        invoice_id, customer_id, *_ = parsed
        note = table.get_credit_note(account_id, customer_id, invoice_id, credit_note_id)
    if note is None or note.state is not InvoiceState.ISSUED:
        raise NotFoundError(f"credit note {credit_note_id} not found")
    return note


def get_credit_note(account_id: str, credit_note_id: str) -> CreditNote:
    return _issued_credit_note(account_id, credit_note_id).as_credit_note()


def list_credit_notes(
    account_id: str, customer_id: str | None, invoice_id: str | None, limit: int, cursor: str | None
) -> Page[CreditNote]:
    """Issued credit notes, by customer and invoice; `invoice_id` names its customer too."""
    load_reseller(account_id)
    if invoice_id is not None:
        parsed = parse_invoice_id(invoice_id)
        if parsed is None or (customer_id is not None and parsed[0] != customer_id):
            return Page(items=[], next_cursor=None)
        customer_id = parsed[0]
    page = table.list_credit_notes(account_id, customer_id, invoice_id, limit, cursor)
    return Page(items=[note.as_credit_note() for note in page.items], next_cursor=page.next_cursor)


def artifact_link(account_id: str, credit_note_id: str, name: str) -> ArtifactLink:
    """A presigned GET for one artefact; 404 for one the reseller's profile did not ask for."""
    note = _issued_credit_note(account_id, credit_note_id)
    stored = note.artifacts.get(name)
    if stored is None:
        raise NotFoundError(f"credit note {credit_note_id} has no {name} artefact")
    url, expires_at = artifacts.presigned_url(stored.key, f"{note.credit_note_number}.{name}")
    return ArtifactLink(url=url, expires_at=expires_at)
