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


def customer(number: str = "C-1001", **overrides: Any) -> dict[str, Any]:
    return {
        "customer_number": number,
        "name": "Łódź Żółć Ñandú Ωmega Sp. z o.o.",
        "email": "billing@omega.example",
        "address": {"line1": "ul. Piotrkowska 104", "postal_code": "90-926", "city": "Łódź", "country": "PL"},
        "vat_rate": "23",
        **overrides,
    }


def price_plan(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "IoT Europe 1 GB",
        "activation_fee": "5.00",
        "monthly_fee": "9.99",
        "pool_type": "INDIVIDUAL",
        "allowances": [
            {"service": "DATA", "included": 1024, "overage_price": "0.004"},
            {"service": "SMS", "included": 100, "overage_price": "0.05"},
        ],
        **overrides,
    }


def product(price_plan_id: str, code: str = "IOT-EU-1GB", **overrides: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": "IoT Europe 1 GB",
        "description": "Pan-European data",
        "price_plan_id": price_plan_id,
        **overrides,
    }


def sim(iccid: str, product_id: str, activation_date: str = "2025-01-10", **overrides: Any) -> dict[str, Any]:
    return {"iccid": iccid, "product_id": product_id, "activation_date": activation_date, **overrides}


def usage_record(
    record_id: str,
    iccid: str,
    quantity: Any = 10,
    *,
    service: str = "DATA",
    occurred_at: str = "2025-03-10T12:00:00Z",
    **overrides: Any,
) -> dict[str, Any]:
    return {
        "record_id": record_id,
        "iccid": iccid,
        "service": service,
        "quantity": quantity,
        "occurred_at": occurred_at,
        **overrides,
    }
