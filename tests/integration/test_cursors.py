"""List cursors through the real handlers: sealed for one list and caller with the key in Secrets Manager,
read once per execution environment and only by requests that page."""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator

import pytest

from reseller_billing.integration.clients import client
from reseller_billing.integration.secrets import secret_string
from tests.support import factories
from tests.support.catalog import created
from tests.support.table import stored_items


@pytest.fixture
def reseller(operator) -> str:
    account_id: str = created(operator.post("/accounts", factories.reseller_account()))["id"]
    for n in range(3):
        created(operator.post(f"/accounts/{account_id}/customers", factories.customer(f"C-{n}")))
    return account_id


@pytest.fixture
def secret_reads() -> Iterator[Counter[str]]:
    """GetSecretValue calls, counted from a cold start (the key's cache emptied)."""
    calls: Counter[str] = Counter()

    def count(**_: object) -> None:
        calls["GetSecretValue"] += 1

    secret_string.cache_clear()
    events = client("secretsmanager").meta.events
    events.register("before-call.secrets-manager.GetSecretValue", count)
    yield calls
    events.unregister("before-call.secrets-manager.GetSecretValue", count)


def position(pk: str, sk: str) -> str:
    """An unsealed position as dal/pagination.py writes one: what a caller would forge."""
    key = json.dumps({"PK": pk, "SK": sk}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def test_a_forged_cursor_with_another_sort_key_is_400_before_dynamodb_sees_it(operator, reseller):
    # Unsealed, this position passed the partition check and moto answered 200; DynamoDB would have refused
    # its start key (outside the key condition) with a ValidationException, a 500.
    for forged in (position(f"ACCOUNT#{reseller}", "PRODUCT#x"), position(f"ACCOUNT#{reseller}", "CUSTOMER#x")):
        answer = operator.get(f"/accounts/{reseller}/customers?cursor={forged}")
        assert (answer.status, answer.error_code) == (400, "invalid_cursor")


def test_a_cursor_pages_its_own_list_and_no_other(api, operator, reseller):
    first = operator.get(f"/accounts/{reseller}/customers?limit=1").json
    cursor = first["next_cursor"]
    assert "." in cursor

    second = operator.get(f"/accounts/{reseller}/customers?limit=2&cursor={cursor}")
    assert second.status == 200
    assert [c["id"] for c in second.json["items"]] != [c["id"] for c in first["items"]]

    elsewhere = [
        api.as_reseller(reseller).get(f"/accounts/{reseller}/customers?cursor={cursor}"),  # another caller
        operator.get(f"/accounts/{reseller}/price-plans?cursor={cursor}"),  # another list of the account
        operator.get(f"/accounts?cursor={cursor}"),
    ]
    assert [(a.status, a.error_code) for a in elsewhere] == [(400, "invalid_cursor")] * 3


def test_a_cursor_is_bound_to_the_filter_it_was_handed_out_with(operator):
    for n in range(3):
        created(operator.post("/accounts", factories.reseller_account(name=f"R{n}")))
    cursor = operator.get("/accounts?type=RESELLER&limit=1").json["next_cursor"]

    assert operator.get(f"/accounts?type=RESELLER&limit=5&cursor={cursor}").status == 200
    for moved in (f"/accounts?type=STANDARD&cursor={cursor}", f"/accounts?cursor={cursor}"):
        answer = operator.get(moved)
        assert (answer.status, answer.error_code) == (400, "invalid_cursor")


def test_the_key_is_read_once_and_only_by_requests_that_page(operator, reseller, secret_reads):
    before = stored_items()
    operator.get(f"/accounts/{reseller}/customers")  # one page: nothing to seal
    assert secret_reads["GetSecretValue"] == 0

    cursor = operator.get(f"/accounts/{reseller}/customers?limit=1").json["next_cursor"]
    operator.get(f"/accounts/{reseller}/customers?limit=1&cursor={cursor}")
    operator.get(f"/accounts/{reseller}/price-plans?limit=1&cursor={cursor}")
    assert secret_reads["GetSecretValue"] == 1
    assert stored_items() == before
