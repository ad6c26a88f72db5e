"""Bulk onboarding: up to 1,000 SIMs of one customer in a request, each created or rejected on its own."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from reseller_billing.errors import ErrorCode
from reseller_billing.models.common import InputModel, OutputModel

MAX_BATCH_SIMS = 1000


class SimBatch(InputModel):
    sims: Annotated[
        list[Any],
        Field(
            min_length=1,
            max_length=MAX_BATCH_SIMS,
            description=(
                "Up to 1000 SIMs {iccid, product_id, activation_date}, as for one SIM. Each is created or "
                "rejected on its own, with the error code one SIM would get as its reason."
            ),
        ),
    ]


class RejectedSim(OutputModel):
    index: int = Field(description="Position of the SIM in the request")
    iccid: str | None
    reason: ErrorCode = Field(description="The error code the same SIM alone would get")
    message: str


class SimBatchResult(OutputModel):
    created: int
    rejected: list[RejectedSim]
