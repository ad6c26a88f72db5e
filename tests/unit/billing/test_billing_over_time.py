"""The engine over years of a reseller's cycles while its billing-cycle day changes: random histories of
cycle-day changes, SIMs and usage, every cycle billed, against a day-by-day reference. Every day a SIM
is ACTIVE is charged in exactly one cycle, every SIM's activation fee once, every unit of usage once."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from reseller_billing.billing.cycles import CycleSchedule
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import (
    Allowance,
    BillingInput,
    LineKind,
    PoolType,
    PricePlan,
    Product,
    Service,
    Sim,
    SimStatus,
    StatusChange,
)
from tests.unit.billing.test_cycle_history import histories

RANDOM_HISTORIES = 200
YEARS = 3
DAY = timedelta(days=1)
# Overage at 1 per MB above an allowance of 0: the overage units of a cycle are exactly its usage.
PLAN = PricePlan(
    "plan",
    Decimal("1.50"),
    Decimal("30.00"),
    PoolType.INDIVIDUAL,
    (Allowance(Service.DATA, Decimal(0), Decimal(1)),),
)
PRODUCT = Product("prod", "P", "Product", "plan")


@st.composite
def fleets(draw: st.DrawFn, begin: date) -> tuple[tuple[Sim, ...], dict[tuple[str, date], Decimal]]:
    """SIMs activated in the first year, with status changes over the years, and usage on days they exist."""
    sims: list[Sim] = []
    usage: dict[tuple[str, date], Decimal] = {}
    for number in range(draw(st.integers(1, 3))):
        iccid = f"89{number:017d}"
        activation = begin + timedelta(days=draw(st.integers(0, 365)))
        history = [StatusChange(SimStatus.ACTIVE, activation)]
        day = activation
        for _ in range(draw(st.integers(0, 6))):
            day += timedelta(days=draw(st.integers(0, 200)))
            status = draw(st.sampled_from([s for s in SimStatus if s != history[-1].status]))
            history.append(StatusChange(status, day))
            if status == SimStatus.RETIRED:
                break
        sims.append(Sim(iccid, PRODUCT.id, activation, tuple(history)))
        retired = history[-1].effective_date if history[-1].status == SimStatus.RETIRED else None
        for _ in range(draw(st.integers(0, 6))):
            used_on = activation + timedelta(days=draw(st.integers(0, 2 * 365)))
            if retired is None or used_on < retired:
                usage[(iccid, used_on)] = usage.get((iccid, used_on), Decimal(0)) + draw(st.integers(1, 999))
    return tuple(sims), usage


def status_on(sim: Sim, day: date) -> SimStatus | None:
    status = None
    for change in sim.history:
        if change.effective_date <= day:
            status = change.status
    return status


@settings(max_examples=RANDOM_HISTORIES, deadline=None)
@given(histories(), st.data())
def test_every_active_day_activation_and_unit_of_usage_is_billed_once(
    case: tuple[int, date, list[tuple[date, int]]], data: st.DataObject
) -> None:
    first_day, begin, changes = case
    schedule = CycleSchedule.fixed(first_day)
    for changed_on, new_day in changes:
        schedule = CycleSchedule(schedule.changed(new_day, changed_on))
    sims, usage = data.draw(fleets(begin))
    cycles = list(schedule.cycles_between(begin, begin + timedelta(days=YEARS * 365)))
    assert all(later.start == earlier.run_date for earlier, later in pairwise(cycles))  # back to back

    active_days: Counter[str] = Counter()
    activations: Counter[str] = Counter()
    billed_usage: defaultdict[str, Decimal] = defaultdict(Decimal)
    for cycle in cycles:
        in_cycle = {(iccid, Service.DATA): Decimal(0) for iccid, day in usage if day in cycle}
        for (iccid, day), quantity in usage.items():
            if day in cycle:
                in_cycle[(iccid, Service.DATA)] += quantity
        result = compute_invoice(
            BillingInput(cycle, "EUR", Decimal(0), sims, in_cycle, {PRODUCT.id: PRODUCT}, {PLAN.id: PLAN})
        )
        for sim in sims:
            # the reference: the cycle's days one by one
            expected = sum(status_on(sim, cycle.start + DAY * n) == SimStatus.ACTIVE for n in range(cycle.days))
            charged = [c.active_days for c in result.sim_charges if c.iccid == sim.iccid and c.kind == LineKind.MRC]
            assert sum(charged) == expected
            active_days[sim.iccid] += expected
        for charge in result.sim_charges:
            if charge.kind == LineKind.ACTIVATION:
                activations[charge.iccid] += 1
            elif charge.kind == LineKind.OVERAGE_DATA:
                billed_usage[charge.iccid] += charge.quantity
        mrc = [line for line in result.lines if line.kind == LineKind.MRC]
        assert all(line.cycle_days == cycle.proration_days for line in mrc)

    first, last = cycles[0].start, cycles[-1].end
    for sim in sims:
        days = (last - first).days + 1
        assert active_days[sim.iccid] == sum(status_on(sim, first + DAY * n) == SimStatus.ACTIVE for n in range(days))
        assert activations[sim.iccid] == (1 if first <= sim.activation_date <= last else 0)
        used = sum(quantity for (iccid, day), quantity in usage.items() if iccid == sim.iccid and first <= day <= last)
        assert billed_usage[sim.iccid] == used
