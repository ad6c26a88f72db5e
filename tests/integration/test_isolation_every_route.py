"""Every route of the OpenAPI document, called by a reseller user with another reseller's ids, with the
wrong role, with no role and with no token: each answers 401, 403 or 404 (or, for the one list a reseller
may call without an account in the path, only its own account), no body carries the other tenant's data,
and nothing is written.

The routes come from the committed document, so a new route fails here until it has a body below."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from infra.local.tokens import mint
from infra.template import ROOT
from tests.support import factories
from tests.support.api import Answer, Api
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import stored_items

DOCUMENT = json.loads((ROOT / "docs/openapi.json").read_text())
ROUTES = sorted((method.upper(), path) for path, operations in DOCUMENT["paths"].items() for method in operations)
OPERATOR_ONLY = {
    ("POST", "/accounts"),
    ("PATCH", "/accounts/{account_id}"),
    ("PUT", "/accounts/{account_id}/reseller-profile"),
    ("POST", "/accounts/{account_id}/sim-stock"),
    ("GET", "/accounts/{account_id}/sim-stock/allocations/{allocation_id}"),
}


@dataclass(frozen=True)
class Tenant:
    """A reseller with something behind every path parameter, and what would give its data away."""

    ids: dict[str, str]
    secrets: frozenset[str]

    def path(self, template: str, **overrides: str) -> str:
        values = {**self.ids, "name": "pdf", **overrides}
        return re.sub(r"\{(\w+)\}", lambda match: values[match.group(1)], template)


def _tenant(operator: Api, queues: Any, label: str, serial: int) -> Tenant:
    profile = factories.reseller_profile(invoice_number_prefix=f"{label.upper()}INV")
    catalog = build_catalog(operator, name=f"{label} Reseller GmbH", reseller_profile=profile)
    person = {"name": f"{label} Customer Person", "email": f"{label.lower()}@customer.example"}
    customer = operator.patch(catalog.customer_path, person).json
    sim = iccid(serial)
    created(catalog.assign(operator, sim, activation_date="2026-10-10"))
    record = factories.usage_record(f"{label}-1", sim, "900", occurred_at="2026-10-21T09:00:00Z")
    assert operator.post(f"{catalog.base}/usage", {"records": [record]}).status == 202
    run = operator.post(f"{catalog.base}/billing-runs", {"run_date": "2026-11-05"})
    assert run.status == 202
    allocation = operator.post(f"{catalog.base}/sim-stock", {"range": {"first": iccid(serial + 100), "count": 2}})
    assert allocation.status == 202
    usage_file = created(operator.post(f"{catalog.base}/usage-files", {"format": "csv"}))
    queues.drain()
    (invoice,) = operator.get(f"{catalog.base}/invoices").json["items"]
    credit = {"reason": "Goodwill", "lines": [{"line": 0, "amount": "0.01"}]}
    credit_note = created(operator.post(f"{catalog.base}/invoices/{invoice['id']}/credit-notes", credit))
    ids = {
        "account_id": catalog.account_id,
        "customer_id": customer["id"],
        "price_plan_id": catalog.plan["id"],
        "product_id": catalog.product["id"],
        "iccid": sim,
        "invoice_id": invoice["id"],
        "run_id": run.json["id"],
        "allocation_id": allocation.json["id"],
        "file_id": usage_file["id"],
        "credit_note_id": credit_note["id"],
    }
    names = {
        catalog.account["name"],
        customer["name"],
        customer["email"],
        invoice["invoice_number"],
        credit_note["credit_note_number"],
    }
    return Tenant(ids=ids, secrets=frozenset({*ids.values(), *names}))


Body = Callable[[Tenant], Any]
BODIES: dict[tuple[str, str], Body] = {
    ("POST", "/accounts"): lambda _: factories.reseller_account(),
    ("PATCH", "/accounts/{account_id}"): lambda _: {"name": "Hijacked"},
    ("PUT", "/accounts/{account_id}/reseller-profile"): lambda _: factories.reseller_profile(),
    ("POST", "/accounts/{account_id}/customers"): lambda _: factories.customer("C-NEW"),
    ("PATCH", "/accounts/{account_id}/customers/{customer_id}"): lambda _: {"name": "Hijacked"},
    ("POST", "/accounts/{account_id}/customers/{customer_id}/sims"): lambda t: factories.sim(
        iccid(77), t.ids["product_id"]
    ),
    ("POST", "/accounts/{account_id}/customers/{customer_id}/sims/{iccid}/status"): lambda _: {
        "status": "SUSPENDED",
        "effective_date": "2026-11-20",
    },
    ("POST", "/accounts/{account_id}/price-plans"): lambda _: factories.price_plan(),
    ("PATCH", "/accounts/{account_id}/price-plans/{price_plan_id}"): lambda _: {"monthly_fee": "0.01"},
    ("POST", "/accounts/{account_id}/products"): lambda t: factories.product(t.ids["price_plan_id"], "NEW"),
    ("PATCH", "/accounts/{account_id}/products/{product_id}"): lambda _: {"description": "Hijacked"},
    ("POST", "/accounts/{account_id}/usage"): lambda t: {
        "records": [factories.usage_record("stolen", t.ids["iccid"], occurred_at="2026-11-20T09:00:00Z")]
    },
    ("POST", "/accounts/{account_id}/billing-runs"): lambda _: {"run_date": "2026-12-05"},
    ("POST", "/accounts/{account_id}/sim-stock"): lambda _: {"iccids": [iccid(79)]},
    ("POST", "/accounts/{account_id}/customers/{customer_id}/sim-batches"): lambda t: {
        "sims": [factories.sim(iccid(78), t.ids["product_id"])]
    },
    ("POST", "/accounts/{account_id}/usage-files"): lambda _: {"format": "ndjson"},
    ("POST", "/accounts/{account_id}/invoices/{invoice_id}/credit-notes"): lambda _: {
        "reason": "Hijacked",
        "lines": [{"line": 0, "amount": "0.01"}],
    },
}
QUERIES = {
    ("GET", "/accounts/{account_id}/customers/{customer_id}/invoice-preview"): "?run_date=2026-12-05",
    ("GET", "/accounts/{account_id}/invoices"): "?customer_id={customer_id}",
    ("GET", "/accounts/{account_id}/credit-notes"): "?invoice_id={invoice_id}",
    ("GET", "/accounts/{account_id}/documents"): "?from=2026-01-01&to=2026-12-31",
    ("GET", "/accounts/{account_id}/documents/csv"): "?from=2026-01-01&to=2026-12-31",
}


def _call(caller: Api, route: tuple[str, str], path_of: Tenant, body_of: Tenant, **ids: str) -> Answer:
    method, template = route
    path = path_of.path(template + QUERIES.get(route, ""), **ids)
    body = BODIES[route](body_of) if route in BODIES else None
    return caller.call(method, path, body)


@pytest.fixture
def tenants(operator: Api, queues: Any) -> tuple[Tenant, Tenant]:
    return _tenant(operator, queues, "Mine", 1), _tenant(operator, queues, "Theirs", 2)


def _leaks(answer: Answer, tenant: Tenant, sent: str) -> list[str]:
    """The other tenant's data in an answer, leaving out what the caller itself sent."""
    text = answer.raw.decode()
    return sorted(secret for secret in tenant.secrets if secret in text and secret not in sent)


