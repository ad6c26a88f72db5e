"""Usage files: a reseller uploads NDJSON or CSV usage to S3 with a presigned URL; S3 tells the ingestion
queue, and `ingest_file` streams the file through the same intake as `POST .../usage` (logic/usage.py):
the same checks, rejection reasons and dedupe by record_id, so a file uploaded twice adds nothing.

Ingestion reads the file 1,000 lines at a time and, after each batch is written, moves the file's
checkpoint (lines and bytes done, and the batch's counts, in one conditional write). Killed anywhere, it
is redone from the last checkpoint: the batch in hand is ingested again, and its records that the first
attempt wrote count as accepted again, not as duplicates, while their totals are not added again
(dal/usage.py). Near the function's deadline it stops at a checkpoint and queues the rest."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus

from reseller_billing.dal import usage_files as table
from reseller_billing.errors import NotFoundError, UsageFileFailure, UsageRejection
from reseller_billing.ids import new_id
from reseller_billing.integration import uploads
from reseller_billing.logic.accounts import load_reseller
from reseller_billing.logic.usage import ingest_usage
from reseller_billing.logic.usage_file_lines import Line, MalformedLine, first_line_refusal, parse_record, read_lines
from reseller_billing.models.common import utcnow
from reseller_billing.models.messages import UsageFileMessage
from reseller_billing.models.usage_files import (
    MAX_FILE_BYTES,
    Progress,
    StoredUsageFile,
    UsageFile,
    UsageFileCreate,
    UsageFileFormat,
    UsageFileStatus,
    UsageFileUpload,
)
from reseller_billing.observability import logger

BATCH_LINES = 1000


def create_file(account_id: str, request: UsageFileCreate) -> UsageFileUpload:
    """A usage file WAITING for its upload, and the URL to PUT it to."""
    load_reseller(account_id)
    now = utcnow()
    file_id = new_id("usf")
    stored = StoredUsageFile(
        id=file_id,
        account_id=account_id,
        format=request.format,
        status=UsageFileStatus.WAITING,
        object_key=uploads.upload_key(account_id, file_id),
        version_id=None,
        line=0,
        offset=0,
        accepted=0,
        duplicates=0,
        rejected=0,
        rejections_key=None,
        failure=None,
        failure_message=None,
        created_at=now,
        updated_at=now,
    )
    table.insert_file(stored)
    url, expires_at = uploads.presigned_upload(stored.object_key)
    return UsageFileUpload(
        id=file_id, format=request.format, status=stored.status, upload_url=url, expires_at=expires_at
    )


def get_file(account_id: str, file_id: str) -> UsageFile:
    load_reseller(account_id)
    stored = table.get_file(account_id, file_id)
    rejections_url = (
        uploads.presigned_download(stored.rejections_key, f"{file_id}-rejections.ndjson")
        if stored.rejections_key
        else None
    )
    return UsageFile(
        id=stored.id,
        account_id=stored.account_id,
        format=stored.format,
        status=stored.status,
        lines=stored.line,
        accepted=stored.accepted,
        duplicates=stored.duplicates,
        rejected=stored.rejected,
        rejections_url=rejections_url,
        failure=stored.failure,
        failure_message=stored.failure_message,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


def files_in_message(body: str) -> list[UsageFileMessage]:
    """The files a message on the usage file queue is about: S3's notification of an upload (its keys
    are URL-encoded), or our own message to go on with a file. S3's test event names none."""
    message = json.loads(body)
    if "Records" not in message:
        return [] if message.get("Event") == "s3:TestEvent" else [UsageFileMessage.model_validate(message)]
    files = []
    for record in message["Records"]:
        key = unquote_plus(record["s3"]["object"]["key"])
        parsed = uploads.parse_upload_key(key)
        if parsed is None:
            logger.warning("an upload outside uploads/{account}/{file} is ignored", extra={"key": key})
            continue
        files.append(UsageFileMessage(account_id=parsed[0], file_id=parsed[1]))
    return files


@dataclass
class _Batch:
    """Up to BATCH_LINES lines read since the last checkpoint."""

    first_line: int
    records: list[tuple[int, Any]] = field(default_factory=list)  # (line, raw record)
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, why)
    last: Line | None = None

    @property
    def full(self) -> bool:
        return len(self.records) + len(self.malformed) >= BATCH_LINES

    def add(self, line: Line, file_format: UsageFileFormat) -> None:
        self.last = line
        if line.blank:
            return
        try:
            self.records.append((line.number, parse_record(line, file_format)))
        except MalformedLine as error:
            self.malformed.append((line.number, str(error)))


