"""What the billing rules read and what they produce: plain frozen dataclasses, cheap to build."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from reseller_billing.billing.cycles import BillingCycle


class SimStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    RETIRED = "RETIRED"


class Service(StrEnum):
    DATA = "DATA"  # megabytes
    SMS = "SMS"  # messages


class PoolType(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    POOL = "POOL"


class LineKind(StrEnum):
    MRC = "MRC"
    ACTIVATION = "ACTIVATION"
    OVERAGE_DATA = "OVERAGE_DATA"
    OVERAGE_SMS = "OVERAGE_SMS"


OVERAGE_KIND = {Service.DATA: LineKind.OVERAGE_DATA, Service.SMS: LineKind.OVERAGE_SMS}


@dataclass(frozen=True, slots=True)
class StatusChange:
    status: SimStatus
    effective_date: date


@dataclass(frozen=True, slots=True)
class Allowance:
    service: Service
    included: Decimal  # units per SIM per full cycle
    overage_price: Decimal  # per unit above the allowance


@dataclass(frozen=True, slots=True)
class MrcTier:
    min_active_sims: int
    monthly_fee: Decimal


@dataclass(frozen=True, slots=True)
class PricePlan:
    id: str
    activation_fee: Decimal
    monthly_fee: Decimal
    pool_type: PoolType
    allowances: tuple[Allowance, ...] = ()
    mrc_tiers: tuple[MrcTier, ...] = ()


@dataclass(frozen=True, slots=True)
class Product:
    id: str
    code: str
    name: str
    price_plan_id: str


@dataclass(frozen=True, slots=True)
class Sim:
    """A SIM and its full status history, oldest first; the first change is (ACTIVE, activation_date)."""

    iccid: str
    product_id: str
    activation_date: date
    history: tuple[StatusChange, ...]


@dataclass(frozen=True, slots=True)
class BillingInput:
    """Everything one customer's invoice for one cycle depends on."""

    cycle: BillingCycle
    currency: str
    vat_rate: Decimal  # percent, 0-100
    sims: tuple[Sim, ...]
    usage: Mapping[tuple[str, Service], Decimal]  # (iccid, service) -> units used in the cycle
    products: Mapping[str, Product]
    plans: Mapping[str, PricePlan]


@dataclass(frozen=True, slots=True)
class SimCharge:
    """One SIM's share of a line, for the RAW artefact: `quantity` and `amount` rounded half-up to 6 decimals
    (lines round their exact sum to the currency once)."""

    iccid: str
    product_id: str
    kind: LineKind
    active_days: int
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One line. `unit_price` is the fee per SIM and month (MRC: the tier's fee where tiers apply), the
    activation fee, or the overage price per unit. MRC lines also carry `sim_days`, the SIMs' active days
    added up, and `cycle_days`, what the fee is prorated over (the cycle's days, or L in a transition
    cycle): `amount` = `unit_price` * `sim_days` / `cycle_days`, rounded once."""

    product_id: str
    kind: LineKind
    quantity: Decimal
    amount: Decimal  # rounded half-up once to the currency's minor unit
    unit_price: Decimal
    sim_days: int | None = None  # MRC lines only
    cycle_days: int | None = None  # MRC lines only


@dataclass(frozen=True, slots=True)
class ComputedInvoice:
    lines: tuple[InvoiceLine, ...]
    sim_charges: tuple[SimCharge, ...]
    net_total: Decimal
    vat_rate: Decimal
    vat_amount: Decimal
    gross_total: Decimal

    @property
    def is_empty(self) -> bool:
        """No lines: the customer gets no invoice for the cycle."""
        return not self.lines
