"""Invoices in the table: a customer's billing data for a cycle, gapless numbering, issuing, reading.

An invoice item holds the invoice's summary: the canonical document without its per-SIM detail (`sims`
is empty), which lives only in `invoice.json` in S3. An item's size then grows with the invoice's lines,
not with the customer's SIMs, and stays far below DynamoDB's 400 KB whatever the fleet.

Gapless numbering: an invoice item is created in the same transaction that moves its reseller's counter
for the year, conditional on the counter still holding the value read. Either both happen or neither,
so a number is never skipped (no number without its invoice) nor reused (the counter only moves on)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.exceptions import DoesNotExist

from reseller_billing.billing.credit_notes import CreditStatus
from reseller_billing.billing.model import Service, Sim, SimStatus, StatusChange
from reseller_billing.dal.items import (
    REOPENED,
    REOPENING_CLOSED,
    CycleReopening,
    InvoiceCounter,
    InvoiceItem,
    ListingIndex,
    SimItem,
    TableItem,
    UsageTotalItem,
    account_pk,
    customer_pk,
    descending_date,
    documents_pk,
)
from reseller_billing.dal.pagination import query_page
from reseller_billing.dal.writes import Transaction, TransactionFailed
from reseller_billing.ids import parse_invoice_id
from reseller_billing.models.common import Page, utcnow
from reseller_billing.models.invoice_document import InvoiceDocument
from reseller_billing.models.invoices import CustomerBillingData, InvoiceRecord, InvoiceState, StoredArtifact
from reseller_billing.models.usage import CycleUsage
from reseller_billing.money import round_money


def _invoices_partition(account_id: str) -> str:
    return f"{account_pk(account_id)}#INVOICES"


def _invoice(item: InvoiceItem) -> InvoiceRecord:
    document = InvoiceDocument.model_validate(item.document)
    # Nothing credited reads as 0 in the currency's digits ("0.00"), as a credited amount does.
    nothing = round_money(Decimal(0), document.currency)
    return InvoiceRecord(
        id=item.id,
        account_id=item.account_id,
        customer_id=item.customer_id,
        run_id=item.run_id,
        invoice_number=item.invoice_number,
        state=InvoiceState(item.status),
        document=document,
        artifacts={name: StoredArtifact.model_validate(a) for name, a in (item.artifacts or {}).items()},
        event_published=item.event_published,
        created_at=item.created_at,
        issued_at=item.issued_at,
        credited_lines=tuple(Decimal(a) for a in item.credited_lines) if item.credited_lines else None,
        credited_vat=item.credited_vat if item.credited_vat is not None else nothing,
        credited_total=item.credited_total if item.credited_total is not None else nothing,
        credit_status=CreditStatus(item.credit_status or CreditStatus.ISSUED),
        credit_version=item.credit_version or 0,
        replaces_invoice_id=item.replaces_invoice_id,
    )


def _key(invoice: InvoiceRecord) -> tuple[str, str]:
    parsed = parse_invoice_id(invoice.id)
    replacement = parsed[2] if parsed is not None else 0
    return InvoiceItem.key(invoice.account_id, invoice.customer_id, invoice.cycle_start, replacement)


def _artifacts_json(invoice: InvoiceRecord) -> dict[str, Any]:
    return {name: artifact.model_dump() for name, artifact in invoice.artifacts.items()}


# --- one customer's billing data -----------------------------------------------------------------


def _sim(item: SimItem) -> Sim:
    return Sim(
        iccid=item.iccid,
        product_id=item.product_id,
        activation_date=item.activation_date,
        history=tuple(StatusChange(SimStatus(c.status), c.effective_date) for c in item.history),
    )


def customer_billing_data(account_id: str, customer_id: str, cycle_start: date) -> CustomerBillingData:
    """The customer's invoice for the cycle (if any), its SIMs and its usage in the cycle, in one Query:
    SK from INVOICE#{cycle_start} (this cycle's invoice, its replacements and later ones) over REOPENED#...
    and SIM#... to USAGE#{~cycle_start}#~ (per-SIM totals of this cycle and of later ones, newest first;
    only this cycle's are kept). At most one usage item per SIM and service of the cycle, whatever its days."""
    data = CustomerBillingData(invoice=None)
    upper = f"USAGE#{descending_date(cycle_start)}#~"
    for item in TableItem.query(
        customer_pk(account_id, customer_id),
        TableItem.sk.between(f"INVOICE#{cycle_start.isoformat()}", upper),
        consistent_read=True,
    ):
        if isinstance(item, SimItem):
            data.sims.append(_sim(item))
        elif isinstance(item, UsageTotalItem):
            if item.cycle_start == cycle_start:
                data.usage.append(CycleUsage(item.iccid, Service(item.service), item.cycle_start, item.quantity))
        elif isinstance(item, InvoiceItem) and item.sk.split("#R")[0] == f"INVOICE#{cycle_start.isoformat()}":
            data.invoice = _invoice(item)  # the original, then its replacements in order: the latest stays
        elif isinstance(item, CycleReopening) and item.cycle_start == cycle_start:
            data.reopened = item.state == REOPENED
    return data


