"""Usage files: bulk usage uploaded to S3 as NDJSON or CSV and ingested record by record, with the same
checks and answers as `POST .../usage`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import Field

from reseller_billing.errors import UsageFileFailure
from reseller_billing.models.common import InputModel, OutputModel, Timestamp

MAX_FILE_BYTES = 1024**3
CSV_HEADER = ("record_id", "iccid", "service", "quantity", "occurred_at")


class UsageFileFormat(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


class UsageFileStatus(StrEnum):
    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class UsageFileCreate(InputModel):
    format: UsageFileFormat = Field(
        description=(
            "ndjson: one record object per line. csv: the header line record_id,iccid,service,quantity,"
            "occurred_at, then one record per line. UTF-8, up to 1 GB."
        )
    )


class UsageFileUpload(OutputModel):
    """Where to PUT the file: the URL carries everything the upload needs (no headers)."""

    id: str
    format: UsageFileFormat
    status: UsageFileStatus
    upload_url: str
    expires_at: Timestamp


class UsageFile(OutputModel):
    """A usage file and what its ingestion did so far. `rejections_url` (NDJSON of {line, record_id,
    reason, message}) once the file is COMPLETED with rejected records."""

    id: str
    account_id: str
    format: UsageFileFormat
    status: UsageFileStatus
    lines: int = Field(description="Lines of the file read so far")
    accepted: int
    duplicates: int
    rejected: int
    rejections_url: str | None
    failure: UsageFileFailure | None = Field(description="Why the file as a whole was not ingested (FAILED)")
    failure_message: str | None
    created_at: Timestamp
    updated_at: Timestamp


@dataclass(frozen=True, slots=True)
class StoredUsageFile:
    """A usage file as stored: its object, status, counts, and the checkpoint ingestion goes on from."""

    id: str
    account_id: str
    format: UsageFileFormat
    status: UsageFileStatus
    object_key: str
    version_id: str | None  # the object version being ingested, pinned when ingestion starts
    line: int  # lines done
    offset: int  # bytes done: the next line starts here
    accepted: int
    duplicates: int
    rejected: int
    rejections_key: str | None
    failure: UsageFileFailure | None
    failure_message: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Progress:
    """What one batch of lines added to a file's counts, and where the next batch starts."""

    line: int
    offset: int
    accepted: int
    duplicates: int
    rejected: int
