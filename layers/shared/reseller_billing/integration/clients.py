"""boto3 clients, created on first use and reused across invocations of a warm Lambda."""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.config import Config

from reseller_billing.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    import boto3  # imported with the first client, not with every handler module

    config = _CONFIG
    if service == "s3":
        # botocore still presigns S3 URLs with SigV2 in some regions; S3 refuses those on new buckets.
        config = config.merge(Config(signature_version="s3v4"))
    if service == "s3" and get_settings().aws_endpoint_url:
        # A local endpoint (moto) has no per-bucket host names: presigned URLs must be path-style.
        config = config.merge(Config(s3={"addressing_style": "path"}))
    return boto3.session.Session().client(service, config=config)
