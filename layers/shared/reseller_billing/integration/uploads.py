"""Usage files in S3 (the uploads bucket): the presigned PUT a reseller uploads a file with, the file read
back as a stream from any byte offset, and its rejections file, written in bounded parts.

    uploads/{account_id}/{file_id}                     the uploaded file (S3 notifies the ingestion queue)
    rejection-parts/{account_id}/{file_id}/{line}      a batch's rejected lines, keyed by its first line
    rejections/{account_id}/{file_id}.ndjson           the parts in line order, one object for the reseller

A batch ingested again writes its part again under the same key, so the parts never hold a line twice.
When the file is done, the parts are joined into one object with a multipart upload (parts of 8 MB held in
memory at a time); the bucket's lifecycle expires every prefix and aborts uploads left incomplete."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reseller_billing.integration.clients import client
from reseller_billing.models.common import utcnow
from reseller_billing.settings import get_settings

UPLOADS = "uploads/"
REJECTION_PARTS = "rejection-parts/"
REJECTIONS = "rejections/"
MULTIPART_PART_BYTES = 8 * 1024 * 1024  # S3 takes parts of 5 MB and more (the last may be smaller)


def upload_key(account_id: str, file_id: str) -> str:
    return f"{UPLOADS}{account_id}/{file_id}"


def parse_upload_key(key: str) -> tuple[str, str] | None:
    """(account id, file id) of an uploaded file's key; None for any other key."""
    parts = key.split("/")
    if len(parts) != 3 or f"{parts[0]}/" != UPLOADS or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def presigned_upload(key: str) -> tuple[str, datetime]:
    """A URL to PUT the file to, with nothing to add but the body."""
    ttl = get_settings().presigned_url_ttl_seconds
    url: str = client("s3").generate_presigned_url(
        "put_object", Params={"Bucket": get_settings().usage_uploads_bucket, "Key": key}, ExpiresIn=ttl
    )
    return url, utcnow() + timedelta(seconds=ttl)


@dataclass(frozen=True, slots=True)
class UploadedObject:
    size: int
    version_id: str | None


def uploaded(key: str, version_id: str | None = None) -> UploadedObject | None:
    """The uploaded file (that version of it), or None when nothing is uploaded there yet."""
    s3 = client("s3")
    params: dict[str, Any] = {"Bucket": get_settings().usage_uploads_bucket, "Key": key}
    if version_id is not None:
        params["VersionId"] = version_id
    try:
        head = s3.head_object(**params)
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NoSuchVersion"):
            return None
        raise
    found = head.get("VersionId")
    return UploadedObject(size=int(head["ContentLength"]), version_id=found if found not in (None, "null") else None)


def read_from(key: str, version_id: str | None, offset: int) -> Any:
    """The file's bytes from `offset` on, as a stream (botocore's StreamingBody: `read(n)`)."""
    params: dict[str, Any] = {"Bucket": get_settings().usage_uploads_bucket, "Key": key, "Range": f"bytes={offset}-"}
    if version_id is not None:
        params["VersionId"] = version_id
    return client("s3").get_object(**params)["Body"]


def _parts_prefix(account_id: str, file_id: str) -> str:
    return f"{REJECTION_PARTS}{account_id}/{file_id}/"


def put_rejection_part(account_id: str, file_id: str, first_line: int, rejections: Iterable[dict[str, Any]]) -> None:
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rejections).encode()
    client("s3").put_object(
        Bucket=get_settings().usage_uploads_bucket,
        Key=f"{_parts_prefix(account_id, file_id)}{first_line:012d}",
        Body=body,
        ContentType="application/x-ndjson",
    )


def join_rejection_parts(account_id: str, file_id: str) -> str:
    """Write the file's rejection parts, in line order, as one object; returns its key."""
    s3 = client("s3")
    bucket = get_settings().usage_uploads_bucket
    key = f"{REJECTIONS}{account_id}/{file_id}.ndjson"
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/x-ndjson")["UploadId"]
    parts: list[dict[str, Any]] = []
    buffer = bytearray()

    def flush() -> None:
        number = len(parts) + 1
        answer = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=bytes(buffer))
        parts.append({"ETag": answer["ETag"], "PartNumber": number})
        buffer.clear()

    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=_parts_prefix(account_id, file_id))
    for page in pages:
        for listed in page.get("Contents", []):
            buffer += s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
            if len(buffer) >= MULTIPART_PART_BYTES:
                flush()
    if buffer or not parts:
        flush()
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts})
    return key


def presigned_download(key: str, filename: str) -> str:
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().usage_uploads_bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=get_settings().presigned_url_ttl_seconds,
    )
    return url
