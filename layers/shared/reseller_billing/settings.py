"""The service's configuration: the environment parsed once into a typed model.

Each field names its environment variable (its alias) and its default, once. An empty variable counts as
unset. template.yaml sets the variables: the table, bucket and licences on every function, a queue's URL
only on the functions that send to that queue.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field

RESELLER_FEATURE = "FT-3001.007"


class MissingSettingError(RuntimeError):
    """A variable the code at hand needs is not set in this function's environment."""


def _comma_separated(value: Any) -> Any:
    if isinstance(value, str):
        return frozenset(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    table_name: str = Field("reseller-billing", alias="TABLE_NAME")
    region: str = Field("eu-west-1", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    aws_endpoint_url: str | None = Field(None, alias="AWS_ENDPOINT_URL")  # the local stack's moto; unset in AWS
    artifacts_bucket: str = Field("reseller-billing-artifacts", alias="ARTIFACTS_BUCKET")
    invoice_queue_url: str | None = Field(None, alias="INVOICE_QUEUE_URL")
    large_invoice_queue_url: str | None = Field(None, alias="LARGE_INVOICE_QUEUE_URL")
    large_customer_sims: int = Field(
        2000, ge=1, alias="LARGE_CUSTOMER_SIMS", description="Customers with more SIMs are invoiced in their own lane"
    )
    billing_fanout_queue_url: str | None = Field(None, alias="BILLING_FANOUT_QUEUE_URL")
    stock_allocation_queue_url: str | None = Field(None, alias="STOCK_ALLOCATION_QUEUE_URL")
    usage_file_queue_url: str | None = Field(None, alias="USAGE_FILE_QUEUE_URL")
    usage_uploads_bucket_name: str | None = Field(None, alias="USAGE_UPLOADS_BUCKET")
    event_bus_name: str = Field("default", alias="EVENT_BUS_NAME")
    licensed_features: Annotated[frozenset[str], BeforeValidator(_comma_separated)] = Field(
        frozenset(), alias="LICENSED_FEATURES", description="Comma-separated feature codes"
    )
    presigned_url_ttl_seconds: int = Field(300, ge=1, le=900, alias="PRESIGNED_URL_TTL_SECONDS")
    invoice_max_receive_count: int = Field(5, ge=1, alias="INVOICE_MAX_RECEIVE_COUNT")
    fanout_page_size: int = Field(500, ge=1, le=1000, alias="FANOUT_PAGE_SIZE")
    cursor_key_secret_arn: str | None = Field(None, alias="CURSOR_KEY_SECRET_ARN")
    reconcile_after_seconds: int = Field(
        4800, ge=0, alias="RECONCILE_AFTER_SECONDS", description="A run that has not moved for this long stopped"
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in `env` (default: this process's environment)."""
        source = os.environ if env is None else env
        return cls.model_validate({name: value for name, value in source.items() if value})

    def is_licensed(self, feature: str) -> bool:
        return feature in self.licensed_features

    @property
    def invoice_queue(self) -> str:
        """The invoice queue's URL; only the functions that send invoice requests have it."""
        return _required(self.invoice_queue_url, "INVOICE_QUEUE_URL")

    @property
    def large_invoice_queue(self) -> str:
        """The large-invoice queue's URL; only the functions that send invoice requests have it."""
        return _required(self.large_invoice_queue_url, "LARGE_INVOICE_QUEUE_URL")

    @property
    def cursor_key_secret(self) -> str:
        """The ARN of the secret that signs list cursors; only the API functions have it."""
        return _required(self.cursor_key_secret_arn, "CURSOR_KEY_SECRET_ARN")

    @property
    def billing_fanout_queue(self) -> str:
        """The fan-out queue's URL; only the functions that start or fan out runs have it."""
        return _required(self.billing_fanout_queue_url, "BILLING_FANOUT_QUEUE_URL")

    @property
    def stock_allocation_queue(self) -> str:
        """The stock allocation queue's URL; only the functions that start or go on with allocations have it."""
        return _required(self.stock_allocation_queue_url, "STOCK_ALLOCATION_QUEUE_URL")

    @property
    def usage_file_queue(self) -> str:
        """The usage file queue's URL; only the ingestion function (which goes on with a file) has it."""
        return _required(self.usage_file_queue_url, "USAGE_FILE_QUEUE_URL")

    @property
    def usage_uploads_bucket(self) -> str:
        """The bucket usage files are uploaded to; only the usage file functions have it."""
        return _required(self.usage_uploads_bucket_name, "USAGE_UPLOADS_BUCKET")


def _required(value: str | None, variable: str) -> str:
    if not value:
        raise MissingSettingError(f"{variable} is not set in this function's environment (see template.yaml)")
    return value


@cache
def get_settings() -> Settings:
    """The settings of this process (tests call `get_settings.cache_clear()` after changing env)."""
    return Settings.from_env()
