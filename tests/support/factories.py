"""Request bodies for tests, valid by default; override what a test is about."""

from __future__ import annotations

from typing import Any


def reseller_profile(**overrides: Any) -> dict[str, Any]:
    return {
        "customer_invoice_creation": True,
        "customer_invoice_type": "BOTH",
        "billing_cycle_day": 5,
        **overrides,
    }


def reseller_account(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Nordlicht IoT GmbH",
        "type": "RESELLER",
        "currency": "EUR",
        "bill_cycle_day": 1,
        "reseller_profile": reseller_profile(),
        **overrides,
    }


def standard_account(**overrides: Any) -> dict[str, Any]:
    return {"name": "Acme Logistics", "type": "STANDARD", "currency": "EUR", "bill_cycle_day": 15, **overrides}
