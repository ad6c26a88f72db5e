"""The field types every request body is read with (models/common.py and the resources' models), held to
the hostile inputs of tests/support/hostile.py: each is refused, and what should pass still does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from reseller_billing.models.common import Iccid, IsoDate, Money, Name, Percent, Quantity, ResourceId
from reseller_billing.models.customers import Address, Email
from reseller_billing.models.products import Description
from reseller_billing.models.usage import UsageRecord
from tests.support import hostile

MONEY = TypeAdapter(Money)
QUANTITY = TypeAdapter(Quantity)
PERCENT = TypeAdapter(Percent)
DATE = TypeAdapter(IsoDate)
NAME = TypeAdapter(Name)
EMAIL = TypeAdapter(Email)
DESCRIPTION = TypeAdapter(Description)
ICCID = TypeAdapter(Iccid)
RESOURCE_ID = TypeAdapter(ResourceId)


def refused(adapter: TypeAdapter[Any], value: Any) -> str:
    """The message the adapter refuses `value` with; fails the test if it takes it."""
    with pytest.raises(ValidationError) as raised:
        adapter.validate_python(value)
    return str(raised.value.errors()[0]["msg"])


@pytest.mark.parametrize("adapter", [MONEY, QUANTITY, PERCENT], ids=["money", "quantity", "percent"])
@pytest.mark.parametrize("value", hostile.DECIMAL_STRINGS.values(), ids=hostile.DECIMAL_STRINGS.keys())
def test_decimal_strings_take_ascii_digits_only(adapter, value):
    refused(adapter, value)


@pytest.mark.parametrize("value", hostile.NOT_DECIMAL_STRINGS.values(), ids=hostile.NOT_DECIMAL_STRINGS.keys())
def test_money_is_a_decimal_string_and_never_a_json_value_of_another_kind(value):
    refused(MONEY, value)


@pytest.mark.parametrize(
    "value", [-1, 10**12, 1.5, True, 10**100], ids=["negative", "13 digits", "fraction", "boolean", "googol"]
)
def test_quantities_as_json_numbers_are_whole_and_in_range(value):
    refused(QUANTITY, value)


@pytest.mark.parametrize(
    ("adapter", "value", "expected"),
    [
        (MONEY, "0.000001", Decimal("0.000001")),
        (MONEY, "999999999999.999999", Decimal("999999999999.999999")),
        (QUANTITY, 1024, Decimal(1024)),
        (QUANTITY, 22.0, Decimal(22)),
        (QUANTITY, "1500.5", Decimal("1500.5")),
        (PERCENT, "100", Decimal(100)),
    ],
)
def test_decimal_strings_of_ascii_digits_pass(adapter, value, expected):
    assert adapter.validate_python(value) == expected


@pytest.mark.parametrize("value", hostile.DATES.values(), ids=hostile.DATES.keys())
def test_dates_are_yyyy_mm_dd_in_ascii_digits(value):
    refused(DATE, value)


@pytest.mark.parametrize("value", hostile.TIMESTAMPS.values(), ids=hostile.TIMESTAMPS.keys())
def test_timestamps_are_rfc3339_in_ascii_digits(value):
    record = {
        "record_id": "r-1",
        "iccid": "8949000000000000018",
        "service": "DATA",
        "quantity": 1,
        "occurred_at": value,
    }
    with pytest.raises(ValidationError) as raised:
        UsageRecord.model_validate(record)
    assert [error["loc"] for error in raised.value.errors()] == [("occurred_at",)]


@pytest.mark.parametrize("adapter", [NAME, DESCRIPTION], ids=["name", "description"])
@pytest.mark.parametrize("value", hostile.TEXT.values(), ids=hostile.TEXT.keys())
def test_text_refuses_control_and_format_characters(adapter, value):
    assert "control or format characters: U+" in refused(adapter, value)


@pytest.mark.parametrize("adapter", [NAME, DESCRIPTION], ids=["name", "description"])
@pytest.mark.parametrize("value", hostile.GOOD_TEXT.values(), ids=hostile.GOOD_TEXT.keys())
def test_text_in_any_script_with_plain_or_no_break_spaces_passes(adapter, value):
    assert adapter.validate_python(f"  {value}  ") == value


def test_the_refusal_names_the_character_and_where_it_is():
    assert refused(NAME, "Acme \u202eHbmG").endswith("U+202E RIGHT-TO-LEFT OVERRIDE at position 5")
    assert refused(NAME, "Acme\u0000").endswith("U+0000 at position 4")


@pytest.mark.parametrize("field", ["line1", "line2", "postal_code", "city"])
@pytest.mark.parametrize("value", ["10\u0000", "A\u202eB", "A\r\nB"], ids=["NUL", "RLO", "CRLF"])
def test_every_address_line_is_plain_text(field, value):
    address = {"line1": "ul. Piotrkowska 104", "postal_code": "90-926", "city": "Łódź", "country": "PL"}
    with pytest.raises(ValidationError) as raised:
        Address.model_validate({**address, field: value})
    assert [error["loc"] for error in raised.value.errors()] == [(field,)]


@pytest.mark.parametrize(
    "value",
    ["billing@omega.example\n", "bill\u0000ing@omega.example", "billing@omega\u202e.example", "bill ing@x.example"],
    ids=["trailing newline", "NUL", "RLO", "space"],
)
def test_email_addresses_are_plain_text(value):
    refused(EMAIL, value)


BAD_ICCIDS = {
    "fullwidth": "８９４９000000000000018",
    "arabic-indic": "٨٩٤٩000000000000018",
    "trailing newline": "8949000000000000018\n",
    "18 digits": "894900000000000001",
    "JSON number": 8949000000000000018,
}
BAD_IDS = {
    "empty": "",
    "65 characters": "p" * 65,
    "NUL": "plan_\u0000",
    "RLO": "plan_\u202e1",
    "space": "plan 1",
    "arabic-indic digit": "plan_١",
}


@pytest.mark.parametrize("value", BAD_ICCIDS.values(), ids=BAD_ICCIDS.keys())
def test_iccids_are_ascii_digits(value):
    refused(ICCID, value)


@pytest.mark.parametrize("value", BAD_IDS.values(), ids=BAD_IDS.keys())
def test_ids_named_in_a_body_are_short_and_ascii(value):
    refused(RESOURCE_ID, value)
