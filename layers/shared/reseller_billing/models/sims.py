"""A customer's SIMs: API input and output, and a SIM's platform-wide registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from reseller_billing.billing.model import SimStatus
from reseller_billing.models.common import Iccid, InputModel, IsoDate, OutputModel, ResourceId, Timestamp


class SimAssign(InputModel):
    iccid: Iccid
    product_id: ResourceId
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


@dataclass(frozen=True, slots=True)
class SimRegistration:
    """Whose SIM an ICCID is, platform-wide, and the dates usage is accepted between."""

    iccid: str
    account_id: str
    customer_id: str
    activation_date: date
    retired_on: date | None
