"""The hostile inputs of tests/support/hostile.py, per field type, through the real routes: each is a 4xx
that names the field (or, for usage, a record rejected on its own), never a 500, and nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from tests.support import factories, hostile
from tests.support.api import Answer, Api
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items

SIM = iccid(70_001)


@pytest.fixture
def catalog(operator: Api) -> Catalog:
    built = build_catalog(operator)
    created(built.assign(operator, SIM, activation_date="2026-10-10"))
    return built


@pytest.fixture
def unchanged(catalog: Catalog) -> Iterator[None]:
    """The table is as it was once the catalog was built (idempotency records aside)."""
    before = stored_items()
    yield
    assert stored_items() == before, "a refused request wrote something"


def refused(answer: Answer, status: int, field: str | None = None) -> dict[str, Any]:
    assert answer.status == status, (answer.status, answer.json)
    error: dict[str, Any] = answer.json["error"]
    if field is not None:
        assert field in [detail["field"] for detail in error["details"]], error
    return error


def with_value(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """`body` with the field at `path` ("address.line1", "allowances.0.included") set to `value`."""
    changed = copy.deepcopy(body)
    *parents, last = path.split(".")
    target: Any = changed
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return changed


# (route, body, field) per field type; the route's placeholders are filled from the catalog.
Post = tuple[str, Callable[[Catalog], dict[str, Any]], str]
DECIMAL_FIELDS: dict[str, Post] = {
    "money": ("{base}/price-plans", lambda c: factories.price_plan(), "monthly_fee"),
    "money in a tier": (
        "{base}/price-plans",
        lambda c: factories.price_plan(mrc_tiers=[{"min_active_sims": 10, "monthly_fee": "1.00"}]),
        "mrc_tiers.0.monthly_fee",
    ),
    "quantity": ("{base}/price-plans", lambda c: factories.price_plan(), "allowances.0.included"),
    "percent": ("{base}/customers", lambda c: factories.customer("C-2"), "vat_rate"),
}
TEXT_FIELDS: dict[str, Post] = {
    "account name": ("/accounts", lambda c: factories.standard_account(), "name"),
    "customer name": ("{base}/customers", lambda c: factories.customer("C-2"), "name"),
    "address line 1": ("{base}/customers", lambda c: factories.customer("C-2"), "address.line1"),
    "address line 2": ("{base}/customers", lambda c: factories.customer("C-2"), "address.line2"),
    "postal code": ("{base}/customers", lambda c: factories.customer("C-2"), "address.postal_code"),
    "city": ("{base}/customers", lambda c: factories.customer("C-2"), "address.city"),
    "e-mail": ("{base}/customers", lambda c: factories.customer("C-2"), "email"),
    "price plan name": ("{base}/price-plans", lambda c: factories.price_plan(), "name"),
    "product name": ("{base}/products", lambda c: factories.product(c.plan["id"], code="P-2"), "name"),
    "description": ("{base}/products", lambda c: factories.product(c.plan["id"], code="P-2"), "description"),
}
DATE_FIELDS: dict[str, Post] = {
    "activation date": (
        "{customer}/sims",
        lambda c: factories.sim(iccid(70_002), c.product["id"]),
        "activation_date",
    ),
    "effective date": (f"{{customer}}/sims/{SIM}/status", lambda c: {"status": "SUSPENDED"}, "effective_date"),
    "run date": ("{base}/billing-runs", lambda c: {}, "run_date"),
}
ID_FIELDS: dict[str, Post] = {
    "product's price plan": ("{base}/products", lambda c: factories.product(c.plan["id"], code="P-2"), "price_plan_id"),
    "SIM's product": ("{customer}/sims", lambda c: factories.sim(iccid(70_002), c.product["id"]), "product_id"),
}


def post(operator: Api, catalog: Catalog, where: Post, value: Any) -> Answer:
    route, body, field = where
    path = route.format(base=catalog.base, customer=catalog.customer_path)
    return operator.post(path, with_value(body(catalog), field, value))


def refusals(answers: dict[str, Answer], status: int, field: str) -> list[str]:
    """The answers (by hostile input) that are not a `status` naming `field`: what a test reports."""
    wrong = []
    for label, answer in answers.items():
        fields = [d.get("field") for d in (answer.json or {}).get("error", {}).get("details", [])]
        if answer.status != status or field not in fields:
            wrong.append(f"{label}: {answer.status} {answer.json}")
    return wrong


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", DECIMAL_FIELDS.values(), ids=DECIMAL_FIELDS.keys())
def test_decimal_fields_take_ascii_decimal_strings_only(operator, catalog, where):
    values = {**hostile.DECIMAL_STRINGS, **hostile.NOT_DECIMAL_STRINGS}
    answers = {label: post(operator, catalog, where, value) for label, value in values.items()}

    assert refusals(answers, 422, where[2]) == []


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", TEXT_FIELDS.values(), ids=TEXT_FIELDS.keys())
def test_text_fields_refuse_control_and_format_characters(operator, catalog, where):
    values = hostile.TEXT
    if where[2] == "email":
        values = {label: value.replace("Acme", "billing@acme.example") for label, value in values.items()}
    answers = {label: post(operator, catalog, where, value) for label, value in values.items()}

    assert refusals(answers, 422, where[2]) == []
    assert all("control or format characters" in str(a.json) for a in answers.values())


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", DATE_FIELDS.values(), ids=DATE_FIELDS.keys())
def test_date_fields_take_yyyy_mm_dd_in_ascii_digits(operator, catalog, where):
    answers = {label: post(operator, catalog, where, value) for label, value in hostile.DATES.items()}

    assert refusals(answers, 422, where[2]) == []


@pytest.mark.usefixtures("unchanged")
def test_a_date_in_the_query_takes_ascii_digits(operator, catalog):
    preview = f"{catalog.customer_path}/invoice-preview?run_date="
    answers = {label: operator.get(preview + quote(str(value))) for label, value in hostile.DATES.items()}

    assert refusals(answers, 422, "run_date") == []


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("where", ID_FIELDS.values(), ids=ID_FIELDS.keys())
def test_ids_named_in_a_body_are_short_ascii(operator, catalog, where):
    values = {"65 characters": "x" * 65, "3,000 characters": "x" * 3000, "NUL": "p\u0000", "RLO": "p\u202e"}
    answers = {label: post(operator, catalog, where, value) for label, value in values.items()}

    assert refusals(answers, 422, where[2]) == []


USAGE_FIELDS = {
    "quantity": (hostile.DECIMAL_STRINGS, "invalid_quantity"),
    "occurred_at": (hostile.TIMESTAMPS, "invalid_occurred_at"),
    "iccid": ({"fullwidth": "８９４９000000000000018", "trailing newline": f"{SIM}\n"}, "invalid_iccid"),
    "record_id": ({"NUL": "r\u0000", "RLO": "r\u202e", "arabic-indic": "r-١"}, "invalid_record"),
}


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("field", "values", "reason"), [(f, *v) for f, v in USAGE_FIELDS.items()], ids=USAGE_FIELDS)
def test_hostile_usage_records_are_rejected_each_on_its_own(operator, catalog, field, values, reason):
    good = factories.usage_record("r-1", SIM, "10", occurred_at="2026-10-20T08:00:00Z")
    # Each record its own record_id, but where the record_id is the hostile field.
    records = [{**good, "record_id": f"r-{n}", field: value} for n, value in enumerate(values.values())]
    answer = operator.post(f"{catalog.base}/usage", {"records": records})

    assert answer.status == 202, answer.json
    assert answer.json["accepted"] == 0
    assert [(r["index"], r["reason"]) for r in answer.json["rejected"]] == [(n, reason) for n in range(len(values))]


@pytest.mark.usefixtures("unchanged")
def test_hostile_bodies_are_400_malformed_json(operator, catalog):
    paths = ("/accounts", f"{catalog.base}/customers", f"{catalog.base}/usage")
    answers = {
        f"{label} to {path}": operator.post(path, raw=body) for label, body in hostile.BODIES.items() for path in paths
    }

    wrong = [f"{label}: {a.status} {a.json}" for label, a in answers.items() if a.error_code != "malformed_json"]
    assert wrong == []
    assert {a.status for a in answers.values()} == {400}


@pytest.mark.usefixtures("unchanged")
def test_an_idempotency_key_is_1_to_200_printable_ascii_characters(operator, catalog):
    keys = {"empty": "", "201 characters": "k" * 201, "latin-1": "clé", "tab": "tab\tkey"}
    answers = {
        label: operator.post(f"{catalog.base}/customers", factories.customer("C-2"), headers={"Idempotency-Key": key})
        for label, key in keys.items()
    }

    assert refusals(answers, 422, "idempotency-key") == []
    assert {d["in"] for a in answers.values() for d in a.json["error"]["details"]} == {"header"}


def test_an_idempotency_key_of_200_printable_characters_is_taken(operator, catalog):
    key = ("k~ !" * 50)[:200]
    first = operator.post(f"{catalog.base}/customers", factories.customer("C-2"), headers={"Idempotency-Key": key})
    again = operator.post(f"{catalog.base}/customers", factories.customer("C-2"), headers={"Idempotency-Key": key})

    assert (first.status, again.status, again.json["id"]) == (201, 201, first.json["id"])


@pytest.mark.usefixtures("unchanged")
def test_an_id_in_the_path_too_long_to_be_a_key_is_400_not_500(operator, catalog):
    """DynamoDB refuses a key value over 2,048 bytes (partition) or 1,024 (sort) with a ValidationException;
    the local DynamoDB does too (infra/local/dynamodb_limits.py). A read made of the path's ids answers 400."""
    account, long_id = "a" * 2100, "x" * 1100
    paths = [
        f"/accounts/{account}",
        f"/accounts/{account}/customers",
        f"{catalog.base}/customers/{long_id}",
        f"{catalog.base}/customers/{long_id}/sims",
        f"{catalog.base}/price-plans/{long_id}",
        f"{catalog.base}/products/{long_id}",
        f"{catalog.base}/billing-runs/{long_id}",
        f"{catalog.customer_path}/sims/{long_id}",
    ]
    answers = {path[:60]: operator.get(path) for path in paths}

    wrong = [f"{label}: {a.status} {a.json}" for label, a in answers.items() if a.error_code != "bad_request"]
    assert wrong == []
    assert all(a.status == 400 and "cannot be looked up" in a.json["error"]["message"] for a in answers.values())


def test_a_long_id_in_a_path_is_400_for_the_reseller_user_too(api, catalog):
    answer = api.as_reseller(catalog.account_id).get(f"{catalog.base}/customers/{'x' * 1100}")

    assert (answer.status, answer.error_code) == (400, "bad_request")
