"""Set the environment of a benchmark process before any service module is imported."""

from __future__ import annotations

import os

STAGE = "bench"


def prepare() -> None:
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="eu-west-1",
        AWS_REGION="eu-west-1",
        TABLE_NAME=f"reseller-billing-{STAGE}",
        LICENSED_FEATURES="FT-3001.007",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_METRICS_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="ERROR",
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
