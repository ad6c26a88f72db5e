"""A reseller's price plans: API input and output, and the plan as stored (prices without a currency:
a plan is priced in its reseller account's currency). Prices are versioned: a change takes effect from a
date, and a cycle is priced by the version in force on its first day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from reseller_billing.billing.model import PoolType, Service
from reseller_billing.models.common import (
    InputModel,
    IsoDate,
    Money,
    Name,
    OutputModel,
    PatchModel,
    Quantity,
    Resource,
    Timestamp,
    in_force,
    whole_number,
)


class Allowance(InputModel):
    service: Service
    included: Quantity = Field(description="Units per SIM per month (MB for DATA, messages for SMS)")
    overage_price: Money = Field(description="Price per unit above the allowance")


class MrcTier(InputModel):
    min_active_sims: Annotated[int, Field(strict=True, ge=1, le=10_000_000), BeforeValidator(whole_number)]
    monthly_fee: Money


def _unique_services(allowances: list[Allowance]) -> list[Allowance]:
    services = [a.service for a in allowances]
    if len(services) != len(set(services)):
        raise ValueError("one allowance per service")
    return allowances


def _unique_tiers(tiers: list[MrcTier]) -> list[MrcTier]:
    minimums = [t.min_active_sims for t in tiers]
    if len(minimums) != len(set(minimums)):
        raise ValueError("tiers need distinct min_active_sims")
    return sorted(tiers, key=lambda t: t.min_active_sims)


Allowances = Annotated[list[Allowance], Field(max_length=2), AfterValidator(_unique_services)]
MrcTiers = Annotated[list[MrcTier], Field(max_length=50), AfterValidator(_unique_tiers)]


class PricePlanCreate(InputModel):
    name: Name
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: Allowances = Field(default_factory=list)
    mrc_tiers: MrcTiers = Field(default_factory=list)


# The fields a price version holds: changing any of them makes a new version.
PRICE_FIELDS = ("activation_fee", "monthly_fee", "pool_type", "allowances", "mrc_tiers")


class PricePlanUpdate(PatchModel):
    """PATCH: a name changes at once; prices make a new version that prices the cycles starting on or
    after `effective_from`."""

    name: Name | None = None
    activation_fee: Money | None = None
    monthly_fee: Money | None = None
    pool_type: PoolType | None = None
    allowances: Allowances | None = None
    mrc_tiers: MrcTiers | None = None
    effective_from: IsoDate | None = Field(
        default=None,
        description=(
            "With a price change: the first day of the cycles it prices, today or later (default today); "
            "the same date as a version not yet in force replaces that version"
        ),
    )


class PriceVersion(OutputModel):
    """One version of a plan's prices. It prices every cycle that starts on or after `effective_from`
    (the first version: every cycle) until the next version's `effective_from`."""

    version: int
    effective_from: date | None
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: list[Allowance]
    mrc_tiers: list[MrcTier]


class PricePlanRecord(OutputModel):
    """A price plan as stored: its name and every version of its prices, oldest first."""

    id: str
    account_id: str
    name: str
    versions: list[PriceVersion]
    created_at: Timestamp
    updated_at: Timestamp

    def version_on(self, day: date) -> PriceVersion:
        """The version in force on `day`: it prices a cycle starting that day."""
        return in_force(self.versions, day)


class PricePlan(Resource):
    """A plan as the API shows it: the version in force today at the top level, every version in
    `versions`, in the currency of its reseller's account."""

    account_id: str
    name: str
    currency: str
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: list[Allowance]
    mrc_tiers: list[MrcTier]
    versions: list[PriceVersion]

    @classmethod
    def of(cls, plan: PricePlanRecord, currency: str, today: date) -> PricePlan:
        current = plan.version_on(today)
        return cls(
            id=plan.id,
            account_id=plan.account_id,
            name=plan.name,
            currency=currency,
            activation_fee=current.activation_fee,
            monthly_fee=current.monthly_fee,
            pool_type=current.pool_type,
            allowances=current.allowances,
            mrc_tiers=current.mrc_tiers,
            versions=plan.versions,
            created_at=plan.created_at,
            updated_at=plan.updated_at,
        )
