"""The service's configuration: environment variables parsed once into a typed model."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, Field

RESELLER_FEATURE = "FT-3001.007"


class Settings(BaseModel):
    table_name: str = "reseller-billing"
    artifacts_bucket: str = "reseller-billing-artifacts"
    invoice_queue_url: str = ""
    billing_fanout_queue_url: str = ""
    event_bus_name: str = "default"
    licensed_features: frozenset[str] = frozenset()
    presigned_url_ttl_seconds: int = Field(default=300, ge=1, le=900)
    invoice_max_receive_count: int = Field(default=5, ge=1)
    fanout_page_size: int = Field(default=500, ge=1, le=1000)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        features = env.get("LICENSED_FEATURES", "")
        return cls(
            table_name=env.get("TABLE_NAME", cls.model_fields["table_name"].default),
            artifacts_bucket=env.get("ARTIFACTS_BUCKET", cls.model_fields["artifacts_bucket"].default),
            invoice_queue_url=env.get("INVOICE_QUEUE_URL", ""),
            billing_fanout_queue_url=env.get("BILLING_FANOUT_QUEUE_URL", ""),
            event_bus_name=env.get("EVENT_BUS_NAME", "default"),
            licensed_features=frozenset(f.strip() for f in features.split(",") if f.strip()),
            presigned_url_ttl_seconds=int(env.get("PRESIGNED_URL_TTL_SECONDS", "300")),
            invoice_max_receive_count=int(env.get("INVOICE_MAX_RECEIVE_COUNT", "5")),
            fanout_page_size=int(env.get("FANOUT_PAGE_SIZE", "500")),
        )

    def is_licensed(self, feature: str) -> bool:
        return feature in self.licensed_features


@cache
def get_settings() -> Settings:
    """The settings of this process (tests call `get_settings.cache_clear()` after changing env)."""
    return Settings.from_env()
