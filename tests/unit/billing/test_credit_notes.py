"""Credit-note arithmetic: VAT at the invoice's rate rounded once, never more than the invoice, and a
fully credited invoice's credit notes adding up to exactly the invoice."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_billing.billing.credit_notes import (
    ComputedCreditNote,
    CreditExceedsInvoiceError,
    CreditRefusedError,
    CreditStatus,
    InvoiceCredit,
    compute_credit_note,
)
from reseller_billing.money import minor_units, round_money

CURRENCIES = ("EUR", "JPY", "BHD")


def invoice(amounts: list[str], rate: str = "19", currency: str = "EUR") -> InvoiceCredit:
    lines = tuple(Decimal(a) for a in amounts)
    net = sum(lines, Decimal(0))
    return InvoiceCredit(
        currency=currency,
        vat_rate=Decimal(rate),
        line_amounts=lines,
        vat_amount=round_money(net * Decimal(rate) / 100, currency),
        credited_lines=tuple(Decimal(0) for _ in lines),
        credited_vat=Decimal(0),
    )


def test_a_full_credit_note_equals_the_invoice() -> None:
    inv = invoice(["10.00", "5.55"])
    note = compute_credit_note(inv, None)
    assert [(c.line, c.amount) for c in note.lines] == [(0, Decimal("10.00")), (1, Decimal("5.55"))]
    assert (note.net_total, note.vat_amount, note.gross_total) == (Decimal("15.55"), Decimal("2.95"), Decimal("18.50"))
    assert note.invoice_after.status is CreditStatus.CREDITED


def test_a_partial_credit_note_rounds_its_vat_once_at_the_invoice_rate() -> None:
    note = compute_credit_note(invoice(["10.00", "5.55"]), [(1, Decimal("0.05"))])
    # 0.05 x 19 % = 0.0095 -> 0.01, rounded once
    assert (note.net_total, note.vat_amount, note.gross_total) == (Decimal("0.05"), Decimal("0.01"), Decimal("0.06"))
    assert note.invoice_after.status is CreditStatus.PARTIALLY_CREDITED


def test_vat_never_exceeds_what_the_invoice_has_left() -> None:
    # 5 x 0.01 at 50 %: the invoice's VAT is 0.025 -> 0.03, each credit's 0.005 -> 0.01
    inv = invoice(["0.01"] * 5, rate="50")
    vats = []
    for line in range(5):
        note = compute_credit_note(inv, [(line, Decimal("0.01"))])
        vats.append(note.vat_amount)
        inv = note.invoice_after
    assert vats == [Decimal("0.01"), Decimal("0.01"), Decimal("0.01"), Decimal("0"), Decimal("0")]
    assert inv.credited_vat == inv.vat_amount == Decimal("0.03")


def test_a_line_cannot_be_credited_beyond_its_amount() -> None:
    inv = compute_credit_note(invoice(["10.00", "5.55"]), [(0, Decimal("6.00"))]).invoice_after
    with pytest.raises(CreditExceedsInvoiceError) as refused:
        compute_credit_note(inv, [(1, Decimal("1.00")), (0, Decimal("4.01"))])
    assert (refused.value.line, refused.value.position) == (0, 1)


def test_a_full_credit_note_after_a_partial_one_credits_what_remains() -> None:
    inv = compute_credit_note(invoice(["10.00", "5.55"]), [(0, Decimal("6.00"))]).invoice_after
    rest = compute_credit_note(inv, None)
    assert [(c.line, c.amount) for c in rest.lines] == [(0, Decimal("4.00")), (1, Decimal("5.55"))]
    assert rest.invoice_after.status is CreditStatus.CREDITED
    with pytest.raises(CreditExceedsInvoiceError):
        compute_credit_note(rest.invoice_after, None)


@pytest.mark.parametrize(
    ("requested", "message"),
    [
        ([(2, Decimal("1.00"))], "no line 2"),
        ([(0, Decimal("0"))], "positive"),
        ([(0, Decimal("-1.00"))], "positive"),
        ([(0, Decimal("1.001"))], "at most 2 decimals"),
        ([(0, Decimal("1.00")), (0, Decimal("1.00"))], "twice"),
    ],
)
def test_bad_requests_are_refused_naming_the_line(requested: list[tuple[int, Decimal]], message: str) -> None:
    with pytest.raises(CreditRefusedError, match=message):
        compute_credit_note(invoice(["10.00", "5.55"]), requested)


@st.composite
def invoices_and_credits(draw: st.DrawFn) -> tuple[InvoiceCredit, list[list[tuple[int, Decimal]] | None]]:
    """An invoice and a sequence of credit requests (lines with amounts, or None for a full credit) that
    a caller might send, some of them too large."""
    currency = draw(st.sampled_from(CURRENCIES))
    digits = minor_units(currency)
    amounts = draw(st.lists(st.integers(0, 10**6), min_size=1, max_size=6))
    rate = Decimal(draw(st.integers(0, 2500))).scaleb(-2)
    inv = invoice([str(Decimal(a).scaleb(-digits)) for a in amounts], rate=str(rate), currency=currency)
    requests: list[list[tuple[int, Decimal]] | None] = []
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()) and draw(st.booleans()):
            requests.append(None)
            continue
        lines = draw(st.lists(st.integers(0, len(amounts) - 1), min_size=1, max_size=3, unique=True))
        requests.append([(line, Decimal(draw(st.integers(1, 10**6))).scaleb(-digits)) for line in lines])
    return inv, requests


@settings(max_examples=400, deadline=None)
@given(invoices_and_credits())
def test_credit_notes_never_exceed_the_invoice_and_a_full_credit_equals_it(
    case: tuple[InvoiceCredit, list[list[tuple[int, Decimal]] | None]],
) -> None:
    inv, requests = case
    original = inv
    issued: list[ComputedCreditNote] = []
    for requested in [*requests, None]:
        try:
            note = compute_credit_note(inv, requested)
        except CreditExceedsInvoiceError:
            continue
        issued.append(note)
        # VAT at the invoice's rate on the note's net, rounded once (or capped / the final remainder)
        exact = (note.net_total * inv.vat_rate / 100).quantize(
            Decimal(1).scaleb(-minor_units(inv.currency)), ROUND_HALF_UP
        )
        assert note.vat_amount <= exact or note.invoice_after.status is CreditStatus.CREDITED
        assert note.gross_total == note.net_total + note.vat_amount
        assert all(c.amount > 0 for c in note.lines)
        inv = note.invoice_after
        assert all(0 <= c <= a for c, a in zip(inv.credited_lines, inv.line_amounts, strict=True))
        assert 0 <= inv.credited_vat <= inv.vat_amount
    net = sum(original.line_amounts, Decimal(0))
    if net == 0:
        assert issued == []
        return
    # the final full credit note leaves the invoice fully credited, to the cent
    assert inv.status is CreditStatus.CREDITED
    assert sum((n.net_total for n in issued), Decimal(0)) == net
    assert sum((n.vat_amount for n in issued), Decimal(0)) == original.vat_amount
    assert sum((n.gross_total for n in issued), Decimal(0)) == net + original.vat_amount
