"""One customer's invoice for one billing cycle, computed exactly from plans, SIM histories and usage.

The rules are docs/billing-rules.md. Every charge is a rational number: an exact numerator over the cycle's days
(or, for a SIM's share of a pool's overage, over the pool's summed excess times the days). Numerators
are built in Decimal arithmetic that refuses to round (`decimal.Inexact` is trapped), and each value is
divided exactly once: a line's amount then rounds half-up once, to the currency's minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from operator import attrgetter

from reseller_billing.billing.cycles import BillingCycle
from reseller_billing.billing.model import (
    OVERAGE_KIND,
    Allowance,
    BillingInput,
    ComputedInvoice,
    InvoiceLine,
    LineKind,
    PoolType,
    PricePlan,
    Service,
    Sim,
    SimCharge,
    SimStatus,
)
from reseller_billing.money import round_money

# Numerators are built with additions and multiplications only; trapping Inexact turns an input too
# precise to carry exactly into an error instead of a silently wrong cent.
_EXACT = Context(prec=80, rounding=ROUND_HALF_UP, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])
# Each value is divided once. Truncating the quotient (ROUND_DOWN) at 60 digits can never move it across
# a half-up tie of the final rounding (a tie has few digits), so the one rounding that follows is exact.
_QUOTIENT = Context(prec=60, rounding=ROUND_DOWN, traps=[InvalidOperation, DivisionByZero, Overflow])

_ZERO = Decimal(0)
_ONE = Decimal(1)
_DISPLAY_QUANTUM = Decimal("0.000001")
_KIND_ORDER = {kind: position for position, kind in enumerate(LineKind)}


class ServiceNotInPlanError(ValueError):
    """Usage of a service the pricing plan version has no allowance for: intake refuses such usage
    (`service_not_in_plan`), so reaching the engine means the plan changed under recorded usage."""


@dataclass(slots=True)
class _SimInCycle:
    iccid: str
    active_days: int
    activated: bool  # activation_date falls in the cycle
    active_on_end: bool  # ACTIVE on the cycle's last day


@dataclass(slots=True)
class _PendingLine:
    """A line whose per-SIM detail is final and whose amount is still exact: amount_times_days / days."""

    product_id: str
    kind: LineKind
    quantity: Decimal
    amount_times_days: Decimal
    sim_charges: list[SimCharge]
    unit_price: Decimal
    sim_days: int | None = None


def compute_invoice(inp: BillingInput) -> ComputedInvoice:
    """Compute the invoice of one customer for `inp.cycle` (docs/billing-rules.md). Pure: no I/O, no clock.

    * MRC: per SIM, fee * active days / proration days (the cycle's days, or L for a transition
      cycle); the fee is the plan's `monthly_fee`, or the `monthly_fee` of the highest MRC tier whose
      `min_active_sims` is reached by the customer's SIMs on the product that are ACTIVE on the
      cycle's last day.
    * ACTIVATION: the plan's `activation_fee` for each SIM activated in the cycle.
    * OVERAGE_DATA / OVERAGE_SMS: usage above the allowance (`included` * active days / proration
      days), per SIM (INDIVIDUAL) or summed over the customer's SIMs on the product (POOL), at
      `overage_price`.

    One line per (product, kind); its amount is the exact sum of its SIMs' amounts, rounded half-up
    once with `round_money`; lines rounding to zero are left out, together with their per-SIM detail.
    Line quantities: SIMs with active days (MRC), SIMs activated (ACTIVATION), overage units
    (OVERAGE_*, rounded half-up to 6 decimals, trailing zeros dropped, never in exponent notation).
    Lines are ordered by product code, then kind in `LineKind` order.

    `sim_charges` is the per-SIM detail for the RAW artefact, ordered by ICCID then kind: one row per
    SIM and line it contributes to. Its `quantity` and `amount` are the SIM's exact part of the line's
    quantity and amount, rounded half-up to 6 decimals for display (the line rounds the exact sum, so
    the rows add up to the line up to that display rounding). MRC and ACTIVATION rows have quantity 1.
    A POOL overage is apportioned to the SIMs that used more than their own prorated allowance, in
    proportion to that excess: a SIM within its own share of the pool carries none of it, and the rows
    add up to the pool's overage units and charge. A SIM with no part in a line has no row for it.

    Raises ValueError when `inp.usage` holds usage of a SIM that is not in `inp.sims`, or usage of a
    service its plan has no allowance for (either would otherwise be dropped: intake refuses both),
    KeyError for a SIM whose product or plan is missing, and `decimal.Inexact`
    for inputs too precise to be carried exactly (beyond 80 significant digits in a product).
    """
    cycle = inp.cycle
    days = Decimal(cycle.proration_days)
    usage = inp.usage
    sims_by_product: dict[str, list[_SimInCycle]] = {}
    usage_found = 0
    for sim in inp.sims:
        sims_by_product.setdefault(sim.product_id, []).append(_sim_in_cycle(sim, cycle))
        usage_found += ((sim.iccid, Service.DATA) in usage) + ((sim.iccid, Service.SMS) in usage)
    if usage_found != len(usage):
        raise ValueError("usage holds records of SIMs that are not part of the billing input")

    products = sorted((inp.products[product_id] for product_id in sims_by_product), key=attrgetter("code", "id"))
    with localcontext(_EXACT):
        pending = [
            line
            for product in products
            for line in _product_lines(
                product.id, inp.plans[product.price_plan_id], sims_by_product[product.id], usage, days
            )
        ]

    currency = inp.currency
    lines: list[InvoiceLine] = []
    sim_charges: list[SimCharge] = []
    with localcontext(_QUOTIENT):
        for line in pending:
            amount = round_money(line.amount_times_days / days, currency)
            if amount:
                cycle_days = cycle.proration_days if line.sim_days is not None else None
                lines.append(
                    InvoiceLine(
                        line.product_id, line.kind, line.quantity, amount, line.unit_price, line.sim_days, cycle_days
                    )
                )
                sim_charges.extend(line.sim_charges)
        net_total = round_money(sum((line.amount for line in lines), _ZERO), currency)
        vat_amount = round_money(net_total * inp.vat_rate / 100, currency)
        gross_total = net_total + vat_amount
    # A SIM is on one product, whose lines come in kind order: a stable sort by ICCID keeps that order.
    sim_charges.sort(key=attrgetter("iccid"))
    return ComputedInvoice(
        lines=tuple(lines),
        sim_charges=tuple(sim_charges),
        net_total=net_total,
        vat_rate=inp.vat_rate,
        vat_amount=vat_amount,
        gross_total=gross_total,
    )


def _sim_in_cycle(sim: Sim, cycle: BillingCycle) -> _SimInCycle:
    """The SIM's active days in the cycle, by walking its history intervals (never day by day).

    The status on day d is that of the latest change effective on or before d; before its activation
    date the SIM does not exist. A later change on the same day supersedes an earlier one.
    """
    activation_date = sim.activation_date
    first = max(cycle.start, activation_date).toordinal()
    last = cycle.end.toordinal()
    history = sim.history
    active_days = 0
    active_on_end = False
    for position, change in enumerate(history):
        starts = change.effective_date.toordinal()
        if starts > last:
            break
        active_on_end = change.status == SimStatus.ACTIVE
        if active_on_end:
            ends = history[position + 1].effective_date.toordinal() - 1 if position + 1 < len(history) else last
            span = min(ends, last) - max(starts, first) + 1
            if span > 0:
                active_days += span
    return _SimInCycle(
        sim.iccid,
        active_days,
        cycle.start <= activation_date <= cycle.end,
        active_on_end and activation_date <= cycle.end,
    )


def _monthly_fee(plan: PricePlan, active_sims: int) -> Decimal:
    """The plan's fee per SIM for a cycle ending with `active_sims` ACTIVE SIMs on the product."""
    fee = plan.monthly_fee
    reached = -1
    for tier in plan.mrc_tiers:
        if reached < tier.min_active_sims <= active_sims:
            reached = tier.min_active_sims
            fee = tier.monthly_fee
    return fee


