"""The engine over years of a reseller's cycles while its billing-cycle day changes: random histories of
cycle-day changes, SIMs and usage, every cycle billed, against a day-by-day reference. Every day a SIM
is ACTIVE is charged in exactly one cycle, every SIM's activation fee once, every unit of usage once."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise

from hypothesis import example, given, settings
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


# A SIM as days after the first day of the histories: its activation, its status changes (each some days
# after the one before) and its usage (days after its activation, units).
SimPlan = tuple[int, tuple[tuple[int, SimStatus], ...], tuple[tuple[int, int], ...]]


@st.composite
def fleets(draw: st.DrawFn) -> tuple[SimPlan, ...]:
    """1-3 SIMs activated in the first year, with status changes over the years and usage."""
    plans = []
    for _ in range(draw(st.integers(1, 3))):
        changes, status = [], SimStatus.ACTIVE
        for _ in range(draw(st.integers(0, 6))):
            status = draw(st.sampled_from([s for s in SimStatus if s != status]))
            changes.append((draw(st.integers(0, 200)), status))
            if status == SimStatus.RETIRED:
                break
        usage = draw(st.lists(st.tuples(st.integers(0, 2 * 365), st.integers(1, 999)), max_size=6))
        plans.append((draw(st.integers(0, 365)), tuple(changes), tuple(usage)))
    return tuple(plans)


def fleet(begin: date, plans: tuple[SimPlan, ...]) -> tuple[tuple[Sim, ...], dict[tuple[str, date], Decimal]]:
    """The SIMs and their usage by day (usage only on days a SIM exists, as intake has it)."""
    sims: list[Sim] = []
    usage: dict[tuple[str, date], Decimal] = {}
    for number, (activated_after, changes, used) in enumerate(plans):
        iccid = f"89{number:017d}"
        activation = begin + timedelta(days=activated_after)
        history = [StatusChange(SimStatus.ACTIVE, activation)]
        for after, status in changes:
            history.append(StatusChange(status, history[-1].effective_date + timedelta(days=after)))
        sims.append(Sim(iccid, PRODUCT.id, activation, tuple(history)))
        retired = history[-1].effective_date if history[-1].status == SimStatus.RETIRED else None
        for after, quantity in used:
            day = activation + timedelta(days=after)
            if retired is None or day < retired:
                usage[(iccid, day)] = usage.get((iccid, day), Decimal(0)) + quantity
    return tuple(sims), usage


def status_on(sim: Sim, day: date) -> SimStatus | None:
    status = None
    for change in sim.history:
        if change.effective_date <= day:
            status = change.status
    return status


@settings(max_examples=RANDOM_HISTORIES, deadline=None)
@given(histories(), fleets())
# Always among them: day 28 to 1 just before a leap February, 1 to 28 through a common one and on.
@example((28, date(2027, 12, 1), [(date(2028, 2, 10), 1)]), ((20, ((80, SimStatus.SUSPENDED),), ((75, 500),)),))
@example(
    (1, date(2026, 11, 1), [(date(2027, 1, 10), 28), (date(2027, 2, 27), 5)]),
    ((60, ((40, SimStatus.SUSPENDED), (3, SimStatus.ACTIVE)), ((30, 100), (95, 7))), (100, (), ())),
)
def test_every_active_day_activation_and_unit_of_usage_is_billed_once(
    case: tuple[int, date, list[tuple[date, int]]], plans: tuple[SimPlan, ...]
) -> None:
    first_day, begin, changes = case
    schedule = CycleSchedule.fixed(first_day)
    for changed_on, new_day in changes:
        schedule = CycleSchedule(schedule.changed(new_day, changed_on))
    sims, usage = fleet(begin, plans)
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
        for line in result.lines:
            if line.kind == LineKind.MRC:
                # prorated over the cycle's days, or L in a transition: 30.00 × SIM-days / L, rounded once
                assert line.cycle_days == cycle.proration_days
                exact = Decimal(30) * (line.sim_days or 0) / cycle.proration_days
                assert line.amount == exact.quantize(Decimal("0.01"), ROUND_HALF_UP)

    first, last = cycles[0].start, cycles[-1].end
    for sim in sims:
        days = (last - first).days + 1
        assert active_days[sim.iccid] == sum(status_on(sim, first + DAY * n) == SimStatus.ACTIVE for n in range(days))
        assert activations[sim.iccid] == (1 if first <= sim.activation_date <= last else 0)
        used = sum(quantity for (iccid, day), quantity in usage.items() if iccid == sim.iccid and first <= day <= last)
        assert billed_usage[sim.iccid] == used
