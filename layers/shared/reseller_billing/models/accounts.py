"""Accounts and their reseller profiles: API input and output."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, StrictBool, model_validator

from reseller_billing.models.common import (
    CurrencyCode,
    CycleDay,
    InputModel,
    Name,
    OutputModel,
    PatchModel,
    Resource,
    Versioned,
)


class AccountType(StrEnum):
    STANDARD = "STANDARD"
    RESELLER = "RESELLER"


class InvoiceType(StrEnum):
    RAW = "RAW"
    PDF = "PDF"
    BOTH = "BOTH"

    @property
    def artifact_names(self) -> tuple[str, ...]:
        """Artefacts each customer invoice gets: RAW = invoice.json + invoice.csv, PDF = invoice.pdf."""
        return {"RAW": ("json", "csv"), "PDF": ("pdf",), "BOTH": ("pdf", "json", "csv")}[self.value]


class ResellerProfile(InputModel):
    customer_invoice_creation: StrictBool
    customer_invoice_type: InvoiceType
    billing_cycle_day: CycleDay
    invoice_number_prefix: Annotated[str, Field(pattern=r"^[A-Z0-9-]{1,12}$")] = "INV-"


class AccountCreate(InputModel):
    name: Name
    type: AccountType
    currency: CurrencyCode
    bill_cycle_day: CycleDay
    reseller_profile: ResellerProfile | None = None

    @model_validator(mode="after")
    def _profile_matches_type(self) -> Self:
        if self.type is AccountType.RESELLER and self.reseller_profile is None:
            raise ValueError("a RESELLER account needs a reseller_profile")
        if self.type is AccountType.STANDARD and self.reseller_profile is not None:
            raise ValueError("a STANDARD account has no reseller_profile")
        return self


class AccountUpdate(PatchModel):
    """PATCH: the fields present change; `type` converts STANDARD<->RESELLER."""

    name: Name | None = None
    bill_cycle_day: CycleDay | None = None
    type: AccountType | None = None
    reseller_profile: ResellerProfile | None = None

    @model_validator(mode="after")
    def _profile_only_with_conversion(self) -> Self:
        if self.reseller_profile is not None and self.type is not AccountType.RESELLER:
            raise ValueError("reseller_profile is only accepted with type RESELLER (use PUT .../reseller-profile)")
        if self.type is AccountType.STANDARD and "reseller_profile" in self.model_fields_set:
            raise ValueError("a STANDARD account has no reseller_profile")
        return self


class Account(Resource):
    name: str
    type: AccountType
    currency: str
    bill_cycle_day: int
    reseller_profile: ResellerProfile | None


class ResellerProfileOut(OutputModel):
    account_id: str
    customer_invoice_creation: bool
    customer_invoice_type: InvoiceType
    billing_cycle_day: int
    invoice_number_prefix: str


@dataclass(frozen=True, slots=True)
class VersionedAccount(Versioned[Account]):
    """An account with its version (its ETag) and its reseller profile's own version (the profile's ETag)."""

    profile_version: int = 0
