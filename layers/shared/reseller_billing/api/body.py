"""Request bodies, parsed once and strictly, before any validation (the resolver's JSON deserializer).

Python's `json` would take what the service must refuse: a body nested a few thousand levels deep makes
it raise RecursionError, an integer of 5,000 digits a ValueError, both of them 500s. It also takes what
I-JSON (RFC 7493) rules out: `NaN` and `Infinity`, a name twice in one object (which value counts differs
from parser to parser) and lone surrogates (`"\\ud800"`, which no UTF-8 store takes). Here each of them
is a 400 `malformed_json` whose message says what is wrong, before a model sees the body.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from reseller_billing.errors import MalformedJsonError

MAX_NESTING = 64
"""Objects and arrays inside one another; the deepest body the API takes nests 4 levels."""

MAX_NUMBER_CHARACTERS = 100
"""Characters of one number literal (sign, digits, point, exponent); money has at most 19."""

# A string (skipped whole, so brackets inside it do not count) or a bracket.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# A surrogate is in the text itself (a body that was not UTF-8), or comes from a \u escape that the parser
# did not join with its other half.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def parse_json(text: str) -> Any:
    """The JSON value of a request body, or MalformedJsonError naming what is wrong with it."""
    _check_nesting(text)
    try:
        value = json.loads(
            text,
            parse_int=_integer,
            parse_float=_float,
            parse_constant=_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as error:
        raise MalformedJsonError(
            f"the request body is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if _SURROGATE.search(text) or (_SURROGATE_ESCAPE.search(text) and _holds_a_surrogate(value)):
        raise MalformedJsonError("the request body holds a lone UTF-16 surrogate (\\ud800-\\udfff)")
    return value


def _check_nesting(text: str) -> None:
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise MalformedJsonError(f"the request body nests objects or arrays more than {MAX_NESTING} deep")
        elif bracket in "]}":
            depth -= 1


def _too_long(literal: str) -> NoReturn:
    raise MalformedJsonError(
        f"the request body holds a number of {len(literal)} characters; at most {MAX_NUMBER_CHARACTERS} are taken"
    )


def _integer(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARACTERS:
        _too_long(literal)
    return int(literal)


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARACTERS:
        _too_long(literal)
    value = float(literal)
    if not math.isfinite(value):
        raise MalformedJsonError(f"the request body holds {literal}, a number out of range")
    return value


def _constant(name: str) -> NoReturn:
    raise MalformedJsonError(f"the request body holds {name}, which is not a JSON number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        names = [name for name, _ in pairs]
        twice = sorted({name for name in names if names.count(name) > 1})
        raise MalformedJsonError(f"the request body names {_quoted(twice)} more than once in one object")
    return value


def _holds_a_surrogate(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return True
        if isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def _quoted(names: list[str]) -> str:
    return ", ".join(json.dumps(name) for name in names[:5])