def _product_lines(
    product_id: str,
    plan: PricePlan,
    sims: list[_SimInCycle],
    usage: Mapping[tuple[str, Service], Decimal],
    days: Decimal,
) -> list[_PendingLine]:
    """The product's lines that have per-SIM charges, in `LineKind` order. Runs in the exact context."""
    priced = {allowance.service for allowance in plan.allowances}
    for service in Service:
        if service not in priced and any((sim.iccid, service) in usage for sim in sims):
            raise ServiceNotInPlanError(f"{service} usage on product {product_id}, whose plan has no {service}")
    fee = _monthly_fee(plan, sum(sim.active_on_end for sim in sims))
    mrc: list[SimCharge] = []
    mrc_active_days = 0
    mrc_amounts: dict[int, Decimal] = {}  # most SIMs share their active days: divide once per value
    activation: list[SimCharge] = []
    activation_amount = _display(plan.activation_fee)
    for sim in sims:
        if sim.active_days:
            mrc_active_days += sim.active_days
            amount = mrc_amounts.get(sim.active_days)
            if amount is None:
                amount = mrc_amounts[sim.active_days] = _display(_QUOTIENT.divide(fee * sim.active_days, days))
            mrc.append(SimCharge(sim.iccid, product_id, LineKind.MRC, sim.active_days, _ONE, amount))
        if sim.activated:
            activation.append(
                SimCharge(sim.iccid, product_id, LineKind.ACTIVATION, sim.active_days, _ONE, activation_amount)
            )
    lines = [
        _PendingLine(product_id, LineKind.MRC, Decimal(len(mrc)), fee * mrc_active_days, mrc, fee, mrc_active_days),
        _PendingLine(
            product_id,
            LineKind.ACTIVATION,
            Decimal(len(activation)),
            plan.activation_fee * len(activation) * days,
            activation,
            plan.activation_fee,
        ),
    ]
    lines.extend(_overage_lines(product_id, plan, sims, usage, days))
    return [line for line in lines if line.sim_charges]


