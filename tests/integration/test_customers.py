"""A reseller's customers through the real handlers on moto: create, list, read, update, suspend, close."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_billing.dal.items import AccountItem
from tests.support import factories
from tests.support.catalog import build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import item_count


@pytest.fixture
def reseller(operator):
    return created(operator.post("/accounts", factories.reseller_account()))


def _customers(reseller):
    return f"/accounts/{reseller['id']}/customers"


def test_create_and_read_back(operator, reseller):
    answer = operator.post(_customers(reseller), factories.customer())
    assert answer.status == 201, answer.json
    customer = answer.json
    assert customer["id"].startswith("cus_")
    assert customer["account_id"] == reseller["id"]
    assert customer["customer_number"] == "C-1001"
    assert customer["name"] == "Łódź Żółć Ñandú Ωmega Sp. z o.o."
    assert customer["address"] == {
        "line1": "ul. Piotrkowska 104",
        "line2": None,
        "postal_code": "90-926",
        "city": "Łódź",
        "country": "PL",
    }
    assert customer["vat_rate"] == "23"
    assert customer["status"] == "ACTIVE"
    assert customer["created_at"] == customer["updated_at"]
    assert customer["created_at"].endswith("Z")
    assert answer.header("ETag") == '"1"'
    assert answer.header("Location") == f"{_customers(reseller)}/{customer['id']}"

    read = operator.get(f"{_customers(reseller)}/{customer['id']}")
    assert read.status == 200
    assert read.json == customer
    assert read.header("ETag") == '"1"'


def test_vat_rate_defaults_to_zero(operator, reseller):
    body = factories.customer()
    del body["vat_rate"]
    assert created(operator.post(_customers(reseller), body))["vat_rate"] == "0"


def test_vat_rate_bounds_are_accepted(operator, reseller):
    rates = ["0", "100", "7.5", "19.000001"]
    stored = [
        created(operator.post(_customers(reseller), factories.customer(f"V-{n}", vat_rate=rate)))["vat_rate"]
        for n, rate in enumerate(rates)
    ]
    assert stored == rates


def test_customer_number_is_unique_within_the_reseller(operator, reseller):
    created(operator.post(_customers(reseller), factories.customer("C-7")))
    before = item_count()
    duplicate = operator.post(_customers(reseller), factories.customer("C-7", name="Someone else"))
    assert duplicate.status == 409
    assert duplicate.error_code == "customer_number_taken"
    assert item_count() == before
    assert len(operator.get(_customers(reseller)).json["items"]) == 1


def test_another_reseller_may_use_the_same_customer_number(operator, reseller):
    other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
    first = created(operator.post(_customers(reseller), factories.customer("C-7")))
    second = created(operator.post(_customers(other), factories.customer("C-7")))
    assert first["id"] != second["id"]
    assert second["account_id"] == other["id"]


def test_an_unknown_customer_is_404(operator, reseller):
    answer = operator.get(f"{_customers(reseller)}/cus_nope")
    assert answer.status == 404
    assert answer.error_code == "not_found"
    assert operator.patch(f"{_customers(reseller)}/cus_nope", {"name": "x"}).status == 404


def test_an_unknown_account_is_404(operator):
    assert operator.post("/accounts/acc_nope/customers", factories.customer()).status == 404
    assert operator.get("/accounts/acc_nope/customers").status == 404


_ADDRESS = factories.customer()["address"]


INVALID_CUSTOMERS: dict[str, tuple[dict[str, Any], str]] = {
    "vat over 100": (factories.customer(vat_rate="100.01"), "vat_rate"),
    "negative vat": (factories.customer(vat_rate="-1"), "vat_rate"),
    "vat as a JSON integer": (factories.customer(vat_rate=19), "vat_rate"),
    "vat as a JSON float": (factories.customer(vat_rate=19.5), "vat_rate"),
    "vat with 7 decimals": (factories.customer(vat_rate="1.1234567"), "vat_rate"),
    "vat not a number": (factories.customer(vat_rate="abc"), "vat_rate"),
    "e-mail without @": (factories.customer(email="not-an-email"), "email"),
    "e-mail with a space": (factories.customer(email="a b@example.com"), "email"),
    "unknown country": (factories.customer(address={**_ADDRESS, "country": "XX"}), "address.country"),
    "lower-case country": (factories.customer(address={**_ADDRESS, "country": "pl"}), "address.country"),
    "alpha-3 country": (factories.customer(address={**_ADDRESS, "country": "POL"}), "address.country"),
    "no city": (
        factories.customer(address={k: v for k, v in _ADDRESS.items() if k != "city"}),
        "address.city",
    ),
    "blank line1": (factories.customer(address={**_ADDRESS, "line1": "  "}), "address.line1"),
    "unknown address field": (factories.customer(address={**_ADDRESS, "planet": "Earth"}), "address.planet"),
    "empty number": (factories.customer(customer_number=""), "customer_number"),
    "number with a space": (factories.customer(customer_number="C 1"), "customer_number"),
    "number as a JSON integer": (factories.customer(customer_number=1001), "customer_number"),
    "empty name": (factories.customer(name=""), "name"),
    "status on create": (factories.customer(status="CLOSED"), "status"),
    "no e-mail": ({k: v for k, v in factories.customer().items() if k != "email"}, "email"),
}


def test_invalid_customers_are_422_naming_the_field_and_nothing_written(operator, reseller):
    before = item_count()
    outcomes = {}
    for label, (body, field) in INVALID_CUSTOMERS.items():
        answer = operator.post(_customers(reseller), body)
        error = answer.json["error"] if answer.error_code else {}
        named = field in [d["field"] for d in error.get("details", [])]
        outcomes[label] = (answer.status, answer.error_code, set(error) == {"code", "message", "details"}, named)
    assert outcomes == dict.fromkeys(INVALID_CUSTOMERS, (422, "validation_error", True, True))
    assert item_count() == before


def test_malformed_bodies_are_clear_4xx_and_nothing_written(operator, reseller):
    before = item_count()
    cases = [
        (b'{"customer_number": ', "application/json", 400, "malformed_json"),
        (b"customer_number=1", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"[]", "application/json", 422, "validation_error"),
        (b"", "application/json", 422, "validation_error"),
    ]
    outcomes = []
    for raw, content_type, _, _ in cases:
        answer = operator.post(_customers(reseller), raw=raw, headers={"Content-Type": content_type})
        outcomes.append((answer.status, answer.error_code))
    assert outcomes == [(status, code) for _, _, status, code in cases]
    assert item_count() == before


class TestListing:
    def test_cursor_pagination_visits_every_customer_once(self, operator, reseller):
        made = {created(operator.post(_customers(reseller), factories.customer(f"C-{i}")))["id"] for i in range(5)}
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            answer = operator.get(f"{_customers(reseller)}?limit=2" + (f"&cursor={cursor}" if cursor else ""))
            assert answer.status == 200
            page = answer.json
            assert len(page["items"]) <= 2
            seen += [c["id"] for c in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert pages == 3
        assert sorted(seen) == sorted(made)

    def test_lists_only_this_resellers_customers(self, operator, reseller):
        other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
        created(operator.post(_customers(other), factories.customer("X-1")))
        mine = created(operator.post(_customers(reseller), factories.customer("C-1")))
        page = operator.get(_customers(reseller)).json
        assert [c["id"] for c in page["items"]] == [mine["id"]]
        assert page["next_cursor"] is None

    def test_bad_limits_are_422(self, operator, reseller):
        queries = ["limit=0", "limit=101", "limit=x", "limit=-1"]
        assert [operator.get(f"{_customers(reseller)}?{q}").status for q in queries] == [422] * len(queries)

    def test_a_cursor_of_another_resellers_list_is_400(self, operator, reseller):
        other = created(operator.post("/accounts", factories.reseller_account(name="Other")))
        for i in range(3):
            created(operator.post(_customers(other), factories.customer(f"X-{i}")))
        cursor = operator.get(f"{_customers(other)}?limit=1").json["next_cursor"]
        assert cursor
        answer = operator.get(f"{_customers(reseller)}?cursor={cursor}")
        assert answer.status == 400
        assert answer.error_code == "invalid_cursor"


class TestUpdate:
    def test_patch_with_if_match_changes_fields_and_bumps_the_etag(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        path = f"{_customers(reseller)}/{customer['id']}"
        new_address = {**_ADDRESS, "line2": "Lokal 3", "country": "DE", "city": "Berlin"}
        answer = operator.patch(
            path,
            {"name": "Omega GmbH", "email": "ap@omega.example", "address": new_address, "vat_rate": "19"},
            headers={"If-Match": '"1"'},
        )
        assert answer.status == 200, answer.json
        assert answer.header("ETag") == '"2"'
        updated = answer.json
        assert updated["name"] == "Omega GmbH"
        assert updated["email"] == "ap@omega.example"
        assert updated["address"]["line2"] == "Lokal 3"
        assert updated["address"]["country"] == "DE"
        assert updated["vat_rate"] == "19"
        assert updated["customer_number"] == customer["customer_number"]
        assert updated["created_at"] == customer["created_at"]
        assert updated["updated_at"] >= customer["updated_at"]
        assert operator.get(path).json == updated

    def test_stale_if_match_is_412_and_changes_nothing(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        path = f"{_customers(reseller)}/{customer['id']}"
        assert operator.patch(path, {"name": "First"}).status == 200
        stale = operator.patch(path, {"name": "Second"}, headers={"If-Match": '"1"'})
        assert stale.status == 412
        assert stale.error_code == "precondition_failed"
        assert operator.get(path).json["name"] == "First"

    def test_invalid_patches_are_422_and_change_nothing(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        path = f"{_customers(reseller)}/{customer['id']}"
        bodies = [
            {},
            {"name": None},
            {"vat_rate": "101"},
            {"vat_rate": 5},
            {"customer_number": "C-2"},
            {"status": "DELETED"},
            {"address": {**_ADDRESS, "country": "ZZ"}},
        ]
        outcomes = [(operator.patch(path, body).error_code, body) for body in bodies]
        assert outcomes == [("validation_error", body) for body in bodies]
        assert operator.get(path).json == customer

    def test_suspend_and_resume(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        path = f"{_customers(reseller)}/{customer['id']}"
        suspended = operator.patch(path, {"status": "SUSPENDED"})
        assert suspended.status == 200
        assert suspended.json["status"] == "SUSPENDED"
        resumed = operator.patch(path, {"status": "ACTIVE"})
        assert resumed.status == 200
        assert resumed.json["status"] == "ACTIVE"
        assert resumed.header("ETag") == '"3"'


class TestClosing:
    def test_a_customer_without_sims_closes_and_then_cannot_change(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        path = f"{_customers(reseller)}/{customer['id']}"
        closed = operator.patch(path, {"status": "CLOSED"})
        assert closed.status == 200, closed.json
        assert closed.json["status"] == "CLOSED"
        for body in ({"name": "Reopened"}, {"status": "ACTIVE"}, {"status": "CLOSED"}):
            answer = operator.patch(path, body)
            assert answer.status == 409
            assert answer.error_code == "customer_closed"
        assert operator.get(path).json == closed.json

    def test_closing_needs_every_sim_retired(self, operator):
        catalog = build_catalog(operator)
        path = catalog.customer_path
        active, suspended = iccid(1), iccid(2)
        created(catalog.assign(operator, active))
        created(catalog.assign(operator, suspended))
        status = {"status": "SUSPENDED", "effective_date": "2025-02-01"}
        assert operator.post(f"{catalog.sim_path(suspended)}/status", status).status == 200

        refused = operator.patch(path, {"status": "CLOSED"})
        assert refused.status == 409
        assert refused.error_code == "customer_has_active_sims"
        assert operator.get(path).json["status"] == "ACTIVE"

        retire = {"status": "RETIRED", "effective_date": "2025-03-01"}
        assert operator.post(f"{catalog.sim_path(active)}/status", retire).status == 200
        refused = operator.patch(path, {"status": "CLOSED"})
        assert refused.status == 409, "a SUSPENDED SIM is not retired"
        assert refused.error_code == "customer_has_active_sims"

        assert operator.post(f"{catalog.sim_path(suspended)}/status", retire).status == 200
        closed = operator.patch(path, {"status": "CLOSED"})
        assert closed.status == 200, closed.json
        assert closed.json["status"] == "CLOSED"

    def test_a_closed_customer_takes_no_sims(self, operator):
        catalog = build_catalog(operator)
        assert operator.patch(catalog.customer_path, {"status": "CLOSED"}).status == 200
        answer = catalog.assign(operator, iccid(3))
        assert answer.status == 409
        assert answer.error_code == "customer_not_active"

    def test_a_suspended_customer_takes_no_sims_until_resumed(self, operator):
        catalog = build_catalog(operator)
        assert operator.patch(catalog.customer_path, {"status": "SUSPENDED"}).status == 200
        catalog.stock(iccid(4))
        before = item_count()
        answer = catalog.assign(operator, iccid(4))
        assert answer.status == 409
        assert answer.error_code == "customer_not_active"
        assert item_count() == before
        assert operator.patch(catalog.customer_path, {"status": "ACTIVE"}).status == 200
        assert catalog.assign(operator, iccid(4)).status == 201


class TestIdempotency:
    def test_same_key_and_body_replays_and_creates_one(self, operator, reseller):
        headers = {"Idempotency-Key": "cust-1"}
        first = operator.post(_customers(reseller), factories.customer(), headers=headers)
        again = operator.post(_customers(reseller), factories.customer(), headers=headers)
        assert first.status == again.status == 201
        assert again.json == first.json
        assert len(operator.get(_customers(reseller)).json["items"]) == 1

    def test_same_key_other_body_is_422(self, operator, reseller):
        headers = {"Idempotency-Key": "cust-2"}
        created(operator.post(_customers(reseller), factories.customer(), headers=headers))
        answer = operator.post(_customers(reseller), factories.customer("C-2"), headers=headers)
        assert answer.status == 422
        assert answer.error_code == "idempotency_key_reused"
        assert len(operator.get(_customers(reseller)).json["items"]) == 1


class TestAccountConversion:
    def test_a_reseller_with_customers_stays_a_reseller(self, operator, reseller):
        created(operator.post(_customers(reseller), factories.customer()))
        answer = operator.patch(f"/accounts/{reseller['id']}", {"type": "STANDARD"})
        assert answer.status == 409
        assert answer.error_code == "account_has_customers"
        account = operator.get(f"/accounts/{reseller['id']}").json
        assert account["type"] == "RESELLER"
        assert account["reseller_profile"] == reseller["reseller_profile"]

    def test_a_closed_customer_still_counts(self, operator, reseller):
        customer = created(operator.post(_customers(reseller), factories.customer()))
        assert operator.patch(f"{_customers(reseller)}/{customer['id']}", {"status": "CLOSED"}).status == 200
        answer = operator.patch(f"/accounts/{reseller['id']}", {"type": "STANDARD"})
        assert answer.status == 409
        assert answer.error_code == "account_has_customers"

    def test_a_reseller_without_customers_converts_and_its_catalog_routes_then_answer_409(self, operator, reseller):
        assert operator.patch(f"/accounts/{reseller['id']}", {"type": "STANDARD"}).status == 200
        answer = operator.post(_customers(reseller), factories.customer())
        assert answer.status == 409
        assert answer.error_code == "account_not_reseller"

    def test_the_customer_counter_is_stored_on_the_account(self, operator, reseller):
        for i in range(3):
            created(operator.post(_customers(reseller), factories.customer(f"C-{i}")))
        operator.post(_customers(reseller), factories.customer("C-0"))  # a refused duplicate is not counted
        assert AccountItem.get(*AccountItem.key(reseller["id"])).customer_count == 3


class TestCountersSurviveConcurrentEdits:
    """A SIM assignment or retirement counts on the customer without changing its version (its ETag): an
    edit of the customer that read the count before must not write the old count back, nor answer 412,
    since the version the caller saw did not move."""

    @staticmethod
    def _meanwhile(monkeypatch, action):
        from reseller_billing.dal import customers as customers_table

        real_save = customers_table.save_customer
        saves: list[int] = []

        def save_after_a_concurrent_change(customer, expected_version, *, closing_on):
            saves.append(expected_version)
            if len(saves) == 1:
                action()  # between the first read and its save, once
            return real_save(customer, expected_version, closing_on=closing_on)

        monkeypatch.setattr(customers_table, "save_customer", save_after_a_concurrent_change)

    def test_a_sim_assigned_during_a_rename_still_blocks_closing(self, operator, monkeypatch):
        catalog = build_catalog(operator)
        self._meanwhile(monkeypatch, lambda: created(catalog.assign(operator, iccid(1))))
        version = operator.get(catalog.customer_path).header("ETag")
        rename = operator.patch(catalog.customer_path, {"name": "Renamed"}, headers={"If-Match": version})
        assert rename.status == 200, rename.json
        monkeypatch.undo()
        assert operator.get(catalog.customer_path).json["name"] == "Renamed"
        closing = operator.patch(catalog.customer_path, {"status": "CLOSED"})
        assert closing.status == 409
        assert closing.error_code == "customer_has_active_sims"

    def test_a_sim_retired_during_a_rename_does_not_block_closing_forever(self, operator, monkeypatch):
        catalog = build_catalog(operator)
        created(catalog.assign(operator, iccid(1)))
        retire = {"status": "RETIRED", "effective_date": "2025-03-01"}
        self._meanwhile(
            monkeypatch, lambda: operator.post(f"{catalog.sim_path(iccid(1))}/status", retire).json["status"]
        )
        assert operator.patch(catalog.customer_path, {"name": "Renamed"}).status == 200
        monkeypatch.undo()
        assert operator.get(catalog.sim_path(iccid(1))).json["status"] == "RETIRED"
        assert operator.patch(catalog.customer_path, {"status": "CLOSED"}).status == 200

    def test_an_edit_racing_another_edit_is_412_with_if_match_and_applied_again_without(self, operator, monkeypatch):
        from reseller_billing.logic.customers import update_customer
        from reseller_billing.models.customers import CustomerUpdate

        catalog = build_catalog(operator)
        version = operator.get(catalog.customer_path).header("ETag")

        def another_edit(email: str) -> None:  # in this process: the customers function is busy with ours
            update_customer(catalog.account_id, catalog.customer["id"], CustomerUpdate(email=email), None)

        self._meanwhile(monkeypatch, lambda: another_edit("new@example.com"))
        stale = operator.patch(catalog.customer_path, {"name": "Renamed"}, headers={"If-Match": version})
        assert (stale.status, stale.error_code) == (412, "precondition_failed")
        assert operator.get(catalog.customer_path).json["name"] != "Renamed"
        monkeypatch.undo()

        self._meanwhile(monkeypatch, lambda: another_edit("other@example.com"))
        unconditional = operator.patch(catalog.customer_path, {"name": "Renamed"})
        assert unconditional.status == 200
        monkeypatch.undo()
        stored = operator.get(catalog.customer_path).json
        assert (stored["name"], stored["email"]) == ("Renamed", "other@example.com")
