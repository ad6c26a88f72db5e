"""How business values are written in both syntaxes: amounts, quantities, percentages and prices."""

from __future__ import annotations

from decimal import Decimal

from reseller_billing.money import minor_units


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount with exactly the currency's minor digits ("97", "11.30"); it is already rounded to them."""
    return f"{amount.quantize(Decimal(1).scaleb(-minor_units(currency))):f}"


def price_text(price: Decimal, currency: str) -> str:
    """A unit price with at least the currency's minor digits and any further digits it has ("10.00", "0.0125")."""
    exponent = price.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueError(f"{price} is not a finite price")
    return f"{price.quantize(Decimal(1).scaleb(min(exponent, -minor_units(currency)))):f}"


def decimal_text(value: Decimal) -> str:
    """A quantity or percentage without an exponent or trailing zeros ("45", "12.5", "19", "100")."""
    return f"{value.normalize():f}"
