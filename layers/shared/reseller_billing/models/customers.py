"""A reseller's customers: API input and output."""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from reseller_billing.models.common import InputModel, Name, PatchModel, Percent, PlainText, Resource

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _country(value: str) -> str:
    import iso3166  # ~18 ms at import: only where an address is validated

    if value not in iso3166.countries_by_alpha2:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as DE or PL")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError("must be an e-mail address")
    return value


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254), AfterValidator(_email), PlainText]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_country)]
CustomerNumber = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,39}$")]


class CustomerStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    CLOSED = "CLOSED"


class Address(InputModel):
    line1: Name
    line2: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), PlainText] | None = None
    postal_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), PlainText]
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
