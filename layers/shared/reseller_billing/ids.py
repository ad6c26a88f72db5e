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


def invoice_id(customer_id: str, cycle_start: date, replacement: int = 0) -> str:
    """Deterministic: the one invoice of a (customer, cycle) can only ever have this id; its `replacement`th
    replacement (after a full credit, §corrections) has `_r{n}` after it."""
    base = f"inv_{customer_id.removeprefix('cus_')}_{cycle_start.strftime('%Y%m%d')}"
    return base if replacement == 0 else f"{base}_r{replacement}"


def parse_invoice_id(value: str) -> tuple[str, date, int] | None:
    """(customer id, cycle start, replacement number) of an invoice id; None for anything that is not one."""
    try:
        prefix, customer, day, *rest = value.split("_")
        if prefix != "inv" or len(day) != 8 or not (day.isascii() and day.isdigit()):  # int() takes "٢٠٢٦"
            return None
        replacement = 0
        if rest:
            (suffix,) = rest
            digits = suffix.removeprefix("r")
            if not suffix.startswith("r") or not (digits.isascii() and digits.isdigit()) or not 1 <= int(digits) <= 99:
                return None
            replacement = int(digits)
            if suffix != f"r{replacement}":
                return None
        return f"cus_{customer}", date(int(day[:4]), int(day[4:6]), int(day[6:])), replacement
    except ValueError:
        return None


def replaced_invoice_id(value: str) -> str | None:
    """The invoice a replacement invoice replaces (the previous one of its cycle); None for an original."""
    parsed = parse_invoice_id(value)
    if parsed is None or parsed[2] == 0:
        return None
    customer_id, cycle_start, replacement = parsed
    return invoice_id(customer_id, cycle_start, replacement - 1)


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


def parse_credit_note_id(value: str) -> tuple[str, str, date, int] | None:
    """(invoice id, customer id, cycle start, replacement number of the invoice) of a credit note id; None
    for anything that is not one."""
    prefix, _, rest = value.partition("_")
    body, _, name = rest.rpartition("_")
    if prefix != "cn" or len(name) != 16 or not all(c in _ALPHABET for c in name):
        return None
    invoice = f"inv_{body}"
    parsed = parse_invoice_id(invoice)
    return None if parsed is None else (invoice, *parsed)
