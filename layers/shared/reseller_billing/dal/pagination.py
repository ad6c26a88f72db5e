"""The one pagination helper: a Query page of at most `limit` items and the position of the next.

A position (`Page.next_cursor` here) is the key of the last item returned, base64url-encoded. The API
never hands one out as it is: it seals it into the cursor a client sees and opens that cursor again before
a position reaches this module (api/cursors.py). The billing fan-out passes positions between its own
pages. A position is checked here too: one that does not decode, or points into another partition, is a
400.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.expressions.condition import Condition

from reseller_billing.dal.items import TableItem
from reseller_billing.errors import BadRequestError, ErrorCode
from reseller_billing.models.common import Page

ItemT = TypeVar("ItemT", bound=TableItem)
ModelT = TypeVar("ModelT", bound=BaseModel)

_INDEX_KEYS = {None: ("PK", "SK"), "GSI1": ("GSI1PK", "GSI1SK"), "GSI2": ("GSI2PK", "GSI2SK")}


def _cursor_of(item: TableItem, index: str | None) -> str:
    names = {"PK", "SK", *_INDEX_KEYS[index]}
    key = {name: item.serialize()[name]["S"] for name in sorted(names)}
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _start_key(cursor: str, index: str | None, partition: str) -> dict[str, dict[str, str]]:
    invalid = BadRequestError("the cursor is not one this list handed out", code=ErrorCode.INVALID_CURSOR)
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    names = {"PK", "SK", *_INDEX_KEYS[index]}
    if not isinstance(key, dict) or set(key) != names or not all(isinstance(v, str) for v in key.values()):
        raise invalid
    if key[_INDEX_KEYS[index][0]] != partition:
        raise invalid
    return {name: {"S": value} for name, value in key.items()}


def query_page(
    model: type[ItemT],
    to_model: Callable[[ItemT], ModelT],
    partition: str,
    range_key_condition: Condition | None = None,
    *,
    limit: int,
    cursor: str | None,
    index: str | None = None,
    newest_first: bool = False,
) -> Page[ModelT]:
    """One page of `model` items in `partition` (of the table or of index GSI1/GSI2), each read with
    `to_model`."""
    start = _start_key(cursor, index, partition) if cursor else None
    source: Any = {None: model, "GSI1": model.listing, "GSI2": model.invoicing_day}[index]
    results = source.query(
        partition,
        range_key_condition,
        limit=limit + 1,
        page_size=limit + 1,
        last_evaluated_key=start,
        scan_index_forward=not newest_first,
    )
    items: list[ItemT] = list(results)
    cursor_out = _cursor_of(items[limit - 1], index) if len(items) > limit else None
    return Page(items=[to_model(item) for item in items[:limit]], next_cursor=cursor_out)