def test_the_document_routes_all_have_a_body_or_need_none():
    needs_body = {
        (method.upper(), path)
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        if operation.get("requestBody", {}).get("required")
    }
    assert needs_body <= set(BODIES), f"routes without a test body: {sorted(needs_body - set(BODIES))}"
    assert len(ROUTES) >= 31


def test_every_route_with_another_resellers_ids_is_404_and_shows_nothing_of_theirs(api, tenants):
    mine, theirs = tenants
    me = api.as_reseller(mine.ids["account_id"])
    before = stored_items()
    outcomes: dict[str, tuple[int, list[str]]] = {}
    for route in ROUTES:
        answer = _call(me, route, path_of=theirs, body_of=theirs)
        outcomes[" ".join(route)] = (answer.status, _leaks(answer, theirs, theirs.path(route[1])))
    expected: dict[str, tuple[int, list[str]]] = {" ".join(route): (404, []) for route in ROUTES}
    expected["GET /accounts"] = (200, [])  # a list of one: my own account
    expected["POST /accounts"] = (403, [])  # no account in the path; the role decides
    assert outcomes == expected
    assert [a["id"] for a in me.get("/accounts").json["items"]] == [mine.ids["account_id"]]
    assert stored_items() == before


def test_every_route_under_my_account_with_their_ids_is_404_and_shows_nothing_of_theirs(api, tenants):
    """My account in the path, their customer, plan, product, SIM, invoice or run after it."""
    mine, theirs = tenants
    me = api.as_reseller(mine.ids["account_id"])
    before = stored_items()
    theirs_under_mine = {name: value for name, value in theirs.ids.items() if name != "account_id"}
    outcomes: dict[str, tuple[int, list[str]]] = {}
    for route in ROUTES:
        if route in OPERATOR_ONLY or not re.search(r"\{(?!account_id\})\w+\}", route[1] + QUERIES.get(route, "")):
            continue  # no id of theirs to put in it
        answer = _call(me, route, path_of=mine, body_of=mine, **theirs_under_mine)
        outcomes[" ".join(route)] = (answer.status, _leaks(answer, theirs, mine.path(route[1], **theirs_under_mine)))
    expected: dict[str, tuple[int, list[str]]] = dict.fromkeys(outcomes, (404, []))
    # Filtering my invoices by their customer finds none of mine; it is a filter, not a lookup.
    expected["GET /accounts/{account_id}/invoices"] = (200, [])
    expected["GET /accounts/{account_id}/credit-notes"] = (200, [])  # likewise, by their invoice
    assert outcomes == expected
    assert len(outcomes) >= 15
    assert stored_items() == before


