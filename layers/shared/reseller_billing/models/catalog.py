"""A reseller's catalog: customers, price plans, products and SIMs (API input and output)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from reseller_billing.billing.model import PoolType, Service, SimStatus
from reseller_billing.iccid import is_valid_iccid
from reseller_billing.models.common import (
    InputModel,
    IsoDate,
    Money,
    Name,
    OutputModel,
    PatchModel,
    Percent,
    Quantity,
    Resource,
    Timestamp,
    whole_number,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _country(value: str) -> str:
    import iso3166  # ~18 ms at import: only where an address is validated

    if value not in iso3166.countries_by_alpha2:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as DE or PL")
    return value


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError("must be an e-mail address")
    return value


def _iccid(value: str) -> str:
    if not is_valid_iccid(value):
        raise ValueError("must be 19 or 20 digits ending in a valid Luhn check digit")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_country)]
Iccid = Annotated[str, AfterValidator(_iccid)]
CustomerNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")]
ProductCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


# --- customers -----------------------------------------------------------------------------------


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class Address(InputModel):
    line1: Name
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
    city: Name
    country: CountryCode


class CustomerCreate(InputModel):
    customer_number: CustomerNumber
    name: Name
    email: Email
    address: Address
    vat_rate: Percent = Decimal("0")


class CustomerUpdate(PatchModel):
    """PATCH: the fields present change. `status` suspends, resumes or closes the customer."""

    name: Name | None = None
    email: Email | None = None
    address: Address | None = None
    vat_rate: Percent | None = None
    status: CustomerStatus | None = None


class Customer(Resource):
    account_id: str
    customer_number: str
    name: str
    email: str
    address: Address
    vat_rate: Percent
    status: CustomerStatus


# --- price plans ---------------------------------------------------------------------------------


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


class PricePlan(Resource):
    account_id: str
    name: str
    currency: str
    activation_fee: Money
    monthly_fee: Money
    pool_type: PoolType
    allowances: list[Allowance]
    mrc_tiers: list[MrcTier]


# --- products ------------------------------------------------------------------------------------


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"


class ProductCreate(InputModel):
    code: ProductCode
    name: Name
    description: Description = ""
    price_plan_id: str
    status: ProductStatus = ProductStatus.ACTIVE


class ProductUpdate(PatchModel):
    """PATCH: a RETIRED product takes no new SIMs; its SIMs keep being billed."""

    name: Name | None = None
    description: Description | None = None
    price_plan_id: str | None = None
    status: ProductStatus | None = None


class Product(Resource):
    account_id: str
    code: str
    name: str
    description: str
    price_plan_id: str
    status: ProductStatus


# --- SIMs ----------------------------------------------------------------------------------------


class SimAssign(InputModel):
    iccid: Iccid
    product_id: str
    activation_date: IsoDate


class SimStatusChange(InputModel):
    status: SimStatus
    effective_date: IsoDate


class StatusChange(OutputModel):
    status: SimStatus
    effective_date: date


class Sim(OutputModel):
    iccid: str
    account_id: str
    customer_id: str
    product_id: str
    activation_date: date
    status: SimStatus
    history: list[StatusChange]
    created_at: Timestamp
    updated_at: Timestamp
