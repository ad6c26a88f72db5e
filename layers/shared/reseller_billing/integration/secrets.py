"""Secrets Manager: a secret's value, read once per execution environment."""

from __future__ import annotations

from functools import cache

from reseller_billing.integration.clients import client


@cache
def secret_string(arn: str) -> str:
    """The value of the secret `arn`; a warm Lambda keeps it (a replaced secret is read by new ones)."""
    value: str = client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return value