# --- numbering and issuing -----------------------------------------------------------------------


def read_counter(account_id: str, year: int) -> int:
    """The last invoice number the reseller allocated in `year` (0 before the first)."""
    try:
        return InvoiceCounter.get(*InvoiceCounter.key(account_id, year), consistent_read=True).last_number
    except DoesNotExist:
        return 0


class CounterMoved(Exception):
    """Another worker numbered invoices since the counter was read."""


class InvoicesExist(Exception):
    def __init__(self, existing: dict[str, InvoiceRecord]):
        super().__init__(f"{len(existing)} invoices exist already")
        self.existing = existing  # invoice id -> the stored invoice


def _numbered_item(invoice: InvoiceRecord) -> InvoiceItem:
    item = InvoiceItem(
        *_key(invoice),
        id=invoice.id,
        account_id=invoice.account_id,
        customer_id=invoice.customer_id,
        run_id=invoice.run_id,
        invoice_number=invoice.invoice_number,
        status=invoice.state.value,
        document=invoice.document.model_dump(mode="json", exclude={"sims"}) | {"sims": []},
        created_at=invoice.created_at,
    )
    if invoice.replaces_invoice_id is not None:
        item.replaces_invoice_id = invoice.replaces_invoice_id
    return item


def numbered_item_bytes(invoice: InvoiceRecord) -> int:
    """What creating `invoice` adds to a numbering transaction, estimated from the serialised item (its
    attributes as request JSON, which counts more than DynamoDB does: an estimate on the safe side)."""
    return len(json.dumps(_numbered_item(invoice).serialize(), default=_binary_length))


