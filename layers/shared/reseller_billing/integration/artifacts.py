"""Invoice artefacts in S3: private objects under a per-reseller prefix, verified on upload by their
SHA-256, handed out as short-lived presigned URLs."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta

from reseller_billing.integration.clients import client
from reseller_billing.models.common import utcnow
from reseller_billing.models.invoices import StoredArtifact
from reseller_billing.settings import get_settings

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


def store(account_id: str, invoice_id: str, name: str, body: bytes) -> StoredArtifact:
    """Put one artefact of an invoice (see store_at)."""
    return store_at(artifact_key(account_id, invoice_id, name), name, body)


def store_at(key: str, name: str, body: bytes) -> StoredArtifact:
    """Put one artefact. S3 checks the SHA-256 we send, so what is stored is what we hashed; putting the
    same bytes again (a retry) leaves the same object."""
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
