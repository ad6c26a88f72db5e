"""Money: Decimal amounts in an ISO 4217 currency, rounded half-up once to the currency's minor unit."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from reseller_billing.currencies_iso4217 import MINOR_UNITS


class UnknownCurrencyError(ValueError):
    """The code is not an active ISO 4217 currency with a minor unit."""


def minor_units(currency: str) -> int:
    """Digits after the decimal point of `currency` (EUR 2, JPY 0, BHD 3)."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise UnknownCurrencyError(f"{currency!r} is not an ISO 4217 currency with a minor unit") from None


_QUANTA = {digits: Decimal(1).scaleb(-digits) for digits in range(0, 5)}


def round_money(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's minor unit; the result has exactly that many digits."""
    return amount.quantize(_QUANTA[minor_units(currency)], rounding=ROUND_HALF_UP)