def _binary_length(value: object) -> str:
    # The compressed document is bytes: it travels base64-encoded, 4 characters for each 3 bytes.
    assert isinstance(value, bytes)
    return "x" * (4 * (len(value) + 2) // 3)


def insert_numbered(account_id: str, year: int, last_number: int, invoices: Sequence[InvoiceRecord]) -> None:
    """Create `invoices` (NUMBERED, carrying numbers last_number+1 ...) and move the counter to their last
    number, in one transaction. CounterMoved / InvoicesExist say why it did not happen."""
    tx = Transaction()
    counter = InvoiceCounter(*InvoiceCounter.key(account_id, year))
    new_last = last_number + len(invoices)
    unchanged = InvoiceCounter.pk.does_not_exist() if last_number == 0 else InvoiceCounter.last_number == last_number
    tx.update(
        counter,
        "counter",
        [InvoiceCounter.last_number.set(new_last), InvoiceCounter.entity.set(InvoiceCounter)],
        unchanged,
    )
    for invoice in invoices:
        if invoice.replaces_invoice_id is not None:
            _replace_in(tx, invoice, invoice.replaces_invoice_id)
        tx.put(_numbered_item(invoice), f"invoice:{invoice.id}", InvoiceItem.pk.does_not_exist())
    try:
        tx.commit()
    except TransactionFailed as failure:
        existing = {
            label.split(":", 1)[1]: _invoice(InvoiceItem.from_raw_data(raw))
            for label, raw in failure.failed.items()
            if label.startswith("invoice:") and raw
        }
        if existing:
            raise InvoicesExist(existing) from None
        raise CounterMoved() from None


def _replace_in(tx: Transaction, invoice: InvoiceRecord, replaced_id: str) -> None:
    """A replacement invoice is created only while the invoice it replaces is fully credited and the cycle
    is reopened for its customer, and closes the cycle again: one live invoice per customer and cycle."""
    parsed = parse_invoice_id(replaced_id)
    replaced = parsed[2] if parsed is not None else 0
    key = InvoiceItem.key(invoice.account_id, invoice.customer_id, invoice.cycle_start, replaced)
    tx.check(InvoiceItem, key, f"replaces:{invoice.id}", InvoiceItem.credit_status == CreditStatus.CREDITED.value)
    reopening = CycleReopening(*CycleReopening.key(invoice.account_id, invoice.customer_id, invoice.cycle_start))
    tx.update(
        reopening,
        f"reopening:{invoice.id}",
        [CycleReopening.state.set(REOPENING_CLOSED), CycleReopening.updated_at.set(utcnow())],
        CycleReopening.state == REOPENED,
    )


def issue_in(tx: Transaction, invoice: InvoiceRecord) -> InvoiceRecord:
    """Add to `tx` the move of a NUMBERED invoice, its artefacts stored, to ISSUED (which also lists it:
    GSI1 `ACCOUNT#{aid}#INVOICES` / `{cid}#{cycle_start}`); returns the invoice as it will be."""
    issued_at = utcnow()
    tx.update(
        InvoiceItem(*_key(invoice)),
        f"issue:{invoice.customer_id}",
        [
            InvoiceItem.status.set(InvoiceState.ISSUED.value),
            InvoiceItem.artifacts.set(_artifacts_json(invoice)),
            InvoiceItem.issued_at.set(issued_at),
            InvoiceItem.gsi1pk.set(_invoices_partition(invoice.account_id)),
            InvoiceItem.gsi1sk.set(f"{invoice.customer_id}#{invoice.cycle_start.isoformat()}"),
            # the documents report (dal/credit_notes.py), next to the account's credit notes
            InvoiceItem.gsi2pk.set(documents_pk(invoice.account_id)),
            InvoiceItem.gsi2sk.set(f"{invoice.document.issue_date.isoformat()}#INVOICE#{invoice.invoice_number}"),
        ],
        InvoiceItem.status == InvoiceState.NUMBERED.value,
    )
    return invoice.model_copy(update={"state": InvoiceState.ISSUED, "issued_at": issued_at})


def mark_events_published(invoices: Sequence[InvoiceRecord]) -> None:
    """Note that these invoices' InvoiceIssued events went out."""
    for start in range(0, len(invoices), 100):
        tx = Transaction()
        for invoice in invoices[start : start + 100]:
            tx.update(InvoiceItem(*_key(invoice)), invoice.id, [InvoiceItem.event_published.set(True)])
        tx.commit()


# --- reading invoices ----------------------------------------------------------------------------


def get_invoice(account_id: str, customer_id: str, cycle_start: date, replacement: int = 0) -> InvoiceRecord | None:
    try:
        item = InvoiceItem.get(
            *InvoiceItem.key(account_id, customer_id, cycle_start, replacement), consistent_read=True
        )
    except DoesNotExist:
        return None
    return _invoice(item)


def list_invoices(account_id: str, customer_id: str | None, limit: int, cursor: str | None) -> Page[InvoiceRecord]:
    """Issued invoices, by customer then cycle (GSI1: ACCOUNT#{aid}#INVOICES / {cid}#{cycle_start})."""
    condition = ListingIndex.gsi1sk.startswith(f"{customer_id}#") if customer_id else None
    return query_page(
        InvoiceItem, _invoice, _invoices_partition(account_id), condition, limit=limit, cursor=cursor, index="GSI1"
    )
