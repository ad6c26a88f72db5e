"""Money: ISO 4217 minor units from the maintained `iso4217` package, half-up rounding to them."""

from decimal import Decimal

import pytest

from infra.build import gen_currencies
from reseller_billing.currencies_iso4217 import MINOR_UNITS
from reseller_billing.money import UnknownCurrencyError, minor_units, round_money


def test_the_generated_table_matches_the_iso4217_package():
    assert gen_currencies.minor_units_from_iso() == MINOR_UNITS


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("JPY", 0), ("BHD", 3), ("KWD", 3), ("CLP", 0), ("USD", 2)]
)
def test_minor_units(currency, digits):
    assert minor_units(currency) == digits


@pytest.mark.parametrize("code", ["XAU", "XXX", "EURO", "eur", ""])
def test_codes_without_a_minor_unit_are_refused(code):
    with pytest.raises(UnknownCurrencyError):
        minor_units(code)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("11.3", "EUR", "11.30"),
        ("0.005", "EUR", "0.01"),  # half-up, not banker's rounding
        ("0.015", "EUR", "0.02"),
        ("0.0049999", "EUR", "0.00"),
        ("96.5", "JPY", "97"),
        ("95.5", "JPY", "96"),
        ("9.2495", "BHD", "9.250"),
        ("9.2494999", "BHD", "9.249"),
    ],
)
def test_round_money_half_up_to_the_minor_unit(amount, currency, expected):
    rounded = round_money(Decimal(amount), currency)
    assert str(rounded) == expected
