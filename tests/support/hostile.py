"""Hostile inputs, per field type: what the API must refuse with a 4xx that names the field, and never
store. The unit tests hold the validators to them (tests/unit/models/test_field_types.py), the integration
tests the routes (tests/integration/test_hostile_input.py)."""

from __future__ import annotations

from typing import Any

# Money, percentages and quantities as decimal strings: only ASCII digits, one point, at most 12 integer
# and 6 decimal digits, nothing around them.
DECIMAL_STRINGS: dict[str, Any] = {
    "arabic-indic digits": "١٢",
    "fullwidth digits": "５.００",
    "devanagari digits": "१२",
    "superscript two": "²",
    "mixed scripts": "1٢",
    "trailing newline": "12\n",
    "leading space": " 12",
    "no-break space": "12\u00a0",
    "sign": "+12",
    "negative": "-1",
    "exponent": "1e3",
    "hexadecimal": "0x10",
    "underscore": "1_000",
    "comma": "12,50",
    "point only": ".5",
    "trailing point": "12.",
    "seven decimals": "0.1234567",
    "thirteen integer digits": "1234567890123",
    "5,000 digits": "9" * 5000,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "empty": "",
    "NUL": "1\u00002",
}
# JSON values that are no decimal string at all (money refuses every JSON number).
NOT_DECIMAL_STRINGS: dict[str, Any] = {
    "float": 12.5,
    "boolean": True,
    "null": None,
    "list": ["12"],
    "object": {"amount": "12"},
}

# Names, address lines, descriptions, e-mail addresses: no control or format characters, no line breaks.
TEXT: dict[str, str] = {
    "NUL": "Acme\u0000 GmbH",
    "right-to-left override": "Acme \u202eHbmG",
    "left-to-right embedding": "Acme \u202aGmbH",
    "zero width space": "Ac\u200bme",
    "zero width joiner": "Ac\u200dme",
    "byte order mark": "\ufeffAcme",
    "soft hyphen": "Ac\u00adme",
    "CR LF": "Acme\r\nX-Injected: 1",
    "LF": "Acme\nGmbH",
    "tab": "Acme\tGmbH",
    "leading tab": "\tAcme",
    "DEL": "Acme\u007f",
    "C1 next line": "Acme\u0085GmbH",
    "escape": "Acme\u001b[31m",
    "line separator": "Acme\u2028GmbH",
    "paragraph separator": "Acme\u2029GmbH",
    "interlinear annotation": "Acme\ufff9GmbH",
    "language tag": "Acme\U000e0001",
}
# Text the rule must keep taking.
GOOD_TEXT: dict[str, str] = {
    "polish": "Łódź Żółć Ñandú Ωmega Sp. z o.o.",
    "japanese": "株式会社 東京",
    "arabic": "شركة الاتصالات",
    "emoji": "IoT 📡 GmbH",
    "no-break space": "10\u00a0rue de Paris",
    "ideographic space": "東京\u3000支店",
}

# Dates (YYYY-MM-DD) and timestamps (RFC 3339).
DATES: dict[str, Any] = {
    "fullwidth digits": "２０２６-１１-０５",
    "arabic-indic digits": "٢٠٢٦-١١-٠٥",
    "trailing newline": "2026-11-05\n",
    "basic format": "20261105",
    "week date": "2026-W45-4",
    "month 13": "2026-13-01",
    "30 February": "2026-02-30",
    "year 0": "0000-01-01",
    "year 10000": "10000-01-01",
    "single digits": "2026-1-5",
    "with a time": "2026-11-05T00:00:00Z",
    "JSON number": 20261105,
}
TIMESTAMPS: dict[str, Any] = {
    "fullwidth digits": "２０２６-１０-２０T08:00:00Z",
    "no time zone": "2026-10-20T08:00:00",
    "trailing newline": "2026-10-20T08:00:00Z\n",
    "hour 24": "2026-10-20T24:00:00Z",
    "ten fraction digits": "2026-10-20T08:00:00.1234567890Z",
    "JSON number": 1792483200,
}

# Whole bodies, sent as bytes.
BODIES: dict[str, bytes] = {
    "nested 3,000 deep (6 KB)": b'{"name": ' + b"[" * 3000 + b"]" * 3000 + b"}",
    "nested 65 deep": b'{"name": ' + b"[" * 64 + b"]" * 64 + b"}",
    "integer of 5,000 digits": b'{"bill_cycle_day": ' + b"9" * 5000 + b"}",
    "decimal of 101 characters": b'{"bill_cycle_day": 1.' + b"0" * 99 + b"}",
    "number out of range": b'{"bill_cycle_day": 1e999}',
    "NaN": b'{"bill_cycle_day": NaN}',
    "Infinity": b'{"bill_cycle_day": -Infinity}',
    "a name twice": b'{"name": "A", "name": "B"}',
    "lone surrogate": b'{"name": "\\ud800"}',
    "lone surrogate in a list": b'{"name": ["\\udc00"]}',
    "not UTF-8": b'{"name": "\xff\xfe"}',
    "truncated": b'{"name": "A"',
    "trailing garbage": b'{"name": "A"} x',
}
