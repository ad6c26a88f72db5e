"""Field types and base models shared by the API's input and output models and the domain records."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Generic, Protocol, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from reseller_billing.currencies_iso4217 import MINOR_UNITS
from reseller_billing.iccid import is_valid_iccid

# ASCII digits only: Python's \d (and str.isdigit) also match "١٢" or "５", which Decimal() reads as 12 and
# 5. The patterns go into the OpenAPI document as they are; Python matches them with fullmatch, because its
# `$` also matches before a final newline.
_DECIMAL = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,6})?$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _decimal_string(value: Any) -> Decimal:
    if isinstance(value, Decimal) and value.is_finite():
        return value  # from our own code (output models); JSON never parses to Decimal
    if not isinstance(value, str):
        raise ValueError('must be a decimal string such as "12.50", not a JSON number')
    if not _DECIMAL.fullmatch(value):
        raise ValueError("must be a non-negative decimal string with at most 12 integer and 6 decimal digits")
    return Decimal(value)


def whole_number(value: Any) -> Any:
    """JSON has one kind of number: 22.0 is the integer 22, as JSON Schema's `integer` says. 22.5 and
    "22" are left as they are, for the integer check to refuse."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _decimal_or_integer(value: Any) -> Decimal:
    value = whole_number(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0 or value >= 10**12:
            raise ValueError("must be between 0 and 999999999999")
        return Decimal(value)
    if isinstance(value, str | Decimal):
        return _decimal_string(value)
    raise ValueError('must be an integer or a decimal string such as "12.5"')


def _percent(value: Any) -> Decimal:
    rate = _decimal_string(value)
    if rate > 100:
        raise ValueError("must be between 0 and 100")
    return rate


# Billing cycles are computed around every date taken in (a month either side): keep clear of year 1 and 9999.
_FIRST_DATE, _LAST_DATE = date(1900, 1, 1), date(2999, 12, 31)


def _iso_date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    day = date.fromisoformat(value)
    if not _FIRST_DATE <= day <= _LAST_DATE:
        raise ValueError(f"must be between {_FIRST_DATE} and {_LAST_DATE}")
    return day


def _currency(value: Any) -> str:
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise ValueError("must be an ISO 4217 currency code such as EUR, JPY or BHD")
    return value


_as_string = PlainSerializer(str, return_type=str)
_DECIMAL_SCHEMA = {"type": "string", "pattern": _DECIMAL.pattern}

Money = Annotated[
    Decimal,
    BeforeValidator(_decimal_string),
    _as_string,
    WithJsonSchema({**_DECIMAL_SCHEMA, "examples": ["12.50"], "description": "Decimal string, never a number"}),
]
"""A price or amount in JSON: a non-negative decimal string, up to 6 decimals."""

Quantity = Annotated[
    Decimal,
    BeforeValidator(_decimal_or_integer),
    _as_string,
    WithJsonSchema(
        {"oneOf": [{"type": "integer", "minimum": 0, "maximum": 10**12 - 1}, _DECIMAL_SCHEMA]}, mode="validation"
    ),
    WithJsonSchema(_DECIMAL_SCHEMA, mode="serialization"),
]
"""A count of units: an integer or a non-negative decimal string."""

Percent = Annotated[
    Decimal,
    BeforeValidator(_percent),
    _as_string,
    WithJsonSchema({**_DECIMAL_SCHEMA, "examples": ["19"], "description": "Percent, 0-100"}),
]

IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _DATE.pattern, "examples": ["2026-11-05"]}),
]

