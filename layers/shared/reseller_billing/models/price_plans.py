"""A reseller's price plans: API input and output, and the plan as stored (prices without a currency:
a plan is priced in its reseller account's currency)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from reseller_billing.billing.model import PoolType, Service
from reseller_billing.models.common import (
    InputModel,
    Money,
    Name,
    OutputModel,
    PatchModel,
    Quantity,
    Resource,
    Timestamp,
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


class PricePlanUpdate(PatchModel):
    """PATCH: new prices apply from the next billing run."""

    name: Name | None = None
    activation_fee: Money | None = None
    monthly_fee: Money | None = None
    pool_type: PoolType | None = None
    allowances: Allowances | None = None
    mrc_tiers: MrcTiers | None = None


class PricePlanRecord(OutputModel):
    """A price plan as stored."""

    id: str
    account_id: str
    name: str
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: list[Allowance]
    mrc_tiers: list[MrcTier]
    created_at: Timestamp
    updated_at: Timestamp


class PricePlan(Resource):
    account_id: str
    name: str
    currency: str
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: list[Allowance]
    mrc_tiers: list[MrcTier]

    @classmethod
    def of(cls, plan: PricePlanRecord, currency: str) -> PricePlan:
        """The plan as the API shows it: with the currency of its reseller's account."""
        return cls(currency=currency, **dict(plan))
