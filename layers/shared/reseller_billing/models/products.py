"""A reseller's products: API input and output."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints

from reseller_billing.models.common import InputModel, Name, PatchModel, PlainText, Resource, ResourceId

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
    """PATCH: a RETIRED product takes no new SIMs; its SIMs keep being billed."""

    name: Name | None = None
    description: Description | None = None
    price_plan_id: ResourceId | None = None
    status: ProductStatus | None = None


class Product(Resource):
    account_id: str
    code: str
    name: str
    description: str
    price_plan_id: str
    status: ProductStatus