CurrencyCode = Annotated[
    str,
    BeforeValidator(_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"]}),
]

CycleDay = Annotated[int, Field(strict=True, ge=1, le=28), BeforeValidator(whole_number)]
"""A day of the month on which something is billed, 1-28 (a JSON integer: "7" or 7.5 is refused)."""

# Control and format characters (NUL, CR, LF, tab, U+202E RIGHT-TO-LEFT OVERRIDE, U+200B ZERO WIDTH SPACE,
# ...), line and paragraph separators, and surrogates: in a name they would reach the PDF, the CSV and the
# reseller's own systems, reorder or hide what a reader sees, or break a line where none was meant.
_NOT_TEXT = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _plain_text(value: Any) -> Any:
    if isinstance(value, str) and not value.isprintable():  # isprintable: a fast path for nearly all text
        for position, char in enumerate(value):
            if unicodedata.category(char) in _NOT_TEXT:
                name = unicodedata.name(char, "")
                raise ValueError(
                    f"must not contain control or format characters: U+{ord(char):04X}{f' {name}' if name else ''} "
                    f"at position {position}"
                )
    return value


PlainText = BeforeValidator(_plain_text)
"""Text the API stores: no control or format characters (Unicode Cc, Cf), line or paragraph separators (Zl,
Zp), nor surrogates; a plain space and every other character are taken. Place it last in `Annotated`, so
that it sees the text as sent, before whitespace is stripped."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), PlainText]

ResourceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
"""The id of another resource named in a body (a product's price plan, a SIM's product)."""


def _iccid(value: str) -> str:
    if not is_valid_iccid(value):
        raise ValueError("must be 19 or 20 digits ending in a valid Luhn check digit")
    return value


Iccid = Annotated[str, AfterValidator(_iccid), WithJsonSchema({"type": "string", "pattern": "^[0-9]{19,20}$"})]

Timestamp = Annotated[
    datetime,
    PlainSerializer(lambda t: t.astimezone(UTC).isoformat().replace("+00:00", "Z"), return_type=str),
]


class InputModel(BaseModel):
    """A request body: unknown fields are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


def _patch_json_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Fields are optional only to tell "absent" (unchanged) apart: null is not a value a PATCH can set
    (but for the model's `clearable` fields, where null removes the value), so the document does not offer
    it, and asks for at least one field."""
    schema["minProperties"] = 1
    clearable: frozenset[str] = getattr(model, "clearable", frozenset())
    for name, field in schema.get("properties", {}).items():
        if name in clearable:
            field.pop("default", None)
            continue
        options = field.pop("anyOf", None)
        if options is not None:
            kept = [option for option in options if option != {"type": "null"}]
            field.update(kept[0]) if len(kept) == 1 else field.update(anyOf=kept)
        if "default" in field and field["default"] is None:
            del field["default"]


class PatchModel(InputModel):
    """A PATCH body: the fields present change; at least one, and none of them null but the `clearable`
    ones (optional values a PATCH removes with null)."""

    model_config = ConfigDict(json_schema_extra=_patch_json_schema)
    clearable: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _something_to_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        nulls = sorted(f for f in self.model_fields_set - self.clearable if getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class OutputModel(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class Resource(OutputModel):
    id: str
    created_at: Timestamp
    updated_at: Timestamp


class Dated(Protocol):
    @property
    def effective_from(self) -> date | None: ...


DatedT = TypeVar("DatedT", bound=Dated)


def in_force(entries: Sequence[DatedT], day: date) -> DatedT:
    """The entry in force on `day` of a history whose first entry has no `effective_from` (it holds since
    ever) and whose later ones have increasing dates."""
    current = entries[0]
    for entry in entries[1:]:
        effective_from = entry.effective_from
        if effective_from is None or effective_from > day:
            break
        current = entry
    return current


ItemT = TypeVar("ItemT", bound=BaseModel)
T = TypeVar("T")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next (null on the last page)."""

    items: list[ItemT]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Versioned(Generic[T]):
    """A stored resource and its version: the version is its ETag, and every change is conditional on it."""

    value: T
    version: int


def _system_clock() -> datetime:
    return datetime.now(UTC)


# The service's one clock: every "now" and every "today" (a cycle-day change, a price version, a SIM's
# status, an invoice's issue date) is read through `utcnow`. Tests that need a given day replace this.
clock: Callable[[], datetime] = _system_clock


def utcnow() -> datetime:
    return clock()


def utctoday() -> date:
    """The UTC calendar date: the day on which a change is made, and an invoice is issued."""
    return clock().date()
