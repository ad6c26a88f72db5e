"""boto3 clients, created on first use and reused across invocations of a warm Lambda."""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    import boto3  # imported with the first client, not with every handler module

    return boto3.session.Session().client(service, config=_CONFIG)


def reset() -> None:
    """Forget the clients (tests that start a new fake AWS call this)."""
    client.cache_clear()
