"""Valid ICCIDs for tests."""

from __future__ import annotations

from reseller_billing.iccid import luhn_check_digit


def iccid(serial: int, prefix: str = "894900") -> str:
    """A 19-digit ICCID with a valid Luhn check digit."""
    payload = f"{prefix}{serial:012d}"
    return payload + str(luhn_check_digit(payload))