def _overage_lines(
    product_id: str,
    plan: PricePlan,
    sims: list[_SimInCycle],
    usage: Mapping[tuple[str, Service], Decimal],
    days: Decimal,
) -> list[_PendingLine]:
    """The product's overage lines, one per service the plan has an allowance for. Runs in the exact context.

    Units are carried multiplied by `days`, so a SIM's prorated allowance, included * active_days / days,
    is carried as the exact included * active_days.
    """
    lines = []
    divide = _QUOTIENT.divide
    for allowance in sorted(plan.allowances, key=_allowance_order):
        service, included, price = allowance.service, allowance.included, allowance.overage_price
        excess: list[tuple[_SimInCycle, Decimal]] = []  # SIMs above their own allowance, and by how much
        balance = _ZERO  # the product's usage minus its pooled allowance
        for sim in sims:
            over = usage.get((sim.iccid, service), _ZERO) * days - included * sim.active_days
            balance += over
            if over > 0:
                excess.append((sim, over))
        total_excess = sum((over for _, over in excess), _ZERO)
        # A SIM's part of the line is over * scale / denominator units.
        if plan.pool_type == PoolType.INDIVIDUAL:
            units, scale, denominator = total_excess, _ONE, days
        elif balance > 0:
            # 0 < balance <= total_excess: the pool's overage is split in proportion to each SIM's excess.
            units, scale, denominator = balance, balance, total_excess * days
        else:
            continue
        kind = OVERAGE_KIND[service]
        charges = []
        for sim, over in excess:
            share = over * scale
            charges.append(
                SimCharge(
                    sim.iccid,
                    product_id,
                    kind,
                    sim.active_days,
                    _display(divide(share, denominator)),
                    _display(divide(price * share, denominator)),
                )
            )
        lines.append(_PendingLine(product_id, kind, _display(divide(units, days)), price * units, charges, price))
    return lines


def _display(value: Decimal) -> Decimal:
    """`value` rounded half-up to 6 decimals, without trailing zeros and never in exponent notation."""
    # Explicit context: this also runs inside the exact context, whose Inexact trap must not fire here.
    rounded = value.quantize(_DISPLAY_QUANTUM, ROUND_HALF_UP, _QUOTIENT)
    integral = rounded.to_integral_value(ROUND_HALF_UP, _QUOTIENT)
    return integral if integral == rounded else rounded.normalize(_QUOTIENT)


def _allowance_order(allowance: Allowance) -> int:
    return _KIND_ORDER[OVERAGE_KIND[allowance.service]]
