"""The foundation over HTTP: accounts, reseller profiles, the licence gate, tenant isolation, errors."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support import factories
from tests.support.api import Api, HttpTransport

pytestmark = pytest.mark.xdist_group("e2e")


def test_openapi_and_swagger_ui_are_served(stack):
    with urllib.request.urlopen(stack.url + "/openapi.json") as response:
        spec = json.load(response)
    assert spec["openapi"].startswith("3.")
    assert "/accounts" in spec["paths"]
    assert "/accounts/{account_id}/reseller-profile" in spec["paths"]
    with urllib.request.urlopen(stack.url + "/docs") as response:
        page = response.read().decode()
    assert "swagger-ui" in page
    assert "/openapi.json" in page


def test_account_lifecycle(operator):
    created = operator.post("/accounts", factories.standard_account(), headers={"Idempotency-Key": "e2e-1"})
    assert created.status == 201
    account_id = created.json["id"]
    replay = operator.post("/accounts", factories.standard_account(), headers={"Idempotency-Key": "e2e-1"})
    assert replay.json["id"] == account_id

    converted = operator.patch(
        f"/accounts/{account_id}",
        {"type": "RESELLER", "reseller_profile": factories.reseller_profile(billing_cycle_day=3)},
        headers={"If-Match": created.header("ETag")},
    )
    assert converted.status == 200
    profile = operator.get(f"/accounts/{account_id}/reseller-profile")
    assert profile.json["billing_cycle_day"] == 3
    updated = operator.put(
        f"/accounts/{account_id}/reseller-profile",
        factories.reseller_profile(billing_cycle_day=9, invoice_number_prefix="NL-"),
        headers={"If-Match": profile.header("ETag")},
    )
    assert updated.status == 200
    stale = operator.put(
        f"/accounts/{account_id}/reseller-profile",
        factories.reseller_profile(),
        headers={"If-Match": profile.header("ETag")},
    )
    assert stale.status == 412
    assert operator.get(f"/accounts/{account_id}").json["reseller_profile"]["invoice_number_prefix"] == "NL-"
    back = operator.patch(f"/accounts/{account_id}", {"type": "STANDARD"})
    assert back.status == 200
    assert operator.get(f"/accounts/{account_id}/reseller-profile").status == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (factories.reseller_account(reseller_profile=None), 422),
        (factories.standard_account(reseller_profile=factories.reseller_profile()), 422),
        (factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=0)), 422),
        (factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=29)), 422),
        (factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day="7x")), 422),
        (factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=7.5)), 422),
        (factories.reseller_account(reseller_profile=factories.reseller_profile(customer_invoice_type="ZIP")), 422),
    ],
)
def test_bad_accounts_are_refused_and_nothing_is_written(operator, body, status):
    before = operator.get("/accounts?limit=100").json["items"]
    answer = operator.post("/accounts", body)
    assert answer.status == status
    assert answer.error_code == "validation_error"
    assert operator.get("/accounts?limit=100").json["items"] == before


def test_malformed_oversize_and_unknown(operator):
    assert operator.post("/accounts", raw=b"{", headers={"Content-Type": "application/json"}).status == 400
    big = b'{"name": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    assert operator.post("/accounts", raw=big, headers={"Content-Type": "application/json"}).status == 413
    assert operator.post("/accounts", raw=b"x", headers={"Content-Type": "text/plain"}).status == 415
    assert operator.get("/accounts/acc_unknown").status == 404
    assert operator.anonymous().get("/accounts").status == 401


def test_licence_gate(unlicensed_stack):
    operator = Api(HttpTransport(unlicensed_stack.url)).as_operator()
    denied = operator.post("/accounts", factories.reseller_account())
    assert denied.status == 403
    assert denied.error_code == "feature_not_licensed"
    standard = operator.post("/accounts", factories.standard_account())
    assert standard.status == 201
    conversion = operator.patch(
        f"/accounts/{standard.json['id']}", {"type": "RESELLER", "reseller_profile": factories.reseller_profile()}
    )
    assert conversion.status == 403
    assert [a["type"] for a in operator.get("/accounts").json["items"]] == ["STANDARD"]


def test_tenant_isolation(api, operator):
    mine = operator.post("/accounts", factories.reseller_account(name="Mine")).json
    other = operator.post("/accounts", factories.reseller_account(name="Other")).json
    me = api.as_reseller(mine["id"])
    assert me.get(f"/accounts/{mine['id']}").status == 200
    assert [a["id"] for a in me.get("/accounts").json["items"]] == [mine["id"]]
    assert me.get(f"/accounts/{other['id']}").status == 404
    assert me.get(f"/accounts/{other['id']}/reseller-profile").status == 404
    assert me.patch(f"/accounts/{mine['id']}", {"name": "mine now"}).status == 403
    assert me.put(f"/accounts/{mine['id']}/reseller-profile", factories.reseller_profile()).status == 403
    assert me.post("/accounts", factories.standard_account()).status == 403
