"""Accounts and reseller profiles through the real handlers (local gateway, in-process) on moto."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.table import item_count


def test_operator_creates_a_reseller_and_reads_it_back(operator):
    created = operator.post("/accounts", factories.reseller_account())
    assert created.status == 201, created.json
    account = created.json
    assert account["id"].startswith("acc_")
    assert account["type"] == "RESELLER"
    assert account["reseller_profile"] == {
        "customer_invoice_creation": True,
        "customer_invoice_type": "BOTH",
        "billing_cycle_day": 5,
        "invoice_number_prefix": "INV-",
        "credit_note_prefix": "CN-",
        "issuer": None,
        "payment_terms_days": 30,
        "bank_account": None,
        "invoice_footer": None,
        "e_invoice_format": "NONE",
        "billing_cycle_history": [{"billing_cycle_day": 5, "effective_from": None}],
    }
    assert created.header("ETag") == '"1"'
    assert created.header("Location") == f"/accounts/{account['id']}"

    read = operator.get(f"/accounts/{account['id']}")
    assert read.status == 200
    assert read.json == account


def test_operator_creates_a_standard_account_without_profile(operator):
    created = operator.post("/accounts", factories.standard_account())
    assert created.status == 201
    assert created.json["reseller_profile"] is None
    assert operator.get(f"/accounts/{created.json['id']}/reseller-profile").status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (factories.reseller_account(reseller_profile=None), "body"),
        ({**factories.reseller_account(), "reseller_profile": None}, "body"),
        (factories.standard_account(reseller_profile=factories.reseller_profile()), "body"),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=0)),
            "billing_cycle_day",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=29)),
            "billing_cycle_day",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day="7x")),
            "billing_cycle_day",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=7.5)),
            "billing_cycle_day",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day="7")),
            "billing_cycle_day",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(customer_invoice_type="XML")),
            "customer_invoice_type",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(invoice_number_prefix="inv_")),
            "invoice_number_prefix",
        ),
        (
            factories.reseller_account(reseller_profile=factories.reseller_profile(customer_invoice_creation="yes")),
            "customer_invoice_creation",
        ),
        (factories.standard_account(bill_cycle_day=29), "bill_cycle_day"),
        (factories.standard_account(currency="EURO"), "currency"),
        (factories.standard_account(currency="XAU"), "currency"),
        (factories.standard_account(type="PARTNER"), "type"),
        (factories.standard_account(name="  "), "name"),
        (factories.standard_account(surprise=1), "surprise"),
    ],
)
def test_invalid_accounts_are_refused_with_422_and_nothing_written(operator, body, field):
    answer = operator.post("/accounts", body)
    assert answer.status == 422, answer.json
    assert answer.error_code == "validation_error"
    fields = [d["field"] for d in answer.json["error"]["details"]]
    assert any(field in f for f in fields), fields
    assert item_count() == 0


def test_a_whole_json_number_written_with_a_fraction_is_an_integer(operator):
    """JSON Schema's `integer` includes 22.0, and the OpenAPI document promises JSON Schema."""
    body = factories.reseller_account(reseller_profile=factories.reseller_profile(billing_cycle_day=22.0))
    answer = operator.post("/accounts", body)
    assert answer.status == 201, answer.json
    assert answer.json["reseller_profile"]["billing_cycle_day"] == 22


