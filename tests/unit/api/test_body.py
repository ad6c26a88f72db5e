"""Request bodies are parsed strictly: every hostile body is a 400 `malformed_json` that says why, and
ordinary JSON (also deep up to the limit, long strings, escaped pairs) parses as `json` would."""

from __future__ import annotations

import json

import pytest

from reseller_billing.api.body import MAX_NESTING, MAX_NUMBER_CHARACTERS, parse_json
from reseller_billing.errors import ErrorCode, MalformedJsonError
from tests.support.hostile import BODIES

WHY = {
    "nested 3,000 deep (6 KB)": "more than 64 deep",
    "nested 65 deep": "more than 64 deep",
    "integer of 5,000 digits": "a number of 5000 characters",
    "decimal of 101 characters": "a number of 101 characters",
    "number out of range": "1e999, a number out of range",
    "NaN": "NaN, which is not a JSON number",
    "Infinity": "-Infinity, which is not a JSON number",
    "a name twice": '"name" more than once',
    "lone surrogate": "lone UTF-16 surrogate",
    "lone surrogate in a list": "lone UTF-16 surrogate",
    "truncated": "not valid JSON",
    "trailing garbage": "not valid JSON: Extra data",
}


@pytest.mark.parametrize("name", sorted(WHY))
def test_a_hostile_body_is_malformed_json_saying_why(name):
    with pytest.raises(MalformedJsonError) as raised:
        parse_json(BODIES[name].decode())

    assert raised.value.code is ErrorCode.MALFORMED_JSON
    assert raised.value.status == 400
    assert WHY[name] in raised.value.message


def test_nesting_up_to_the_limit_parses():
    text = "[" * MAX_NESTING + "]" * MAX_NESTING

    assert parse_json(text) == json.loads(text)


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"name": "[" * 1000, "quoted": '\\"[[[[', "list": [["]]]]"]]})

    assert parse_json(text) == json.loads(text)


def test_numbers_up_to_the_limit_parse_as_json_would():
    longest = "1" * MAX_NUMBER_CHARACTERS
    text = f'{{"a": {longest}, "b": -12.5e-3, "c": 22.0}}'

    assert parse_json(text) == {"a": int(longest), "b": -0.0125, "c": 22.0}


def test_an_escaped_surrogate_pair_is_one_character():
    assert parse_json('{"name": "IoT \\ud83d\\udce1"}') == {"name": "IoT 📡"}


def test_a_large_ordinary_body_parses_as_json_would():
    records = [
        {"record_id": f"r-{n}", "iccid": "8949000000000000018", "quantity": "1500.5", "occurred_at": "2026-10-20Z"}
        for n in range(1000)
    ]
    text = json.dumps({"records": records, "note": "x" * 100_000})

    assert parse_json(text) == json.loads(text)