def test_operator_only_routes_are_403_for_a_reseller_user_even_on_its_own_account(api, tenants):
    mine, theirs = tenants
    me = api.as_reseller(mine.ids["account_id"])
    before = stored_items()
    outcomes = {}
    for route in sorted(OPERATOR_ONLY):
        answer = _call(me, route, path_of=mine, body_of=mine)
        outcomes[" ".join(route)] = (answer.status, answer.error_code, _leaks(answer, theirs, ""))
    assert outcomes == dict.fromkeys(outcomes, (403, "forbidden", []))
    assert stored_items() == before


def test_every_route_without_a_token_or_a_role_is_refused(api, tenants):
    theirs = tenants[1]
    callers = {
        "no token": (api.anonymous(), 401, "unauthorized"),
        "no known role": (Api(api.transport, mint("auditor", subject="someone")), 403, "forbidden"),
        "reseller without an account": (Api(api.transport, mint("reseller", None, subject="x")), 403, "forbidden"),
    }
    before = stored_items()
    for label, (who, status, code) in callers.items():
        outcomes = {}
        for route in ROUTES:
            answer = _call(who, route, path_of=theirs, body_of=theirs)
            leaks = _leaks(answer, theirs, theirs.path(route[1]))
            outcomes[" ".join(route)] = (answer.status, answer.error_code, leaks)
            assert set(answer.json["error"]) == {"code", "message", "details"}
        assert outcomes == dict.fromkeys(outcomes, (status, code, [])), label
    assert stored_items() == before


def test_the_operator_reaches_every_route_of_both_tenants(operator, tenants):
    """The other side of the same table: the ids above are real, so the 404s are isolation, not typos."""
    for tenant in tenants:
        for method, template in ROUTES:
            if method == "GET":
                answer = _call(operator, (method, template), path_of=tenant, body_of=tenant)
                assert answer.status == 200, (template, answer.status, answer.json)
