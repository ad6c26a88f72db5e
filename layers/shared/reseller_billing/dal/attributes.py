"""PynamoDB attribute types the service needs beyond the built-in ones."""

from __future__ import annotations

import json
import zlib
from datetime import date
from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import BINARY, NUMBER, STRING


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as Decimal: money never passes through float."""

    attr_type = NUMBER

    def serialize(self, value: Decimal) -> str:
        return str(value)

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


class IntegerAttribute(Attribute[int]):
    """A DynamoDB number read as int (PynamoDB's NumberAttribute reads float)."""

    attr_type = NUMBER

    def serialize(self, value: int) -> str:
        return str(int(value))

    def deserialize(self, value: str) -> int:
        return int(value)


class DateAttribute(Attribute[date]):
    """A calendar date stored as YYYY-MM-DD, so that it sorts."""

    attr_type = STRING

    def serialize(self, value: date) -> str:
        return value.isoformat()

    def deserialize(self, value: str) -> date:
        return date.fromisoformat(value)


class CompressedJSONAttribute(Attribute[dict[str, Any]]):
    """A JSON document stored zlib-compressed (invoice documents with per-SIM detail)."""

    attr_type = BINARY

    def serialize(self, value: dict[str, Any]) -> bytes:
        return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)

    def deserialize(self, value: bytes) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(zlib.decompress(value))
        return loaded
