"""Identifiers: a type prefix and a ULID-like, time-ordered body (lists sort by creation); an invoice's id
is derived from its customer and cycle instead."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date, datetime

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    """`prefix_` + 10 characters of milliseconds since the epoch + 16 random characters."""
    millis = time.time_ns() // 1_000_000
    return f"{prefix}_{_base32(millis, 10)}{_base32(int.from_bytes(os.urandom(10), 'big'), 16)}"


def fixed_id(prefix: str, at: datetime, name: str) -> str:
    """A deterministic id that sorts with `new_id` ids by time: `at` in place of now, `name` in place of
    the random part (16 characters of Crockford base32 at most)."""
    millis = int(at.timestamp() * 1000)
    return f"{prefix}_{_base32(millis, 10)}{name.upper()[:16]:0>16}"


def invoice_id(customer_id: str, cycle_start: date) -> str:
    """Deterministic: the one invoice of a (customer, cycle) can only ever have this id."""
    return f"inv_{customer_id.removeprefix('cus_')}_{cycle_start.strftime('%Y%m%d')}"


def parse_invoice_id(value: str) -> tuple[str, date] | None:
    """(customer id, cycle start) of an invoice id; None for anything that is not one."""
    try:
        prefix, customer, day = value.split("_")
        if prefix != "inv" or len(day) != 8 or not (day.isascii() and day.isdigit()):  # int() takes "٢٠٢٦"
            return None
        return f"cus_{customer}", date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None


def credit_note_id(invoice_id: str, request_key: str | None) -> str:
    """`cn_{invoice id's body}_{16 characters}`: the invoice's id inside (a credit note is read with one
    GetItem), then a hash of `request_key` (the caller's Idempotency-Key: a retry after a crash finds the
    credit note it started), or random characters."""
    if request_key is None:
        name = _base32(int.from_bytes(os.urandom(10), "big"), 16)
    else:
        digest = hashlib.sha256(f"{invoice_id}\n{request_key}".encode()).digest()
        name = _base32(int.from_bytes(digest[:10], "big"), 16)
    return f"cn_{invoice_id.removeprefix('inv_')}_{name}"


def parse_credit_note_id(value: str) -> tuple[str, str, date] | None:
    """(invoice id, customer id, cycle start) of a credit note id; None for anything that is not one."""
    prefix, _, rest = value.partition("_")
    body, _, name = rest.rpartition("_")
    if prefix != "cn" or len(name) != 16 or not all(c in _ALPHABET for c in name):
        return None
    invoice = f"inv_{body}"
    parsed = parse_invoice_id(invoice)
    return None if parsed is None else (invoice, *parsed)