@pytest.mark.parametrize(
    ("raw", "headers", "status", "code"),
    [
        (b'{"name": "x",', {"Content-Type": "application/json"}, 400, "malformed_json"),
        (b'{"name": "\xe4"}', {"Content-Type": "application/json"}, 400, "malformed_json"),  # latin-1, not UTF-8
        (b"name=x", {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        (b'{"name": "' + b"x" * (1024 * 1024) + b'"}', {"Content-Type": "application/json"}, 413, "payload_too_large"),
        (b"[1, 2]", {"Content-Type": "application/json"}, 422, "validation_error"),
    ],
)
def test_malformed_requests_get_clear_4xx(operator, raw, headers, status, code):
    answer = operator.post("/accounts", raw=raw, headers=headers)
    assert answer.status == status
    assert answer.error_code == code
    assert set(answer.json["error"]) == {"code", "message", "details"}
    assert item_count() == 0


def test_unknown_ids_and_routes_answer_404(operator):
    assert operator.get("/accounts/acc_nope").error_code == "not_found"
    assert operator.patch("/accounts/acc_nope", {"name": "x"}).status == 404
    assert operator.get("/accounts/acc_nope/reseller-profile").status == 404
    assert operator.get("/nowhere").status == 404


def test_without_a_valid_token_everything_is_401(api, operator):
    assert api.anonymous().get("/accounts").status == 401
    bad = api.anonymous()
    bad.extra_headers["Authorization"] = "Bearer not-a-jwt"
    answer = bad.get("/accounts")
    assert answer.status == 401
    assert answer.error_code == "unauthorized"


class TestLicenceGate:
    def test_reseller_creation_needs_the_licence(self, operator, unlicensed):
        answer = operator.post("/accounts", factories.reseller_account())
        assert answer.status == 403
        assert answer.error_code == "feature_not_licensed"
        assert item_count() == 0

    def test_standard_accounts_work_without_it(self, operator, unlicensed):
        assert operator.post("/accounts", factories.standard_account()).status == 201

    def test_conversion_to_reseller_needs_the_licence(self, operator, unlicensed):
        account = operator.post("/accounts", factories.standard_account()).json
        answer = operator.patch(
            f"/accounts/{account['id']}", {"type": "RESELLER", "reseller_profile": factories.reseller_profile()}
        )
        assert answer.status == 403
        assert answer.error_code == "feature_not_licensed"
        assert operator.get(f"/accounts/{account['id']}").json["type"] == "STANDARD"


class TestUpdate:
    def test_patch_renames_with_if_match_and_bumps_the_etag(self, operator):
        account = operator.post("/accounts", factories.standard_account()).json
        answer = operator.patch(f"/accounts/{account['id']}", {"name": "Acme 2"}, headers={"If-Match": '"1"'})
        assert answer.status == 200
        assert answer.json["name"] == "Acme 2"
        assert answer.header("ETag") == '"2"'

    def test_stale_if_match_is_412_and_changes_nothing(self, operator):
        account = operator.post("/accounts", factories.standard_account()).json
        operator.patch(f"/accounts/{account['id']}", {"name": "first"})
        answer = operator.patch(f"/accounts/{account['id']}", {"name": "second"}, headers={"If-Match": '"1"'})
        assert answer.status == 412
        assert answer.error_code == "precondition_failed"
        assert operator.get(f"/accounts/{account['id']}").json["name"] == "first"

    def test_standard_converts_to_reseller_and_back(self, operator):
        account = operator.post("/accounts", factories.standard_account()).json
        path = f"/accounts/{account['id']}"
        converted = operator.patch(path, {"type": "RESELLER", "reseller_profile": factories.reseller_profile()})
        assert converted.status == 200
        assert converted.json["reseller_profile"]["billing_cycle_day"] == 5
        back = operator.patch(path, {"type": "STANDARD"})
        assert back.status == 200
        assert back.json["type"] == "STANDARD"
        assert back.json["reseller_profile"] is None

    def test_conversion_to_reseller_needs_a_profile(self, operator):
        account = operator.post("/accounts", factories.standard_account()).json
        answer = operator.patch(f"/accounts/{account['id']}", {"type": "RESELLER"})
        assert answer.status == 422
        assert operator.get(f"/accounts/{account['id']}").json["type"] == "STANDARD"

    @pytest.mark.parametrize(
        "body",
        [{}, {"currency": "USD"}, {"bill_cycle_day": 0}, {"name": None}, {"type": "STANDARD", "reseller_profile": {}}],
    )
    def test_invalid_patches_are_422(self, operator, body):
        account = operator.post("/accounts", factories.reseller_account()).json
        answer = operator.patch(f"/accounts/{account['id']}", body)
        assert answer.status == 422
        assert operator.get(f"/accounts/{account['id']}").json == account


class TestResellerProfile:
    def test_get_and_put_with_etags(self, operator):
        account = operator.post("/accounts", factories.reseller_account()).json
        path = f"/accounts/{account['id']}/reseller-profile"
        read = operator.get(path)
        assert read.status == 200
        assert read.json["billing_cycle_day"] == 5
        etag = read.header("ETag")
        new_profile = factories.reseller_profile(billing_cycle_day=12, customer_invoice_type="PDF")
        written = operator.put(path, new_profile, headers={"If-Match": etag})
        assert written.status == 200
        assert written.json["billing_cycle_day"] == 12
        assert written.header("ETag") != etag
        stale = operator.put(path, factories.reseller_profile(billing_cycle_day=20), headers={"If-Match": etag})
        assert stale.status == 412
        assert operator.get(path).json["billing_cycle_day"] == 12

    def test_put_validates_like_create(self, operator):
        account = operator.post("/accounts", factories.reseller_account()).json
        answer = operator.put(
            f"/accounts/{account['id']}/reseller-profile", factories.reseller_profile(billing_cycle_day=29)
        )
        assert answer.status == 422
        assert operator.get(f"/accounts/{account['id']}/reseller-profile").json["billing_cycle_day"] == 5


class TestListing:
    def test_cursor_pagination_and_type_filter(self, operator):
        made = {operator.post("/accounts", factories.standard_account(name=f"S{i}")).json["id"] for i in range(3)}
        made |= {operator.post("/accounts", factories.reseller_account(name=f"R{i}")).json["id"] for i in range(2)}
        seen: list[str] = []
        cursor = None
        while True:
            page = operator.get("/accounts?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
            assert len(page["items"]) <= 2
            seen += [a["id"] for a in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(made)
        resellers = operator.get("/accounts?type=RESELLER").json["items"]
        assert {a["type"] for a in resellers} == {"RESELLER"}
        assert len(resellers) == 2

    @pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=abc", "type=GOLD"])
    def test_bad_list_parameters_are_422(self, operator, query):
        assert operator.get(f"/accounts?{query}").status == 422

    @pytest.mark.parametrize("cursor", ["garbage!", "eyJQSyI6IngifQ", "e30"])
    def test_bad_cursor_is_400(self, operator, cursor):
        answer = operator.get(f"/accounts?cursor={cursor}")
        assert answer.status == 400
        assert answer.error_code == "invalid_cursor"


class TestTenantIsolation:
    def test_reseller_user_sees_only_its_own_account(self, api, operator):
        mine = operator.post("/accounts", factories.reseller_account(name="Mine")).json
        other = operator.post("/accounts", factories.reseller_account(name="Other")).json
        me = api.as_reseller(mine["id"])
        assert me.get(f"/accounts/{mine['id']}").status == 200
        assert me.get(f"/accounts/{mine['id']}/reseller-profile").status == 200
        assert [a["id"] for a in me.get("/accounts").json["items"]] == [mine["id"]]
        assert me.get(f"/accounts/{other['id']}").status == 404
        assert me.get(f"/accounts/{other['id']}/reseller-profile").status == 404

    def test_reseller_user_cannot_write_accounts(self, api, operator):
        mine = operator.post("/accounts", factories.reseller_account()).json
        me = api.as_reseller(mine["id"])
        assert me.post("/accounts", factories.standard_account()).status == 403
        assert me.patch(f"/accounts/{mine['id']}", {"name": "x"}).status == 403
        answer = me.put(f"/accounts/{mine['id']}/reseller-profile", factories.reseller_profile())
        assert answer.status == 403
        assert answer.error_code == "forbidden"
        assert operator.get(f"/accounts/{mine['id']}").json == mine


class TestIdempotency:
    def test_same_key_same_body_replays_the_first_answer(self, operator):
        headers = {"Idempotency-Key": "create-1"}
        first = operator.post("/accounts", factories.standard_account(), headers=headers)
        second = operator.post("/accounts", factories.standard_account(), headers=headers)
        assert first.status == second.status == 201
        assert first.json == second.json
        assert second.header("ETag") == first.header("ETag")
        assert len(operator.get("/accounts").json["items"]) == 1

    def test_same_key_other_body_is_422(self, operator):
        headers = {"Idempotency-Key": "create-2"}
        operator.post("/accounts", factories.standard_account(), headers=headers)
        answer = operator.post("/accounts", factories.standard_account(name="Other"), headers=headers)
        assert answer.status == 422
        assert answer.error_code == "idempotency_key_reused"
        assert len(operator.get("/accounts").json["items"]) == 1

    def test_without_a_key_each_post_creates(self, operator):
        operator.post("/accounts", factories.standard_account())
        operator.post("/accounts", factories.standard_account())
        assert len(operator.get("/accounts").json["items"]) == 2

    def test_a_refused_request_does_not_burn_the_key(self, operator, monkeypatch):
        headers = {"Idempotency-Key": "create-3"}
        monkeypatch.setenv("LICENSED_FEATURES", "")
        from reseller_billing.settings import get_settings

        get_settings.cache_clear()
        assert operator.post("/accounts", factories.reseller_account(), headers=headers).status == 403
        monkeypatch.setenv("LICENSED_FEATURES", "FT-3001.007")
        get_settings.cache_clear()
        assert operator.post("/accounts", factories.reseller_account(), headers=headers).status == 201
