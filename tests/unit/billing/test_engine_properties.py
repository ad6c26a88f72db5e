"""Property tests: the engine against a day-by-day reference in exact fractions, and invariants."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from math import floor

from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_billing.billing.cycles import BillingCycle, cycle_starting
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import (
    OVERAGE_KIND,
    Allowance,
    BillingInput,
    LineKind,
    MrcTier,
    PoolType,
    PricePlan,
    Product,
    Service,
    Sim,
    SimStatus,
    StatusChange,
)
from reseller_billing.money import minor_units

CURRENCIES = ("EUR", "JPY", "BHD")
DISPLAY_DIGITS = 6
KIND_ORDER = list(LineKind)


@st.composite
def decimals(draw: st.DrawFn, max_value: int, max_places: int) -> Decimal:
    """A non-negative decimal up to `max_value` with up to `max_places` decimal places."""
    places = draw(st.integers(0, max_places))
    return Decimal(draw(st.integers(0, max_value * 10**places))).scaleb(-places)


@st.composite
def plans(draw: st.DrawFn, plan_id: str) -> PricePlan:
    services = draw(st.lists(st.sampled_from(Service), unique=True, max_size=2))
    tier_minimums = draw(st.lists(st.integers(1, 6), unique=True, max_size=3))
    return PricePlan(
        id=plan_id,
        activation_fee=draw(decimals(50, 3)),
        monthly_fee=draw(decimals(100, 4)),
        pool_type=draw(st.sampled_from(PoolType)),
        allowances=tuple(Allowance(service, draw(decimals(500, 3)), draw(decimals(5, 5))) for service in services),
        mrc_tiers=tuple(MrcTier(minimum, draw(decimals(100, 4))) for minimum in tier_minimums),
    )


@st.composite
def sims(draw: st.DrawFn, iccid: str, product_ids: list[str], cycle: BillingCycle) -> Sim:
    activation_date = cycle.start + timedelta(days=draw(st.integers(-45, cycle.days - 1)))
    history = [StatusChange(SimStatus.ACTIVE, activation_date)]
    day = activation_date
    for _ in range(draw(st.integers(0, 3))):
        day += timedelta(days=draw(st.integers(0, 20)))
        status = draw(st.sampled_from(SimStatus))
        history.append(StatusChange(status, day))
        if status == SimStatus.RETIRED:
            break
    return Sim(iccid, draw(st.sampled_from(product_ids)), activation_date, tuple(history))


@st.composite
def billing_inputs(draw: st.DrawFn) -> BillingInput:
    start = date(draw(st.integers(2027, 2029)), draw(st.integers(1, 12)), draw(st.integers(1, 28)))
    cycle = cycle_starting(start)
    if draw(st.booleans()):
        # a transition cycle: shorter than the month it is prorated over (L)
        cycle = BillingCycle(start, start + timedelta(days=draw(st.integers(0, cycle.days - 2))), cycle.days)
    plan_ids = [f"plan-{number}" for number in range(draw(st.integers(1, 2)))]
    products = [
        Product(f"prod-{number}", draw(st.sampled_from(["A", "B", "C"])), "Product", draw(st.sampled_from(plan_ids)))
        for number in range(draw(st.integers(1, 3)))
    ]
    iccids = [f"89{number:017d}" for number in range(draw(st.integers(0, 6)))]
    the_sims = [draw(sims(iccid, [product.id for product in products], cycle)) for iccid in iccids]
    the_plans = {plan_id: draw(plans(plan_id)) for plan_id in plan_ids}
    plan_of = {product.id: the_plans[product.price_plan_id] for product in products}
    usage = {
        (sim.iccid, allowance.service): draw(decimals(2000, 3))
        for sim in the_sims
        for allowance in plan_of[sim.product_id].allowances
        if draw(st.booleans())
    }
    return BillingInput(
        cycle=cycle,
        currency=draw(st.sampled_from(CURRENCIES)),
        vat_rate=draw(decimals(30, 2)),
        sims=tuple(the_sims),
        usage=usage,
        products={product.id: product for product in products},
        plans=the_plans,
    )


# --- The reference: day by day, in fractions ----------------------------------------------------------


def status_on(sim: Sim, day: date) -> SimStatus | None:
    if day < sim.activation_date:
        return None
    status = None
    for change in sim.history:
        if change.effective_date <= day:
            status = change.status
    return status


def active_days(sim: Sim, cycle: BillingCycle) -> int:
    return sum(status_on(sim, cycle.start + timedelta(days=offset)) == SimStatus.ACTIVE for offset in range(cycle.days))


def decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), value
    return -exponent


def half_up(value: Fraction, digits: int) -> Decimal:
    scaled = floor(value * 10**digits + Fraction(1, 2))
    return Decimal(scaled).scaleb(-digits)


@dataclass
class ReferenceLine:
    quantity: Fraction
    amount: Fraction


def reference_lines(inp: BillingInput) -> dict[tuple[str, LineKind], ReferenceLine]:
    """Every (product, kind) with its exact quantity and amount, zero ones included."""
    cycle, days = inp.cycle, inp.cycle.proration_days
    by_product: dict[str, list[Sim]] = defaultdict(list)
    for sim in inp.sims:
        by_product[sim.product_id].append(sim)
    lines = {}
    for product_id, product_sims in by_product.items():
        plan = inp.plans[inp.products[product_id].price_plan_id]
        active_on_end = sum(status_on(sim, cycle.end) == SimStatus.ACTIVE for sim in product_sims)
        reached = [tier for tier in plan.mrc_tiers if tier.min_active_sims <= active_on_end]
        fee = Fraction(max(reached, key=lambda tier: tier.min_active_sims).monthly_fee if reached else plan.monthly_fee)
        sim_days = [active_days(sim, cycle) for sim in product_sims]
        lines[product_id, LineKind.MRC] = ReferenceLine(
            Fraction(sum(1 for each in sim_days if each)), sum((fee * each / days for each in sim_days), Fraction(0))
        )
        activated = sum(1 for sim in product_sims if sim.activation_date in cycle)
        lines[product_id, LineKind.ACTIVATION] = ReferenceLine(
            Fraction(activated), Fraction(plan.activation_fee) * activated
        )
        for allowance in plan.allowances:
            used = [Fraction(inp.usage.get((sim.iccid, allowance.service), Decimal(0))) for sim in product_sims]
            allowed = [Fraction(allowance.included) * each / days for each in sim_days]
            if plan.pool_type == PoolType.INDIVIDUAL:
                units = sum((max(Fraction(0), u - a) for u, a in zip(used, allowed, strict=True)), Fraction(0))
            else:
                units = max(Fraction(0), sum(used, Fraction(0)) - sum(allowed, Fraction(0)))
            lines[product_id, OVERAGE_KIND[allowance.service]] = ReferenceLine(
                units, units * Fraction(allowance.overage_price)
            )
    return lines


# --- Properties ---------------------------------------------------------------------------------------
# Two tests, each checking several properties per example: generating inputs is what costs time.


@settings(max_examples=200, deadline=None)
@given(billing_inputs())
def test_lines_and_sim_charges_match_the_exact_reference(inp: BillingInput) -> None:
    """Each line is its exact amount rounded half-up once; its per-SIM rows add up to it."""
    result = compute_invoice(inp)
    digits = minor_units(inp.currency)
    exact = reference_lines(inp)
    expected = {
        key: (half_up(line.quantity, DISPLAY_DIGITS), half_up(line.amount, digits))
        for key, line in exact.items()
        if half_up(line.amount, digits)
    }
    assert {(line.product_id, line.kind): (line.quantity, line.amount) for line in result.lines} == expected

    rows: dict[tuple[str, LineKind], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    sims = {sim.iccid: sim for sim in inp.sims}
    for charge in result.sim_charges:
        assert charge.product_id == sims[charge.iccid].product_id
        assert charge.active_days == active_days(sims[charge.iccid], inp.cycle)
        rows[charge.product_id, charge.kind].append((charge.quantity, charge.amount))
    assert rows.keys() == expected.keys()  # no detail without its line, no line without detail
    half_display_unit = Fraction(1, 2 * 10**DISPLAY_DIGITS)
    for key, line_rows in rows.items():
        # each row is rounded to 6 decimals for display; the line rounds the exact sum
        slack = half_display_unit * len(line_rows)
        assert abs(sum(Fraction(quantity) for quantity, _ in line_rows) - exact[key].quantity) <= slack
        assert abs(sum(Fraction(amount) for _, amount in line_rows) - exact[key].amount) <= slack
        if key[1] in (LineKind.MRC, LineKind.ACTIVATION):
            assert all(quantity == 1 for quantity, _ in line_rows)


@settings(max_examples=200, deadline=None)
@given(billing_inputs())
def test_invoice_invariants(inp: BillingInput) -> None:
    """Totals add up; amounts are non-negative with the currency's minor digits; the result is
    deterministic and ordered; quantities are plain decimals."""
    result = compute_invoice(inp)
    digits = minor_units(inp.currency)

    assert sum((line.amount for line in result.lines), Decimal(0)) == result.net_total
    assert result.vat_amount == half_up(Fraction(result.net_total) * Fraction(inp.vat_rate) / 100, digits)
    assert result.net_total + result.vat_amount == result.gross_total
    assert result.is_empty == (not result.lines)

    for amount in (*(line.amount for line in result.lines), result.net_total, result.vat_amount, result.gross_total):
        assert amount >= 0
        assert decimal_places(amount) == digits
    assert all(line.amount > 0 for line in result.lines)
    assert all(charge.amount >= 0 and charge.quantity >= 0 for charge in result.sim_charges)

    for value in (
        *(line.quantity for line in result.lines),
        *(charge.quantity for charge in result.sim_charges),
        *(charge.amount for charge in result.sim_charges),
    ):
        text = str(value)
        assert "E" not in text
        assert not ("." in text and text.endswith("0"))
        assert decimal_places(value) <= DISPLAY_DIGITS

    for line in result.lines:
        if line.kind == LineKind.MRC:
            # the unit price, SIM-days and cycle days on the line give back its amount, rounded once
            assert line.cycle_days == inp.cycle.proration_days
            assert line.sim_days is not None
            assert line.sim_days > 0
            exact = Fraction(line.unit_price) * line.sim_days / line.cycle_days
            assert line.amount == half_up(exact, digits)
        else:
            assert line.sim_days is None
            assert line.cycle_days is None
        if line.kind == LineKind.ACTIVATION:
            assert line.amount == half_up(Fraction(line.unit_price) * Fraction(line.quantity), digits)

    assert compute_invoice(inp) == result
    codes = {product.id: product.code for product in inp.products.values()}
    line_keys = [(codes[line.product_id], line.product_id, KIND_ORDER.index(line.kind)) for line in result.lines]
    assert line_keys == sorted(line_keys)
    assert len(set(line_keys)) == len(line_keys)
    charge_keys = [(charge.iccid, KIND_ORDER.index(charge.kind)) for charge in result.sim_charges]
    assert charge_keys == sorted(charge_keys)
    assert len(set(charge_keys)) == len(charge_keys)
