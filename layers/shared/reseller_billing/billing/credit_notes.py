"""What a credit note credits: its lines, net, VAT and gross, from the invoice and what earlier credit
notes credited already. Pure and exact (Decimal, no I/O).

The rules (docs/billing-rules.md, "Credit notes"):

* A line's credited amounts, over all its credit notes, never exceed the line's amount.
* A full credit note (no lines asked for) credits what remains of every line; on an invoice nothing was
  credited from yet, that is the whole invoice.
* VAT is the invoice's rate applied to the credit note's net, rounded half-up once to the currency's
  minor unit, but never more than the invoice's VAT not yet credited: rounding each credit note on its
  own could otherwise add up to more than the invoice's one rounding.
* The credit note that leaves nothing of the invoice to credit takes the remainder of the VAT, so the
  credit notes of a fully credited invoice add up to exactly its net, VAT and gross.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from reseller_billing.money import minor_units, round_money

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class CreditStatus(StrEnum):
    """An issued invoice as its credit notes leave it."""

    ISSUED = "ISSUED"  # nothing credited
    PARTIALLY_CREDITED = "PARTIALLY_CREDITED"
    CREDITED = "CREDITED"  # every line fully credited


@dataclass(frozen=True, slots=True)
class InvoiceCredit:
    """An invoice's amounts and what its credit notes have credited of them so far."""

    currency: str
    vat_rate: Decimal  # percent
    line_amounts: tuple[Decimal, ...]
    vat_amount: Decimal
    credited_lines: tuple[Decimal, ...]  # per line, as line_amounts
    credited_vat: Decimal

    def remaining(self, line: int) -> Decimal:
        return self.line_amounts[line] - self.credited_lines[line]

    @property
    def status(self) -> CreditStatus:
        return credit_status(self.line_amounts, self.credited_lines)


@dataclass(frozen=True, slots=True)
class CreditedLine:
    line: int  # 0-based index in the invoice's lines
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ComputedCreditNote:
    lines: tuple[CreditedLine, ...]
    net_total: Decimal
    vat_amount: Decimal
    gross_total: Decimal
    invoice_after: InvoiceCredit  # the invoice's credited amounts with this credit note


class CreditRefusedError(ValueError):
    """A credit note that cannot be: `line` names the line at fault (None: the invoice as a whole),
    `position` its place in the request and `field` the request's field at fault there."""

    def __init__(self, message: str, line: int | None = None, position: int | None = None, field: str = "amount"):
        super().__init__(message)
        self.line = line
        self.position = position
        self.field = field


class CreditExceedsInvoiceError(CreditRefusedError):
    """More than what remains of a line (or of the invoice) to credit."""


def credit_status(line_amounts: Sequence[Decimal], credited_lines: Sequence[Decimal]) -> CreditStatus:
    """ISSUED while nothing is credited, CREDITED once every line is fully credited."""
    if all(credited == amount for amount, credited in zip(line_amounts, credited_lines, strict=True)):
        return CreditStatus.CREDITED
    if any(credited > _ZERO for credited in credited_lines):
        return CreditStatus.PARTIALLY_CREDITED
    return CreditStatus.ISSUED


def compute_credit_note(invoice: InvoiceCredit, requested: Sequence[tuple[int, Decimal]] | None) -> ComputedCreditNote:
    """The credit note crediting `requested` [(line, amount)] of `invoice`, or what remains of every line
    when `requested` is None. Raises CreditRefusedError for a line that does not exist, a repeated line, an
    amount not positive or with more digits than the currency has; CreditExceedsInvoiceError when an
    amount exceeds what remains of its line, or a full credit note finds nothing left."""
    if requested is None:
        asked: Mapping[int, Decimal] = {
            line: invoice.remaining(line) for line in range(len(invoice.line_amounts)) if invoice.remaining(line) > 0
        }
        if not asked:
            raise CreditExceedsInvoiceError("nothing of this invoice is left to credit")
    else:
        asked = _checked_request(invoice, requested)
    credited_lines = list(invoice.credited_lines)
    for line, amount in asked.items():
        credited_lines[line] += amount
    net = sum(asked.values(), _ZERO)
    vat_left = invoice.vat_amount - invoice.credited_vat
    if credit_status(invoice.line_amounts, credited_lines) is CreditStatus.CREDITED:
        vat = vat_left
    else:
        vat = min(round_money(net * invoice.vat_rate / _HUNDRED, invoice.currency), vat_left)
    after = InvoiceCredit(
        currency=invoice.currency,
        vat_rate=invoice.vat_rate,
        line_amounts=invoice.line_amounts,
        vat_amount=invoice.vat_amount,
        credited_lines=tuple(credited_lines),
        credited_vat=invoice.credited_vat + vat,
    )
    lines = tuple(CreditedLine(line, amount) for line, amount in sorted(asked.items()))
    return ComputedCreditNote(lines=lines, net_total=net, vat_amount=vat, gross_total=net + vat, invoice_after=after)


def _checked_request(invoice: InvoiceCredit, requested: Sequence[tuple[int, Decimal]]) -> dict[int, Decimal]:
    digits = minor_units(invoice.currency)
    asked: dict[int, Decimal] = {}
    for position, (line, amount) in enumerate(requested):
        if not 0 <= line < len(invoice.line_amounts):
            raise CreditRefusedError(
                f"the invoice has no line {line} (it has {len(invoice.line_amounts)})", line, position, "line"
            )
        if line in asked:
            raise CreditRefusedError(f"line {line} is asked for twice", line, position, "line")
        if amount <= 0:
            raise CreditRefusedError("a credited amount must be positive", line, position)
        exponent = amount.as_tuple().exponent
        if not isinstance(exponent, int) or -exponent > digits:
            raise CreditRefusedError(f"{invoice.currency} amounts have at most {digits} decimals", line, position)
        if amount > invoice.remaining(line):
            raise CreditExceedsInvoiceError(
                f"line {line} has {invoice.remaining(line)} left to credit, less than {amount}", line, position
            )
        asked[line] = amount
    return asked
