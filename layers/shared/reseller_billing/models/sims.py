"""A customer's SIMs: API input and output, and a SIM's platform-wide registration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import Field

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
    scheduled: bool = Field(default=False, description="Dated after today: the change has not happened yet")


class Sim(OutputModel):
    """A SIM: `status` is its status today; `history` every change, those dated after today scheduled."""

    iccid: str
    account_id: str
    customer_id: str
    product_id: str
    activation_date: date
    status: SimStatus
    history: list[StatusChange]
    created_at: Timestamp
    updated_at: Timestamp

    def as_of(self, today: date) -> Sim:
        """The SIM as it is on `today`: its status then (before its activation date: ACTIVE, the status it
        is assigned with), and its later changes scheduled."""
        status = self.history[0].status
        history = []
        for change in self.history:
            if change.effective_date <= today:
                status = change.status
            history.append(change.model_copy(update={"scheduled": change.effective_date > today}))
        return self.model_copy(update={"status": status, "history": history})


@dataclass(frozen=True, slots=True)
class SimRegistration:
    """Whose SIM an ICCID is, platform-wide, and the dates usage is accepted between."""

    iccid: str
    account_id: str
    customer_id: str
    product_id: str | None  # None on registrations written before intake checked usage against plans
    activation_date: date
    retired_on: date | None
