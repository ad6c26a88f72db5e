"""Usage files in the table: one item per file in its account's partition, holding its status, its counts
and the checkpoint of its ingestion (lines and bytes done).

Every change is an UpdateItem conditional on the state it moves from: a file starts PROCESSING only from
WAITING; a checkpoint moves only from the line it was at, adding the batch's counts in the same write, so
a batch is counted once even when two deliveries of the same event ingest it at once; a file ends
COMPLETED only from its last checkpoint."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from reseller_billing.dal.items import UsageFileItem
from reseller_billing.dal.writes import condition_failed
from reseller_billing.errors import NotFoundError, UsageFileFailure
from reseller_billing.models.common import utcnow
from reseller_billing.models.usage_files import Progress, StoredUsageFile, UsageFileFormat, UsageFileStatus


def _stored(item: UsageFileItem) -> StoredUsageFile:
    return StoredUsageFile(
        id=item.id,
        account_id=item.account_id,
        format=UsageFileFormat(item.format),
        status=UsageFileStatus(item.status),
        object_key=item.object_key,
        version_id=item.version_id,
        line=item.line,
        offset=item.offset,
        accepted=item.accepted,
        duplicates=item.duplicates,
        rejected=item.rejected,
        rejections_key=item.rejections_key,
        failure=UsageFileFailure(item.failure) if item.failure else None,
        failure_message=item.failure_message,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def insert_file(file: StoredUsageFile) -> None:
    item = UsageFileItem(
        *UsageFileItem.key(file.account_id, file.id),
        id=file.id,
        account_id=file.account_id,
        format=file.format.value,
        status=file.status.value,
        object_key=file.object_key,
        created_at=file.created_at,
        updated_at=file.updated_at,
    )
    item.save(condition=UsageFileItem.pk.does_not_exist())


def get_file(account_id: str, file_id: str) -> StoredUsageFile:
    try:
        item = UsageFileItem.get(*UsageFileItem.key(account_id, file_id), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError(f"usage file {file_id} not found") from None
    return _stored(item)


def _update(file: StoredUsageFile, actions: list[Action], condition: Condition) -> StoredUsageFile | None:
    """The file after the update, or None when `condition` no longer held."""
    item = UsageFileItem(*UsageFileItem.key(file.account_id, file.id))
    try:
        item.update(actions=[*actions, UsageFileItem.updated_at.set(utcnow())], condition=condition)
    except UpdateError as error:
        if not condition_failed(error):
            raise
        return None
    return _stored(item)


def start_file(file: StoredUsageFile, version_id: str | None) -> StoredUsageFile | None:
    """WAITING -> PROCESSING, pinning the object version to ingest. None if it was no longer WAITING."""
    actions: list[Action] = [UsageFileItem.status.set(UsageFileStatus.PROCESSING.value)]
    if version_id is not None:
        actions.append(UsageFileItem.version_id.set(version_id))
    return _update(file, actions, UsageFileItem.status == UsageFileStatus.WAITING.value)


def save_checkpoint(file: StoredUsageFile, progress: Progress) -> StoredUsageFile | None:
    """Move the checkpoint from `file.line` to `progress.line`, adding the batch's counts in the same
    write. None when the checkpoint had moved meanwhile (another delivery ingested this batch first)."""
    actions: list[Action] = [
        UsageFileItem.line.set(progress.line),
        UsageFileItem.offset.set(progress.offset),
        UsageFileItem.accepted.add(progress.accepted),
        UsageFileItem.duplicates.add(progress.duplicates),
        UsageFileItem.rejected.add(progress.rejected),
    ]
    condition = (UsageFileItem.line == file.line) & (UsageFileItem.status == UsageFileStatus.PROCESSING.value)
    return _update(file, actions, condition)


def complete_file(file: StoredUsageFile, rejections_key: str | None) -> StoredUsageFile | None:
    actions: list[Action] = [UsageFileItem.status.set(UsageFileStatus.COMPLETED.value)]
    if rejections_key is not None:
        actions.append(UsageFileItem.rejections_key.set(rejections_key))
    condition = (UsageFileItem.line == file.line) & (UsageFileItem.status == UsageFileStatus.PROCESSING.value)
    return _update(file, actions, condition)


def fail_file(file: StoredUsageFile, failure: UsageFileFailure, message: str) -> StoredUsageFile | None:
    actions: list[Action] = [
        UsageFileItem.status.set(UsageFileStatus.FAILED.value),
        UsageFileItem.failure.set(failure.value),
        UsageFileItem.failure_message.set(message),
    ]
    condition = UsageFileItem.status.is_in(UsageFileStatus.WAITING.value, UsageFileStatus.PROCESSING.value)
    return _update(file, actions, condition)
