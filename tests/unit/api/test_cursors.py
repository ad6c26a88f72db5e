"""Cursors are sealed for one list and one caller: altered, made up, moved to another list, filter or
caller, they are refused (400 invalid_cursor) before a position reaches DynamoDB."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from reseller_billing.api import cursors
from reseller_billing.errors import BadRequestError, ErrorCode
from reseller_billing.principal import Principal, Role

OPERATOR = Principal("op-1", Role.OPERATOR)
RESELLER = Principal("user-1", Role.RESELLER, "acc_1")
POSITION = "eyJQSyI6IkFDQ09VTlQjYWNjXzEiLCJTSyI6IklOVk9JQ0UjMjAyNi0xMC0wNSJ9"


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursors, "_key", lambda: b"k" * 64)


def listing(query: dict[str, str] | None = None, account: str = "acc_1") -> dict[str, Any]:
    return {
        "httpMethod": "GET",
        "resource": "/accounts/{account_id}/invoices",
        "pathParameters": {"account_id": account},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {name: [value] for name, value in (query or {}).items()} or None,
    }


def cursor_of(event: dict[str, Any], caller: Principal = RESELLER) -> str:
    return cursors.seal(POSITION, cursors.list_of(event, caller))


def refused(event: dict[str, Any], caller: Principal = RESELLER) -> None:
    with pytest.raises(BadRequestError) as raised:
        cursors.opened(event, caller)
    assert raised.value.code is ErrorCode.INVALID_CURSOR


def test_a_cursor_opens_to_its_position_on_its_own_list_whatever_the_page_size():
    cursor = cursor_of(listing({"customer_id": "cus_1", "limit": "10"}))

    opened = cursors.opened(listing({"customer_id": "cus_1", "limit": "50", "cursor": cursor}), RESELLER)

    assert opened["queryStringParameters"] == {"customer_id": "cus_1", "limit": "50", "cursor": POSITION}
    assert opened["multiValueQueryStringParameters"]["cursor"] == [POSITION]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # the MAC
        lambda c: "eyJQSyI6IkFDQ09VTlQjYWNjXzIifQ" + c[c.index(".") :],  # the position
        lambda c: c.split(".")[0],  # an unsealed position, as cursors were before
        lambda c: "",
        lambda c: ".",
        lambda c: c + "." + c,
    ],
    ids=["mac", "position", "unsealed", "empty", "dot", "doubled"],
)
def test_an_altered_or_made_up_cursor_is_refused(tamper):
    refused(listing({"cursor": tamper(cursor_of(listing()))}))


@pytest.mark.parametrize(
    ("handed_out", "used"),
    [
        (listing(), listing(account="acc_2")),  # another account's list (an operator moving it)
        (listing({"customer_id": "cus_1"}), listing({"customer_id": "cus_2"})),  # another filter
        (listing({"customer_id": "cus_1"}), listing()),  # the filter dropped
        (listing(), {**listing(), "resource": "/accounts/{account_id}/credit-notes"}),  # another list
    ],
    ids=["account", "filter", "filter-dropped", "route"],
)
def test_a_cursor_moved_to_another_list_is_refused(handed_out, used):
    cursor = cursor_of(handed_out, OPERATOR)
    used = copy.deepcopy(used)
    used["queryStringParameters"] = {**(used["queryStringParameters"] or {}), "cursor": cursor}
    used["multiValueQueryStringParameters"] = {k: [v] for k, v in used["queryStringParameters"].items()}
    refused(used, OPERATOR)


def test_a_cursor_handed_to_one_caller_is_refused_to_another():
    cursor = cursor_of(listing(), OPERATOR)

    refused(listing({"cursor": cursor}), RESELLER)
    refused(listing({"cursor": cursor_of(listing())}), OPERATOR)


def test_two_cursors_in_one_request_are_refused():
    cursor = cursor_of(listing())
    event = listing({"cursor": cursor})
    event["multiValueQueryStringParameters"]["cursor"] = [cursor, cursor]

    refused(event)


def test_another_key_makes_every_cursor_invalid(monkeypatch):
    cursor = cursor_of(listing())
    monkeypatch.setattr(cursors, "_key", lambda: b"another key")

    refused(listing({"cursor": cursor}))


def test_the_next_cursor_of_an_answer_is_sealed_for_its_list_and_nothing_else_changes():
    page = {"items": [{"id": "inv_1", "note": '"next_cursor"'}], "next_cursor": POSITION}
    answer = {"statusCode": 200, "headers": {"ETag": '"1"'}, "body": json.dumps(page)}

    sealed = cursors.sealed(answer, listing(), RESELLER)

    body = json.loads(sealed["body"])
    assert body["items"] == page["items"]
    assert body["next_cursor"] == cursor_of(listing())
    assert sealed["headers"] == answer["headers"]


@pytest.mark.parametrize(
    "answer",
    [
        {"statusCode": 200, "body": json.dumps({"items": [], "next_cursor": None})},
        {"statusCode": 200, "body": json.dumps({"id": "acc_1", "name": "next_cursor"})},
        {"statusCode": 400, "body": json.dumps({"error": {"code": "invalid_cursor"}, "next_cursor": "x"})},
    ],
    ids=["last page", "no list", "error"],
)
def test_answers_without_a_next_page_are_left_as_they_are(answer):
    assert cursors.sealed(answer, listing(), RESELLER) is answer


def test_requests_without_a_cursor_are_left_as_they_are():
    event = listing({"customer_id": "cus_1"})

    assert cursors.opened(event, RESELLER) is event
