"""How the worker cuts its numbering transactions: DynamoDB takes 100 actions and 4 MB in one."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from reseller_billing.ids import invoice_id
from reseller_billing.logic.invoice_issuing import NUMBERING_TRANSACTION_BYTES, TRANSACTION_ACTIONS, _transaction_chunk


def drafts(count: int, replacement: int = 0) -> list[Any]:
    """(request, draft) pairs with only what the cut reads: the draft's id."""
    return [
        (None, SimpleNamespace(id=invoice_id(f"cus_{n:04d}", date(2026, 10, 5), replacement))) for n in range(count)
    ]


def test_originals_fill_a_transaction_with_the_counter():
    pending = drafts(150)
    chunk = _transaction_chunk(pending, {doc.id: 1_000 for _, doc in pending}, set())
    assert len(chunk) == TRANSACTION_ACTIONS - 1


def test_a_replacement_counts_three_actions():
    """Its put, the check that the invoice it replaces is CREDITED, and the reopening closed."""
    pending = drafts(50, replacement=1)
    chunk = _transaction_chunk(pending, {doc.id: 1_000 for _, doc in pending}, set())
    assert len(chunk) == (TRANSACTION_ACTIONS - 1) // 3


def test_the_byte_estimate_cuts_before_the_count():
    pending = drafts(10)
    chunk = _transaction_chunk(pending, {doc.id: NUMBERING_TRANSACTION_BYTES // 3 for _, doc in pending}, set())
    assert len(chunk) == 3


def test_a_draft_to_be_tried_alone_goes_alone():
    pending = drafts(5)
    assert len(_transaction_chunk(pending, {doc.id: 1 for _, doc in pending}, {pending[0][1].id})) == 1
    assert len(_transaction_chunk(pending, {doc.id: 1 for _, doc in pending}, {pending[2][1].id})) == 2
