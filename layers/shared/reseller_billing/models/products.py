"""A reseller's products: API input and output."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

from reseller_billing.models.common import (
    InputModel,
    IsoDate,
    Name,
    OutputModel,
    PatchModel,
    PlainText,
    Resource,
    ResourceId,
    in_force,
)

ProductCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000), PlainText]


class ProductStatus(StrEnum):
    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"


class ProductCreate(InputModel):
    code: ProductCode
    name: Name
    description: Description = ""
    price_plan_id: ResourceId
    status: ProductStatus = ProductStatus.ACTIVE


class ProductUpdate(PatchModel):
    """PATCH: a RETIRED product takes no new SIMs; its SIMs keep being billed. Another `price_plan_id`
    prices the product's cycles from `effective_from` on, like a new price version."""

    name: Name | None = None
    description: Description | None = None
    price_plan_id: ResourceId | None = None
    status: ProductStatus | None = None
    effective_from: IsoDate | None = Field(
        default=None,
        description=(
            "With price_plan_id: the first day of the cycles the plan prices, today or later (default "
            "today); the same date as a move not yet in force replaces that move"
        ),
    )


class PlanAssignment(OutputModel):
    """The plan that prices the product's cycles starting on or after `effective_from` (the first
    entry: every cycle) until the next entry's."""

    price_plan_id: str
    effective_from: date | None


class Product(Resource):
    """A product; `price_plan_id` is the plan in force today, `plan_history` says which plan prices which
    cycles."""

    account_id: str
    code: str
    name: str
    description: str
    price_plan_id: str
    plan_history: list[PlanAssignment]
    status: ProductStatus

    def plan_on(self, day: date) -> str:
        """The plan that prices the product's cycle starting on `day`."""
        return self.plan_in_force(self.plan_history, day)

    @staticmethod
    def plan_in_force(history: list[PlanAssignment], day: date) -> str:
        return in_force(history, day).price_plan_id
