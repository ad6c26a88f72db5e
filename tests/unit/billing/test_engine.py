"""Hand-computed invoices. The arithmetic is in the comments; April 2028 (cycle day 1) has 30 days."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal, Inexact, localcontext

import pytest

from reseller_billing.billing.cycles import BillingCycle, cycle_starting
from reseller_billing.billing.engine import ServiceNotInPlanError, compute_invoice
from reseller_billing.billing.model import (
    Allowance,
    BillingInput,
    ComputedInvoice,
    InvoiceLine,
    LineKind,
    MrcTier,
    PoolType,
    PricePlan,
    Product,
    Service,
    Sim,
    SimCharge,
    SimStatus,
    StatusChange,
)

D = Decimal
APRIL = cycle_starting(date(2028, 4, 1))
LONG_AGO = date(2028, 1, 1)
A, B, C = "8900000000000000001", "8900000000000000002", "8900000000000000003"
MRC, ACTIVATION = LineKind.MRC, LineKind.ACTIVATION
OVERAGE_DATA, OVERAGE_SMS = LineKind.OVERAGE_DATA, LineKind.OVERAGE_SMS
ACTIVE, SUSPENDED, RETIRED = SimStatus.ACTIVE, SimStatus.SUSPENDED, SimStatus.RETIRED


def april(day: int) -> date:
    return date(2028, 4, day)


def plan(
    monthly_fee: str = "9.99",
    activation_fee: str = "0",
    pool_type: PoolType = PoolType.INDIVIDUAL,
    allowances: tuple[Allowance, ...] = (),
    mrc_tiers: tuple[MrcTier, ...] = (),
    plan_id: str = "plan-1",
) -> PricePlan:
    return PricePlan(plan_id, D(activation_fee), D(monthly_fee), pool_type, allowances, mrc_tiers)


def product(product_id: str = "prod-1", code: str = "IOT-S", plan_id: str = "plan-1") -> Product:
    return Product(product_id, code, f"Product {code}", plan_id)


def sim(
    iccid: str, activation_date: date = LONG_AGO, *changes: tuple[SimStatus, date], product_id: str = "prod-1"
) -> Sim:
    history = (StatusChange(ACTIVE, activation_date), *(StatusChange(status, day) for status, day in changes))
    return Sim(iccid, product_id, activation_date, history)


def data(included: str, overage_price: str) -> Allowance:
    return Allowance(Service.DATA, D(included), D(overage_price))


def sms(included: str, overage_price: str) -> Allowance:
    return Allowance(Service.SMS, D(included), D(overage_price))


def invoice(
    sims: Iterable[Sim],
    *,
    plans: Iterable[PricePlan] = (),
    products: Iterable[Product] = (),
    usage: Mapping[tuple[str, Service], str] | None = None,
    currency: str = "EUR",
    vat_rate: str = "0",
    cycle: BillingCycle = APRIL,
) -> ComputedInvoice:
    plans = tuple(plans) or (plan(),)
    products = tuple(products) or (product(),)
    return compute_invoice(
        BillingInput(
            cycle=cycle,
            currency=currency,
            vat_rate=D(vat_rate),
            sims=tuple(sims),
            usage={key: D(quantity) for key, quantity in (usage or {}).items()},
            products={each.id: each for each in products},
            plans={each.id: each for each in plans},
        )
    )


def line(result: ComputedInvoice, kind: LineKind, product_id: str = "prod-1") -> InvoiceLine:
    (found,) = (each for each in result.lines if each.kind == kind and each.product_id == product_id)
    return found


def totals(result: ComputedInvoice) -> tuple[str, str, str]:
    return str(result.net_total), str(result.vat_amount), str(result.gross_total)


# --- MRC and active days ------------------------------------------------------------------------------


def test_full_cycle_mrc() -> None:
    result = invoice([sim(A)])
    # amount = unit_price * sim_days / cycle_days = 9.99 * 30/30
    assert result.lines == (InvoiceLine("prod-1", MRC, D(1), D("9.99"), D("9.99"), 30, 30),)
    assert result.sim_charges == (SimCharge(A, "prod-1", MRC, 30, D(1), D("9.99")),)
    assert totals(result) == ("9.99", "0.00", "9.99")
    assert not result.is_empty


def test_activation_mid_cycle_prorates_mrc_and_charges_the_activation_fee() -> None:
    result = invoice([sim(A, april(14))], plans=[plan(activation_fee="5.00")])
    # active Apr 14-30 = 17 days: 9.99 * 17/30 = 5.661 -> 5.66; activation fee 5.00
    assert result.lines == (
        InvoiceLine("prod-1", MRC, D(1), D("5.66"), D("9.99"), 17, 30),
        InvoiceLine("prod-1", ACTIVATION, D(1), D("5.00"), D("5.00")),
    )
    assert result.sim_charges == (
        SimCharge(A, "prod-1", MRC, 17, D(1), D("5.661")),
        SimCharge(A, "prod-1", ACTIVATION, 17, D(1), D("5")),
    )
    assert totals(result) == ("10.66", "0.00", "10.66")


def test_activation_on_the_last_day() -> None:
    result = invoice([sim(A, april(30))], plans=[plan(activation_fee="5.00")])
    # 1 day: 9.99 * 1/30 = 0.333 -> 0.33
    assert [(each.kind, each.amount) for each in result.lines] == [(MRC, D("0.33")), (ACTIVATION, D("5.00"))]


def test_activation_in_an_earlier_cycle_charges_no_fee() -> None:
    result = invoice([sim(A, date(2028, 3, 31))], plans=[plan(activation_fee="5.00")])
    assert result.lines == (InvoiceLine("prod-1", MRC, D(1), D("9.99"), D("9.99"), 30, 30),)


def test_suspension_and_resumption_mid_cycle() -> None:
    result = invoice([sim(A, LONG_AGO, (SUSPENDED, april(6)), (ACTIVE, april(20)))])
    # active Apr 1-5 (5 days) and Apr 20-30 (11 days) = 16 days: 9.99 * 16/30 = 5.328 -> 5.33
    assert result.lines == (InvoiceLine("prod-1", MRC, D(1), D("5.33"), D("9.99"), 16, 30),)
    assert result.sim_charges == (SimCharge(A, "prod-1", MRC, 16, D(1), D("5.328")),)


def test_suspended_through_the_cycle_has_no_mrc() -> None:
    result = invoice([sim(A, LONG_AGO, (SUSPENDED, date(2028, 3, 10)), (ACTIVE, date(2028, 5, 2)))])
    assert result.is_empty
    assert result.sim_charges == ()


def test_retirement_mid_cycle() -> None:
    result = invoice([sim(A, LONG_AGO, (RETIRED, april(11)))])
    # active Apr 1-10 = 10 days: 9.99 * 10/30 = 3.33
    assert result.lines == (InvoiceLine("prod-1", MRC, D(1), D("3.33"), D("9.99"), 10, 30),)


def test_retired_before_the_cycle_gives_an_empty_invoice() -> None:
    result = invoice([sim(A, LONG_AGO, (RETIRED, date(2028, 3, 15)))])
    assert result.is_empty
    assert totals(result) == ("0.00", "0.00", "0.00")


def test_changes_on_the_same_day_the_latest_wins() -> None:
    resumed = sim(A, LONG_AGO, (SUSPENDED, april(10)), (ACTIVE, april(10)))
    suspended = sim(B, LONG_AGO, (SUSPENDED, april(10)), (ACTIVE, april(10)), (SUSPENDED, april(10)))
    result = invoice([resumed, suspended])
    # A: 30 days; B: Apr 1-9 = 9 days. 9.99 * (30 + 9)/30 = 12.987 -> 12.99
    assert result.lines == (InvoiceLine("prod-1", MRC, D(2), D("12.99"), D("9.99"), 39, 30),)
    assert [(each.iccid, each.active_days) for each in result.sim_charges] == [(A, 30), (B, 9)]


def test_no_sims_gives_an_empty_invoice() -> None:
    result = invoice([])
    assert result.is_empty
    assert result.lines == ()
    assert totals(result) == ("0.00", "0.00", "0.00")


# --- MRC tiers ----------------------------------------------------------------------------------------

TIERED = plan(monthly_fee="10.00", mrc_tiers=(MrcTier(5, D("7.00")), MrcTier(3, D("8.00"))))  # unsorted


@pytest.mark.parametrize(
    ("active_sims", "fee", "amount"),
    [
        (2, "10.00", "20.00"),  # below the first tier: 10.00 * 2
        (3, "8.00", "24.00"),  # exactly at the 3-tier: 8.00 * 3
        (4, "8.00", "32.00"),  # above it: 8.00 * 4
        (5, "7.00", "35.00"),  # exactly at the 5-tier: 7.00 * 5
        (6, "7.00", "42.00"),  # above the top tier: 7.00 * 6
    ],
)
def test_mrc_tiers(active_sims: int, fee: str, amount: str) -> None:
    sims = [sim(f"89000000000000000{number:02d}") for number in range(active_sims)]
    result = invoice(sims, plans=[TIERED])
    # the line's unit price is the tier's fee
    assert result.lines == (InvoiceLine("prod-1", MRC, D(active_sims), D(amount), D(fee), 30 * active_sims, 30),)


def test_mrc_tier_counts_sims_active_on_the_last_day_and_prices_every_sim() -> None:
    sims = [
        sim(A),
        sim(B),
        sim(C),
        sim("8900000000000000004", LONG_AGO, (RETIRED, april(11))),  # 10 days, gone on Apr 30
        sim("8900000000000000005", LONG_AGO, (SUSPENDED, april(30))),  # 29 days, suspended on Apr 30
    ]
    result = invoice(sims, plans=[TIERED])
    # N = 3 ACTIVE on Apr 30 -> 8.00 for all five: 8.00 * (30 + 30 + 30 + 10 + 29)/30 = 34.40
    assert result.lines == (InvoiceLine("prod-1", MRC, D(5), D("34.40"), D("8.00"), 129, 30),)


# --- Overage ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pool_type", "quantity", "amount", "charges"),
    [
        # A: own allowance 100 * 30/30 = 100, used 150 -> 50 over; B: 100 * 15/30 = 50, used 10 -> 0
        # 50 MB * 0.05 = 2.50
        (PoolType.INDIVIDUAL, "50", "2.50", [(A, 30, "50", "2.5")]),
        # pool: used 150 + 10 = 160, allowance 100 + 50 = 150 -> 10 MB * 0.05 = 0.50,
        # all of it on A, the only SIM above its own share
        (PoolType.POOL, "10", "0.50", [(A, 30, "10", "0.5")]),
    ],
)
def test_individual_and_pool_overage_with_prorated_allowances(
    pool_type: PoolType, quantity: str, amount: str, charges: list[tuple[str, int, str, str]]
) -> None:
    result = invoice(
        [sim(A), sim(B, april(16))],
        plans=[plan(monthly_fee="0", pool_type=pool_type, allowances=(data("100", "0.05"),))],
        usage={(A, Service.DATA): "150", (B, Service.DATA): "10"},
    )
    # monthly_fee 0: the MRC line is zero and left out
    assert result.lines == (InvoiceLine("prod-1", OVERAGE_DATA, D(quantity), D(amount), D("0.05")),)
    assert str(result.lines[0].quantity) == quantity
    assert result.sim_charges == tuple(
        SimCharge(iccid, "prod-1", OVERAGE_DATA, days, D(units), D(money)) for iccid, days, units, money in charges
    )


def test_pool_overage_is_apportioned_by_each_sims_excess() -> None:
    result = invoice(
        [sim(A), sim(B, april(16)), sim(C)],
        plans=[plan(monthly_fee="0", pool_type=PoolType.POOL, allowances=(data("100", "0.05"),))],
        usage={(A, Service.DATA): "150", (B, Service.DATA): "80", (C, Service.DATA): "70"},
    )
    # allowances 100 + 50 + 100 = 250, usage 150 + 80 + 70 = 300 -> 50 MB * 0.05 = 2.50
    # excess over own share: A 50, B 30, C none -> A 50 * 50/80 = 31.25 MB, B 50 * 30/80 = 18.75 MB
    assert result.lines == (InvoiceLine("prod-1", OVERAGE_DATA, D(50), D("2.50"), D("0.05")),)
    assert result.sim_charges == (
        SimCharge(A, "prod-1", OVERAGE_DATA, 30, D("31.25"), D("1.5625")),  # 31.25 * 0.05
        SimCharge(B, "prod-1", OVERAGE_DATA, 15, D("18.75"), D("0.9375")),  # 18.75 * 0.05
    )


def test_a_pool_overage_below_one_unit_is_charged() -> None:
    result = invoice(
        [sim(A), sim(B)],
        plans=[plan(monthly_fee="0", pool_type=PoolType.POOL, allowances=(data("100", "10.00"),))],
        usage={(A, Service.DATA): "100.004", (B, Service.DATA): "100.003"},
    )
    # allowances 100 + 100, usage 200.007 -> 0.007 MB * 10.00 = 0.07, apportioned 4:3
    assert result.lines == (InvoiceLine("prod-1", OVERAGE_DATA, D("0.007"), D("0.07"), D("10.00")),)
    assert [(each.quantity, each.amount) for each in result.sim_charges] == [
        (D("0.004"), D("0.04")),
        (D("0.003"), D("0.03")),
    ]


def test_prorated_allowance_is_not_rounded_before_the_overage() -> None:
    result = invoice(
        [sim(A, april(14))],
        plans=[plan(monthly_fee="0", allowances=(data("100", "3.00"),))],
        usage={(A, Service.DATA): "60"},
    )
    # allowance 100 * 17/30 = 56.666..., overage 60 - 56.666... = 3.333... MB * 3.00 = 10.00 exactly
    # (rounding the allowance to 56.67 first would give 3.33 * 3.00 = 9.99)
    assert result.lines == (InvoiceLine("prod-1", OVERAGE_DATA, D("3.333333"), D("10.00"), D("3.00")),)
    assert result.sim_charges == (SimCharge(A, "prod-1", OVERAGE_DATA, 17, D("3.333333"), D(10)),)


def test_usage_of_a_suspended_sim_counts_against_a_zero_allowance() -> None:
    result = invoice(
        [sim(A, LONG_AGO, (SUSPENDED, date(2028, 3, 1)))],
        plans=[plan(allowances=(sms("50", "0.10"),))],
        usage={(A, Service.SMS): "20"},
    )
    # 0 active days: no MRC, allowance 50 * 0/30 = 0, 20 SMS * 0.10 = 2.00
    assert result.lines == (InvoiceLine("prod-1", OVERAGE_SMS, D(20), D("2.00"), D("0.10")),)
    assert result.sim_charges == (SimCharge(A, "prod-1", OVERAGE_SMS, 0, D(20), D(2)),)


def test_usage_of_a_service_without_allowance_is_refused_not_dropped() -> None:
    with pytest.raises(ServiceNotInPlanError, match="SMS usage on product prod-1"):
        invoice(
            [sim(A)],
            plans=[plan(allowances=(data("100", "0.05"),))],
            usage={(A, Service.DATA): "90", (A, Service.SMS): "1000"},
        )


def test_a_free_allowance_prices_a_service_at_zero() -> None:
    result = invoice(
        [sim(A)],
        plans=[plan(allowances=(data("100", "0.05"), sms("0", "0")))],
        usage={(A, Service.DATA): "90", (A, Service.SMS): "1000"},
    )
    assert result.lines == (InvoiceLine("prod-1", MRC, D(1), D("9.99"), D("9.99"), 30, 30),)


def test_usage_of_a_sim_not_in_the_input_is_refused() -> None:
    with pytest.raises(ValueError, match="not part of the billing input"):
        invoice([sim(A)], usage={(B, Service.DATA): "1"})


@pytest.mark.parametrize(
    ("used", "quantity"),
    [("200", "100"), ("1100", "1000"), ("100.50", "0.5"), ("100.0000015", "0.000002"), ("250.250", "150.25")],
)
def test_overage_quantity_is_plain_without_trailing_zeros(used: str, quantity: str) -> None:
    result = invoice(
        [sim(A)],
        plans=[plan(monthly_fee="0", allowances=(data("100", "10000"),))],
        usage={(A, Service.DATA): used},
    )
    assert str(line(result, OVERAGE_DATA).quantity) == quantity


# --- Currencies and rounding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "monthly_fee", "activation_date", "amount"),
    [
        ("EUR", "9.99", LONG_AGO, "9.99"),
        ("EUR", "0.25", april(16), "0.13"),  # 0.25 * 15/30 = 0.125 -> 0.13 (half-even would give 0.12)
        ("JPY", "1000", LONG_AGO, "1000"),
        ("JPY", "1000", april(14), "567"),  # 1000 * 17/30 = 566.67 -> 567
        ("JPY", "101", april(16), "51"),  # 101 * 15/30 = 50.5 -> 51 (half-even would give 50)
        ("BHD", "9.990", april(14), "5.661"),  # 9.99 * 17/30 = 5.661
        ("BHD", "1.001", april(16), "0.501"),  # 1.001 * 15/30 = 0.5005 -> 0.501 (half-even: 0.500)
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_unit(
    currency: str, monthly_fee: str, activation_date: date, amount: str
) -> None:
    result = invoice([sim(A, activation_date)], plans=[plan(monthly_fee=monthly_fee)], currency=currency)
    assert str(line(result, MRC).amount) == amount
    assert str(result.net_total) == amount
    zero = {"EUR": "0.00", "JPY": "0", "BHD": "0.000"}[currency]
    assert str(result.vat_amount) == zero
    assert str(result.gross_total) == amount


@pytest.mark.parametrize(
    ("currency", "monthly_fee", "line_amount", "sim_amount"),
    [
        # 3 SIMs of 1 day each: 10.00 * 1/30 = 0.333... each, 0.33 rounded; 10.00 * 3/30 = 1.00, not 0.99
        ("EUR", "10.00", "1.00", "0.333333"),
        # 100 * 1/30 = 3.33 each, 3 rounded; 100 * 3/30 = 10, not 9
        ("JPY", "100", "10", "3.333333"),
        # 0.010 * 1/30 = 0.000333 each, 0.000 rounded; 0.010 * 3/30 = 0.001, not 0.000
        ("BHD", "0.010", "0.001", "0.000333"),
    ],
)
def test_a_line_rounds_the_exact_sum_once_not_the_sum_of_rounded_sims(
    currency: str, monthly_fee: str, line_amount: str, sim_amount: str
) -> None:
    result = invoice(
        [sim(A, april(30)), sim(B, april(30)), sim(C, april(30))],
        plans=[plan(monthly_fee=monthly_fee)],
        currency=currency,
    )
    assert result.lines == (InvoiceLine("prod-1", MRC, D(3), D(line_amount), D(monthly_fee), 3, 30),)
    assert str(result.lines[0].amount) == line_amount
    assert [str(charge.amount) for charge in result.sim_charges] == [sim_amount] * 3


@pytest.mark.parametrize(
    ("currency", "monthly_fee", "vat_rate", "expected"),
    [
        ("EUR", "9.99", "19", ("9.99", "1.90", "11.89")),  # 9.99 * 19% = 1.8981 -> 1.90
        ("EUR", "0.50", "25", ("0.50", "0.13", "0.63")),  # 0.50 * 25% = 0.125 -> 0.13
        ("EUR", "10.00", "7.7", ("10.00", "0.77", "10.77")),  # 10.00 * 7.7% = 0.77
        ("EUR", "10.00", "0", ("10.00", "0.00", "10.00")),
        ("JPY", "1005", "10", ("1005", "101", "1106")),  # 1005 * 10% = 100.5 -> 101
        ("BHD", "1.005", "10", ("1.005", "0.101", "1.106")),  # 1.005 * 10% = 0.1005 -> 0.101
    ],
)
def test_vat_rounds_half_up_once_on_the_net_total(
    currency: str, monthly_fee: str, vat_rate: str, expected: tuple[str, str, str]
) -> None:
    result = invoice([sim(A)], plans=[plan(monthly_fee=monthly_fee)], currency=currency, vat_rate=vat_rate)
    assert totals(result) == expected
    assert result.vat_rate == D(vat_rate)


def test_vat_is_computed_on_the_sum_of_the_lines() -> None:
    result = invoice([sim(A, april(14))], plans=[plan(activation_fee="5.00")], vat_rate="19")
    # net 5.66 + 5.00 = 10.66; VAT 10.66 * 19% = 2.0254 -> 2.03 (per line: 1.0754 + 0.95 = 2.0254, same)
    assert totals(result) == ("10.66", "2.03", "12.69")


# --- Omitted lines, order, exactness ------------------------------------------------------------------


def test_zero_amount_lines_are_left_out_with_their_detail() -> None:
    result = invoice(
        [sim(A, april(14)), sim(B)],
        plans=[plan(monthly_fee="0", activation_fee="0", allowances=(data("0", "0.05"),))],
        usage={(A, Service.DATA): "0.05", (B, Service.DATA): "0.04"},
    )
    # MRC 0, activation 0, overage (0.05 + 0.04) MB * 0.05 = 0.0045 -> 0.00: nothing to invoice
    assert result.is_empty
    assert result.sim_charges == ()
    assert totals(result) == ("0.00", "0.00", "0.00")


def test_lines_by_product_code_then_kind_and_sim_charges_by_iccid_then_kind() -> None:
    both = (sms("0", "0.10"), data("0", "0.01"))  # SMS listed first on purpose
    result = invoice(
        [
            sim(C, april(14), product_id="prod-a"),
            sim(A, april(14), product_id="prod-b"),
            sim(B, april(14), product_id="prod-a"),
        ],
        plans=[plan(activation_fee="1.00", allowances=both)],
        products=[product("prod-a", code="B-CODE"), product("prod-b", code="A-CODE")],
        usage={(iccid, service): "10" for iccid in (A, B, C) for service in Service},
    )
    kinds = [MRC, ACTIVATION, OVERAGE_DATA, OVERAGE_SMS]
    assert [(each.product_id, each.kind) for each in result.lines] == [
        *(("prod-b", kind) for kind in kinds),
        *(("prod-a", kind) for kind in kinds),
    ]
    assert [(each.iccid, each.kind) for each in result.sim_charges] == [
        (iccid, kind) for iccid in (A, B, C) for kind in kinds
    ]
    # prod-a: MRC 9.99 * 34/30 = 11.322 -> 11.32; activation 2 * 1.00; data 20 MB * 0.01; SMS 20 * 0.10
    assert [each.amount for each in result.lines[4:]] == [D("11.32"), D("2.00"), D("0.20"), D("2.00")]
    assert [each.quantity for each in result.lines[4:]] == [D(2), D(2), D(20), D(20)]


def test_inputs_too_precise_to_carry_exactly_are_refused() -> None:
    with pytest.raises(Inexact):
        invoice([sim(A, april(14))], plans=[plan(monthly_fee="1." + "3" * 90)])


def test_the_callers_decimal_context_does_not_matter() -> None:
    expected = invoice([sim(A, april(14)), sim(B)], plans=[plan(activation_fee="5.00")], vat_rate="19")
    with localcontext() as context:
        context.prec = 3
        context.rounding = ROUND_FLOOR
        context.traps[Inexact] = True
        result = invoice([sim(A, april(14)), sim(B)], plans=[plan(activation_fee="5.00")], vat_rate="19")
    # 9.99 * (17 + 30)/30 = 15.651 -> 15.65; + 5.00 = 20.65; VAT 3.9235 -> 3.92
    assert result == expected
    assert totals(result) == ("20.65", "3.92", "24.57")