def _commit(file: StoredUsageFile, batch: _Batch) -> StoredUsageFile | None:
    """Ingest a batch through usage intake, store its rejected lines, then move the checkpoint past it."""
    assert batch.last is not None
    rejections: list[dict[str, Any]] = [
        {"line": number, "record_id": None, "reason": UsageRejection.INVALID_RECORD.value, "message": message}
        for number, message in batch.malformed
    ]
    accepted = duplicates = 0
    if batch.records:
        lines = [number for number, _ in batch.records]
        result = ingest_usage(
            file.account_id, [raw for _, raw in batch.records], sources=[f"{file.id}:{number}" for number in lines]
        )
        accepted, duplicates = result.accepted, result.duplicates
        rejections += [
            {"line": lines[r.index], "record_id": r.record_id, "reason": r.reason.value, "message": r.message}
            for r in result.rejected
        ]
    if rejections:
        rejections.sort(key=lambda r: r["line"])
        uploads.put_rejection_part(file.account_id, file.id, batch.first_line, rejections)
    progress = Progress(
        line=batch.last.number,
        offset=batch.last.end,
        accepted=accepted,
        duplicates=duplicates,
        rejected=len(rejections),
    )
    return table.save_checkpoint(file, progress)


def _fail(file: StoredUsageFile, failure: UsageFileFailure, message: str) -> bool:
    table.fail_file(file, failure, message)
    logger.info("usage file failed", extra={"file_id": file.id, "failure": failure.value})
    return True


def ingest_file(account_id: str, file_id: str, should_stop: Callable[[], bool]) -> bool:
    """Ingest an uploaded file from its checkpoint on. Returns False when it stopped at a checkpoint because
    `should_stop` said so (the caller queues the rest), True when there is nothing more to do: the file is
    COMPLETED or FAILED, not uploaded yet, or another delivery moved its checkpoint first and goes on."""
    try:
        file: StoredUsageFile | None = table.get_file(account_id, file_id)
    except NotFoundError:
        logger.warning("an upload for no usage file is ignored", extra={"file_id": file_id})
        return True
    assert file is not None
    if file.status in (UsageFileStatus.COMPLETED, UsageFileStatus.FAILED):
        return True  # a redelivered notification, or a second upload to a file already ingested
    found = uploads.uploaded(file.object_key, file.version_id)
    if found is None:
        return True
    if file.status is UsageFileStatus.WAITING:
        if found.size > MAX_FILE_BYTES:
            return _fail(file, UsageFileFailure.TOO_LARGE, f"the file is {found.size} bytes, over 1 GB")
        if found.size == 0:
            return _fail(file, UsageFileFailure.EMPTY, "the file holds no records")
        file = table.start_file(file, found.version_id) or table.get_file(account_id, file_id)
    if file.offset >= found.size:
        return _finish(file)

    stream = uploads.read_from(file.object_key, file.version_id, file.offset)
    checked = file.line > 0  # the first line is checked once, when the file is started
    batch = _Batch(first_line=file.line + 1)
    for line in read_lines(stream, file.offset, file.line):
        if not checked and not line.blank:
            checked = True
            refusal = first_line_refusal(line, file.format)
            if refusal is not None:
                return _fail(file, *refusal)
            if file.format is UsageFileFormat.CSV:
                batch.last = line  # the header: no record
                continue
        batch.add(line, file.format)
        if batch.full:
            file = _commit(file, batch)
            if file is None:
                return True
            if should_stop():
                return False
            batch = _Batch(first_line=file.line + 1)
    if not checked:
        return _fail(file, UsageFileFailure.EMPTY, "the file holds no records")
    if batch.last is not None:
        file = _commit(file, batch)
        if file is None:
            return True
    return _finish(file)


def _finish(file: StoredUsageFile) -> bool:
    rejections_key = uploads.join_rejection_parts(file.account_id, file.id) if file.rejected else None
    table.complete_file(file, rejections_key)
    logger.info(
        "usage file ingested",
        extra={"file_id": file.id, "accepted": file.accepted, "duplicates": file.duplicates, "rejected": file.rejected},
    )
    return True
