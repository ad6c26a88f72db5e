"""Invoice artefacts in S3: private objects under a per-reseller prefix, verified on upload by their
SHA-256, handed out as short-lived presigned URLs."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from reseller_billing.integration.clients import client
from reseller_billing.models.common import utcnow
from reseller_billing.models.invoices import StoredArtifact
from reseller_billing.settings import get_settings

PART_BYTES = 8 * 2**20  # S3 takes parts of 5 MB and more (but the last)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xml": "application/xml",
}


def artifact_key(account_id: str, invoice_id: str, name: str) -> str:
    return f"resellers/{account_id}/invoices/{invoice_id}/invoice.{name}"


def credit_note_artifact_key(account_id: str, credit_note_id: str, name: str) -> str:
    return f"resellers/{account_id}/credit-notes/{credit_note_id}/credit-note.{name}"


def store(account_id: str, invoice_id: str, name: str, body: bytes | Iterable[bytes]) -> StoredArtifact:
    """Put one artefact of an invoice (see store_at)."""
    return store_at(artifact_key(account_id, invoice_id, name), name, body)


def store_at(key: str, name: str, body: bytes | Iterable[bytes]) -> StoredArtifact:
    """Put one artefact. S3 checks the SHA-256 we send, so what is stored is what we hashed; putting the
    same bytes again (a retry) leaves the same object.

    A body given in pieces is written as it comes: in one PutObject if it stays under PART_BYTES, else in
    a multipart upload of PART_BYTES parts (each checked by S3 against its SHA-256), the SHA-256 of the
    whole object computed on the way; only one part is held at a time."""
    if isinstance(body, bytes):
        return _put(key, name, body)
    parts = _parts(body)
    first = next(parts, b"")
    second = next(parts, None)
    if second is None:
        return _put(key, name, first)
    return _put_in_parts(key, name, itertools.chain((first, second), parts))


def _parts(pieces: Iterable[bytes]) -> Iterator[bytes]:
    """The pieces joined into parts of at least PART_BYTES (the last one may be smaller)."""
    part = bytearray()
    for piece in pieces:
        part += piece
        if len(part) >= PART_BYTES:
            yield bytes(part)
            part.clear()
    if part:
        yield bytes(part)


def _put_in_parts(key: str, name: str, parts: Iterable[bytes]) -> StoredArtifact:
    s3, bucket = client("s3"), get_settings().artifacts_bucket
    upload = s3.create_multipart_upload(
        Bucket=bucket, Key=key, ContentType=CONTENT_TYPES[name], ChecksumAlgorithm="SHA256"
    )["UploadId"]
    whole, size, done = hashlib.sha256(), 0, []
    try:
        for number, part in enumerate(parts, start=1):
            whole.update(part)
            size += len(part)
            checksum = base64.b64encode(hashlib.sha256(part).digest()).decode()
            answer = s3.upload_part(
                Bucket=bucket,
                Key=key,
                UploadId=upload,
                PartNumber=number,
                Body=part,
                ChecksumAlgorithm="SHA256",
                ChecksumSHA256=checksum,
            )
            done.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumSHA256": checksum})
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": done})
    except BaseException:
        # No parts left behind to be billed for; the next delivery uploads the artefact again.
        with contextlib.suppress(Exception):
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload)
        raise
    return StoredArtifact(key=key, sha256=whole.hexdigest(), size=size, content_type=CONTENT_TYPES[name])


def _put(key: str, name: str, body: bytes) -> StoredArtifact:
    digest = hashlib.sha256(body).digest()
    client("s3").put_object(
        Bucket=get_settings().artifacts_bucket,
        Key=key,
        Body=body,
        ContentType=CONTENT_TYPES[name],
        ChecksumAlgorithm="SHA256",
        ChecksumSHA256=base64.b64encode(digest).decode(),
    )
    return StoredArtifact(key=key, sha256=digest.hex(), size=len(body), content_type=CONTENT_TYPES[name])


def presigned_url(key: str, filename: str) -> tuple[str, datetime]:
    ttl = get_settings().presigned_url_ttl_seconds
    url: str = client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": get_settings().artifacts_bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=ttl,
    )
    return url, utcnow() + timedelta(seconds=ttl)
