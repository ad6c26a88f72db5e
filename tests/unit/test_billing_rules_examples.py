"""The worked examples of docs/billing-rules.md, computed by the billing engine: the page's numbers are
the engine's."""

from datetime import date
from decimal import Decimal

import pytest

from reseller_billing.billing.cycles import CycleSchedule, cycle_starting
from reseller_billing.billing.engine import compute_invoice
from reseller_billing.billing.model import (
    Allowance,
    BillingInput,
    ComputedInvoice,
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

CYCLE = cycle_starting(date(2026, 10, 5))  # cycle day 5: 2026-10-05 .. 2026-11-04, 31 days
PRODUCT = Product("prod", "IOT-EU-1GB", "IoT Europe 1 GB", "plan")
DATA_1GB = (Allowance(Service.DATA, Decimal(1024), Decimal("0.004")),)
ACTIVE, SUSPENDED = SimStatus.ACTIVE, SimStatus.SUSPENDED


def sim(iccid: str, activated: date, *changes: tuple[SimStatus, date]) -> Sim:
    history = (StatusChange(ACTIVE, activated), *(StatusChange(status, day) for status, day in changes))
    return Sim(iccid, PRODUCT.id, activated, history)


FLEET = (
    sim("A", date(2026, 1, 10)),
    sim("B", date(2026, 1, 10), (SUSPENDED, date(2026, 10, 20)), (ACTIVE, date(2026, 10, 27))),
    sim("C", date(2026, 10, 25)),
)
FLEET_USAGE = {("A", Service.DATA): "1500", ("B", Service.DATA): "200", ("C", Service.DATA): "900"}


def invoice(
    plan: PricePlan, sims: tuple[Sim, ...], usage: dict[tuple[str, Service], str], currency: str, vat_rate: str
) -> ComputedInvoice:
    return compute_invoice(
        BillingInput(
            cycle=CYCLE,
            currency=currency,
            vat_rate=Decimal(vat_rate),
            sims=sims,
            usage={key: Decimal(quantity) for key, quantity in usage.items()},
            products={PRODUCT.id: PRODUCT},
            plans={plan.id: plan},
        )
    )


def amounts(result: ComputedInvoice) -> tuple[dict[LineKind, str], tuple[str, str, str]]:
    lines = {line.kind: str(line.amount) for line in result.lines}
    return lines, (str(result.net_total), str(result.vat_amount), str(result.gross_total))


def test_the_cycles():
    assert (CYCLE.start, CYCLE.end, CYCLE.days) == (date(2026, 10, 5), date(2026, 11, 4), 31)
    first = CycleSchedule.fixed(1)
    assert (first.cycle_containing(date(2026, 2, 10)).end, first.cycle_containing(date(2024, 2, 10)).end) == (
        date(2026, 2, 28),
        date(2024, 2, 29),
    )
    assert CycleSchedule.fixed(28).cycle_containing(date(2027, 1, 27)).start == date(2026, 12, 28)


def test_example_1_one_sim_activated_mid_cycle():
    plan = PricePlan(
        "plan", Decimal("5.00"), Decimal("9.99"), PoolType.POOL, DATA_1GB, (MrcTier(100, Decimal("7.99")),)
    )
    result = invoice(plan, (sim("A", date(2026, 10, 10)),), {("A", Service.DATA): "1500.5"}, "EUR", "23")
    assert result.sim_charges[0].active_days == 26
    assert amounts(result) == (
        {LineKind.MRC: "8.38", LineKind.ACTIVATION: "5.00", LineKind.OVERAGE_DATA: "2.57"},
        ("15.95", "3.67", "19.62"),
    )
    assert str(result.lines[2].quantity) == "641.66129"


@pytest.mark.parametrize(
    ("pool_type", "overage_quantity", "overage", "totals"),
    [
        (PoolType.POOL, "419.870968", "1.68", ("27.95", "5.31", "33.26")),
        (PoolType.INDIVIDUAL, "1012.645161", "4.05", ("30.32", "5.76", "36.08")),
    ],
)
def test_example_2_three_sims_pool_and_individual(pool_type, overage_quantity, overage, totals):
    plan = PricePlan("plan", Decimal("5.00"), Decimal("9.99"), pool_type, DATA_1GB)
    result = invoice(plan, FLEET, FLEET_USAGE, "EUR", "19")
    assert [(c.iccid, c.active_days) for c in result.sim_charges if c.kind is LineKind.MRC] == [
        ("A", 31),
        ("B", 24),
        ("C", 11),
    ]
    # Rounded once per line: 9.99 * 66/31 = 21.269..., where the SIMs rounded one by one would add up to 21.26.
    assert [str(c.amount) for c in result.sim_charges if c.kind is LineKind.MRC] == ["9.99", "7.734194", "3.544839"]
    assert amounts(result) == (
        {LineKind.MRC: "21.27", LineKind.ACTIVATION: "5.00", LineKind.OVERAGE_DATA: overage},
        totals,
    )
    assert str(result.lines[2].quantity) == overage_quantity


def test_example_3_a_tier_prices_every_sim():
    plan = PricePlan("plan", Decimal(0), Decimal("9.99"), PoolType.INDIVIDUAL, (), (MrcTier(3, Decimal("7.99")),))
    assert amounts(invoice(plan, FLEET, {}, "EUR", "0"))[0] == {LineKind.MRC: "17.01"}


def test_example_4_yen_have_no_minor_unit():
    plan = PricePlan("plan", Decimal(0), Decimal(1000), PoolType.INDIVIDUAL)
    assert amounts(invoice(plan, FLEET, {}, "JPY", "10")) == ({LineKind.MRC: "2129"}, ("2129", "213", "2342"))


def transition_invoice(new_day: int, usage: str | None) -> tuple[ComputedInvoice, int]:
    """The transition cycle of a change from day 5 to `new_day` on 2026-11-20, for one SIM active since
    2026-10-10 on the plan of 9.99 with 1024 MB at 0.004 (VAT 23 %); and the proration days L."""
    schedule = CycleSchedule(CycleSchedule.fixed(5).changed(new_day, date(2026, 11, 20)))
    cycle = schedule.cycle_containing(date(2026, 12, 5))
    plan = PricePlan("plan", Decimal("5.00"), Decimal("9.99"), PoolType.INDIVIDUAL, DATA_1GB)
    result = compute_invoice(
        BillingInput(
            cycle=cycle,
            currency="EUR",
            vat_rate=Decimal(23),
            sims=(sim("A", date(2026, 10, 10)),),
            usage={("A", Service.DATA): Decimal(usage)} if usage else {},
            products={PRODUCT.id: PRODUCT},
            plans={plan.id: plan},
        )
    )
    return result, cycle.proration_days


def test_changing_example_1_a_short_transition():
    result, proration_days = transition_invoice(10, None)
    assert proration_days == 31
    lines, totals = amounts(result)
    assert lines == {LineKind.MRC: "1.61"}  # 9.99 × 5/31
    assert (result.lines[0].sim_days, result.lines[0].cycle_days) == (5, 31)
    assert totals == ("1.61", "0.37", "1.98")


def test_changing_example_2_a_long_transition():
    result, proration_days = transition_invoice(20, "600")
    assert proration_days == 31
    lines, totals = amounts(result)
    assert lines == {LineKind.MRC: "4.83", LineKind.OVERAGE_DATA: "0.42"}  # 9.99 × 15/31; 600 − 1024 × 15/31 MB
    assert totals == ("5.25", "1.21", "6.46")
