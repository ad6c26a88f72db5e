"""SIMs: assignment (ICCIDs with a Luhn check digit, AVAILABLE in the account's SIM stock, so each is
assigned once on the platform), listing, and status changes with a history that only grows."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from reseller_billing.dal.items import CustomerItem, IccidRegistration, SimItem
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import close_cycle, item_count, stored_items


@pytest.fixture
def catalog(operator) -> Catalog:
    return build_catalog(operator)  # billing cycle day 5


def _status(operator, catalog: Catalog, sim: str, status: str, effective_date: str):
    return operator.post(f"{catalog.sim_path(sim)}/status", {"status": status, "effective_date": effective_date})


def test_assign_and_read_back(operator, catalog):
    sim_iccid = iccid(1)
    answer = catalog.assign(operator, sim_iccid, "2025-01-10")
    assert answer.status == 201, answer.json
    sim = answer.json
    assert sim["iccid"] == sim_iccid
    assert sim["account_id"] == catalog.account_id
    assert sim["customer_id"] == catalog.customer["id"]
    assert sim["product_id"] == catalog.product["id"]
    assert sim["activation_date"] == "2025-01-10"
    assert sim["status"] == "ACTIVE"
    assert sim["history"] == [{"status": "ACTIVE", "effective_date": "2025-01-10", "scheduled": False}]
    assert answer.header("ETag") == '"1"'
    assert answer.header("Location") == catalog.sim_path(sim_iccid)
    read = operator.get(catalog.sim_path(sim_iccid))
    assert read.status == 200
    assert read.json == sim
    registration = IccidRegistration.get(*IccidRegistration.key(sim_iccid))
    assert (registration.account_id, registration.customer_id) == (catalog.account_id, catalog.customer["id"])
    assert registration.activation_date == date(2025, 1, 10)
    assert registration.retired_on is None


def test_a_20_digit_iccid_is_accepted(operator, catalog):
    assert catalog.assign(operator, "89014103211118510720").status == 201


def test_listing_a_customers_sims_pages_and_is_per_customer(operator, catalog):
    other = created(operator.post(f"{catalog.base}/customers", factories.customer("C-2")))
    mine = {iccid(n) for n in range(1, 4)}
    for sim in mine:
        created(catalog.assign(operator, sim))
    created(catalog.assign(operator, iccid(9), customer_id=other["id"]))
    sims = f"{catalog.customer_path}/sims"
    first = operator.get(f"{sims}?limit=2").json
    assert len(first["items"]) == 2
    second = operator.get(f"{sims}?limit=2&cursor={first['next_cursor']}").json
    assert second["next_cursor"] is None
    assert {s["iccid"] for s in first["items"] + second["items"]} == mine
    assert all(s["history"] for s in first["items"])
    assert operator.get(f"{catalog.base}/customers/cus_nope/sims").status == 404


_GOOD = iccid(1)
INVALID_ASSIGNMENTS: dict[str, tuple[dict[str, Any], str]] = {
    "wrong check digit": ({"iccid": _GOOD[:-1] + str((int(_GOOD[-1]) + 1) % 10)}, "iccid"),
    "18 digits": ({"iccid": _GOOD[:-1]}, "iccid"),
    "21 digits": ({"iccid": _GOOD + "00"}, "iccid"),
    "a letter": ({"iccid": _GOOD[:5] + "A" + _GOOD[6:]}, "iccid"),
    "a JSON number": ({"iccid": int(_GOOD)}, "iccid"),
    "empty": ({"iccid": ""}, "iccid"),
    "no such day": ({"activation_date": "2025-02-30"}, "activation_date"),
    "unpadded date": ({"activation_date": "2025-1-5"}, "activation_date"),
    "a timestamp": ({"activation_date": "2025-01-05T00:00:00Z"}, "activation_date"),
    "a number as date": ({"activation_date": 20250105}, "activation_date"),
    "year 1": ({"activation_date": "0001-01-01"}, "activation_date"),
    "year 9999": ({"activation_date": "9999-12-31"}, "activation_date"),
    "null date": ({"activation_date": None}, "activation_date"),
    "null product": ({"product_id": None}, "product_id"),
    "unknown field": ({"status": "ACTIVE"}, "status"),
}


def test_invalid_assignments_are_422_naming_the_field_and_write_nothing(operator, catalog):
    before = item_count()
    outcomes = {}
    for label, (overrides, field) in INVALID_ASSIGNMENTS.items():
        body = {**factories.sim(_GOOD, catalog.product["id"]), **overrides}
        answer = operator.post(f"{catalog.customer_path}/sims", body)
        fields = [d["field"] for d in answer.json["error"]["details"]] if answer.error_code else []
        outcomes[label] = (answer.status, answer.error_code, field in fields)
    assert outcomes == dict.fromkeys(INVALID_ASSIGNMENTS, (422, "validation_error", True))
    assert item_count() == before


class TestAnIccidIsAssignedOnceOnThePlatform:
    """Once assigned, an ICCID is no longer AVAILABLE in any stock: 422 `iccid_not_in_stock` everywhere."""

    def test_again_for_the_same_customer(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        before = item_count()
        answer = catalog.assign(operator, iccid(1))
        assert (answer.status, answer.error_code) == (422, "iccid_not_in_stock")
        assert item_count() == before

    def test_for_another_customer_of_the_same_reseller(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        other = created(operator.post(f"{catalog.base}/customers", factories.customer("C-2")))
        answer = catalog.assign(operator, iccid(1), customer_id=other["id"])
        assert (answer.status, answer.error_code) == (422, "iccid_not_in_stock")
        assert operator.get(f"{catalog.base}/customers/{other['id']}/sims").json["items"] == []

    def test_under_another_reseller(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        other = build_catalog(operator, name="Other")
        before = item_count()
        answer = other.assign(operator, iccid(1))
        assert (answer.status, answer.error_code) == (422, "iccid_not_in_stock")
        assert item_count() == before
        assert IccidRegistration.get(*IccidRegistration.key(iccid(1))).account_id == catalog.account_id

    def test_a_retired_iccid_is_not_reusable(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        assert _status(operator, catalog, iccid(1), "RETIRED", "2025-02-01").status == 200
        answer = build_catalog(operator, name="Other").assign(operator, iccid(1))
        assert (answer.status, answer.error_code) == (422, "iccid_not_in_stock")

    def test_a_registration_without_a_stock_entry_still_guards_the_iccid(self, operator, catalog):
        """An ICCID registered before SIM stock existed: stock may hold it, the registration still refuses."""
        IccidRegistration(
            *IccidRegistration.key(iccid(1)),
            iccid=iccid(1),
            account_id="acc_earlier",
            customer_id="cus_earlier",
            activation_date=date(2024, 1, 1),
        ).save()
        before = item_count()
        answer = catalog.assign(operator, iccid(1))
        assert (answer.status, answer.error_code) == (409, "iccid_exists")
        assert item_count() == before + 1  # the stock entry the helper added, still AVAILABLE
        listed = operator.get(f"{catalog.base}/sim-stock").json["items"]
        assert listed == [{"iccid": iccid(1), "status": "AVAILABLE", "customer_id": None}]


def test_an_unknown_customer_is_404_and_assigns_nothing(operator, catalog):
    before = item_count()
    answer = operator.post(f"{catalog.base}/customers/cus_nope/sims", factories.sim(iccid(1), catalog.product["id"]))
    assert answer.status == 404
    assert answer.error_code == "not_found"
    assert item_count() == before


@pytest.mark.parametrize("whose", ["unknown", "another reseller's"])
def test_a_product_not_of_this_reseller_is_422_product_not_found(operator, catalog, whose):
    product_id = "prod_nope" if whose == "unknown" else build_catalog(operator, name="Other").product["id"]
    before = item_count()
    answer = operator.post(f"{catalog.customer_path}/sims", factories.sim(iccid(1), product_id))
    assert answer.status == 422
    assert answer.error_code == "product_not_found"
    assert answer.json["error"]["details"][0]["field"] == "product_id"
    assert item_count() == before
    assert catalog.assign(operator, iccid(1)).status == 201, "the ICCID stays free"


class TestStatusChanges:
    def test_suspend_resume_retire_keeps_the_full_history(self, operator, catalog):
        sim = iccid(1)
        created(catalog.assign(operator, sim, "2025-01-10"))
        suspended = _status(operator, catalog, sim, "SUSPENDED", "2025-02-01")
        assert suspended.status == 200, suspended.json
        assert suspended.json["status"] == "SUSPENDED"
        assert suspended.header("ETag") == '"2"'
        assert _status(operator, catalog, sim, "ACTIVE", "2025-02-01").status == 200, "same day as before is fine"
        retired = _status(operator, catalog, sim, "RETIRED", "2025-03-15")
        assert retired.status == 200
        expected = [
            {"status": "ACTIVE", "effective_date": "2025-01-10", "scheduled": False},
            {"status": "SUSPENDED", "effective_date": "2025-02-01", "scheduled": False},
            {"status": "ACTIVE", "effective_date": "2025-02-01", "scheduled": False},
            {"status": "RETIRED", "effective_date": "2025-03-15", "scheduled": False},
        ]
        assert retired.json["history"] == expected
        assert retired.json["status"] == "RETIRED"
        assert retired.header("ETag") == '"4"'
        assert operator.get(catalog.sim_path(sim)).json == retired.json
        assert IccidRegistration.get(*IccidRegistration.key(sim)).retired_on == date(2025, 3, 15)

    def test_a_suspended_sim_can_retire_directly(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        assert _status(operator, catalog, iccid(1), "SUSPENDED", "2025-02-01").status == 200
        assert _status(operator, catalog, iccid(1), "RETIRED", "2025-02-10").json["status"] == "RETIRED"

    def test_retired_is_final(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        retired = _status(operator, catalog, iccid(1), "RETIRED", "2025-02-01").json
        for status in ("ACTIVE", "SUSPENDED", "RETIRED"):
            answer = _status(operator, catalog, iccid(1), status, "2025-04-01")
            assert (answer.status, answer.error_code) == (409, "sim_retired"), status
        assert operator.get(catalog.sim_path(iccid(1))).json == retired

    def test_same_status_again_is_409(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        answer = _status(operator, catalog, iccid(1), "ACTIVE", "2025-02-01")
        assert answer.status == 409
        assert answer.error_code == "status_unchanged"
        assert _status(operator, catalog, iccid(1), "SUSPENDED", "2025-02-01").status == 200
        again = _status(operator, catalog, iccid(1), "SUSPENDED", "2025-02-02")
        assert again.status == 409
        assert again.error_code == "status_unchanged"
        assert len(operator.get(catalog.sim_path(iccid(1))).json["history"]) == 2

    @pytest.mark.parametrize("effective_date", ["2025-01-31", "2024-12-31"])
    def test_a_date_before_the_previous_change_is_422(self, operator, catalog, effective_date):
        created(catalog.assign(operator, iccid(1), "2025-01-10"))
        assert _status(operator, catalog, iccid(1), "SUSPENDED", "2025-02-01").status == 200
        answer = _status(operator, catalog, iccid(1), "ACTIVE", effective_date)
        assert answer.status == 422
        assert answer.error_code == "invalid_effective_date"
        assert answer.json["error"]["details"][0]["field"] == "effective_date"
        sim = operator.get(catalog.sim_path(iccid(1))).json
        assert sim["status"] == "SUSPENDED"
        assert len(sim["history"]) == 2

    def test_a_date_before_activation_is_422(self, operator, catalog):
        created(catalog.assign(operator, iccid(1), "2025-01-10"))
        answer = _status(operator, catalog, iccid(1), "SUSPENDED", "2025-01-09")
        assert answer.status == 422
        assert answer.error_code == "invalid_effective_date"

    def test_invalid_bodies_are_422_and_change_nothing(self, operator, catalog):
        sim = created(catalog.assign(operator, iccid(1)))
        bodies = [
            {"status": "LOST", "effective_date": "2025-02-01"},
            {"status": "suspended", "effective_date": "2025-02-01"},
            {"status": "SUSPENDED"},
            {"status": "SUSPENDED", "effective_date": "01.02.2025"},
            {"status": "SUSPENDED", "effective_date": None},
            {"status": "SUSPENDED", "effective_date": "9999-12-31"},
            {"effective_date": "2025-02-01"},
            {"status": "SUSPENDED", "effective_date": "2025-02-01", "reason": "x"},
        ]
        outcomes = [operator.post(f"{catalog.sim_path(iccid(1))}/status", body) for body in bodies]
        assert [(a.status, a.error_code) for a in outcomes] == [(422, "validation_error")] * len(bodies)
        assert operator.get(catalog.sim_path(iccid(1))).json == sim

    def test_an_unknown_sim_or_one_under_another_customer_is_404(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        other = created(operator.post(f"{catalog.base}/customers", factories.customer("C-2")))
        body = {"status": "SUSPENDED", "effective_date": "2025-02-01"}
        assert operator.post(f"{catalog.sim_path(iccid(2))}/status", body).status == 404
        assert operator.post(f"{catalog.sim_path(iccid(1), other['id'])}/status", body).status == 404
        assert operator.get(catalog.sim_path(iccid(1), other["id"])).status == 404
        assert operator.get(catalog.sim_path(iccid(1))).json["status"] == "ACTIVE"

    def test_retiring_releases_the_sim_from_its_customers_open_count(self, operator, catalog):
        created(catalog.assign(operator, iccid(1)))
        created(catalog.assign(operator, iccid(2)))
        key = CustomerItem.key(catalog.account_id, catalog.customer["id"])
        assert CustomerItem.get(*key).open_sim_count == 2
        assert _status(operator, catalog, iccid(1), "SUSPENDED", "2025-02-01").status == 200
        assert CustomerItem.get(*key).open_sim_count == 2
        assert _status(operator, catalog, iccid(1), "RETIRED", "2025-02-02").status == 200
        assert CustomerItem.get(*key).open_sim_count == 1


class TestClosedCycles:
    """Billing cycle day 5: closing the cycle starting 2025-02-05 freezes 2025-02-05 .. 2025-03-04."""

    def test_an_activation_date_in_a_closed_cycle_is_409(self, operator, catalog):
        close_cycle(catalog.account_id, date(2025, 2, 5))
        catalog.stock(iccid(1))
        before = item_count()
        for day in ("2025-02-05", "2025-03-04"):
            answer = catalog.assign(operator, iccid(1), day)
            assert answer.status == 409, day
            assert answer.error_code == "cycle_closed"
        assert item_count() == before
        assert catalog.assign(operator, iccid(1), "2025-03-05").status == 201
        assert catalog.assign(operator, iccid(2), "2025-02-04").status == 201

    def test_a_status_change_dated_in_a_closed_cycle_is_409(self, operator, catalog):
        created(catalog.assign(operator, iccid(1), "2025-01-10"))
        close_cycle(catalog.account_id, date(2025, 2, 5))
        for status in ("SUSPENDED", "RETIRED"):
            answer = _status(operator, catalog, iccid(1), status, "2025-02-20")
            assert answer.status == 409
            assert answer.error_code == "cycle_closed"
        sim = operator.get(catalog.sim_path(iccid(1))).json
        assert sim["status"] == "ACTIVE"
        assert len(sim["history"]) == 1
        assert IccidRegistration.get(*IccidRegistration.key(iccid(1))).retired_on is None
        assert CustomerItem.get(*CustomerItem.key(catalog.account_id, catalog.customer["id"])).open_sim_count == 1
        assert _status(operator, catalog, iccid(1), "RETIRED", "2025-03-05").status == 200

    def test_another_resellers_closed_cycle_does_not_matter(self, operator, catalog):
        other = build_catalog(operator, name="Other")
        close_cycle(other.account_id, date(2025, 2, 5))
        assert catalog.assign(operator, iccid(1), "2025-02-10").status == 201


def test_sim_items_live_in_the_customer_partition(operator, catalog):
    created(catalog.assign(operator, iccid(1)))
    stored = SimItem.get(*SimItem.key(catalog.account_id, catalog.customer["id"], iccid(1)))
    assert stored.pk == f"ACCOUNT#{catalog.account_id}#CUSTOMER#{catalog.customer['id']}"
    assert stored.sk == f"SIM#{iccid(1)}"


class TestStatusesDatedAhead:
    """A change may be dated after today: the SIM's status is today's, the change shows as scheduled, and
    its customer closes only once every retirement has taken effect."""

    def test_a_retirement_ahead_is_scheduled_and_keeps_the_customer_open(self, operator, catalog, clock):
        clock.set("2026-11-20")
        created(catalog.assign(operator, iccid(1), "2026-10-10"))
        retiring = _status(operator, catalog, iccid(1), "RETIRED", "2026-12-31")
        assert retiring.status == 200
        assert retiring.json["status"] == "ACTIVE"
        assert retiring.json["history"][-1] == {"status": "RETIRED", "effective_date": "2026-12-31", "scheduled": True}
        assert operator.get(catalog.sim_path(iccid(1))).json == retiring.json
        later = _status(operator, catalog, iccid(1), "SUSPENDED", "2027-01-05")
        assert (later.status, later.error_code) == (409, "sim_retired")

        before = stored_items()
        refused = operator.patch(catalog.customer_path, {"status": "CLOSED"})
        assert (refused.status, refused.error_code) == (409, "customer_has_active_sims")
        assert "2026-12-31" in refused.json["error"]["message"]
        assert stored_items() == before

        clock.set("2026-12-31")
        assert operator.get(catalog.sim_path(iccid(1))).json["status"] == "RETIRED"
        assert operator.patch(catalog.customer_path, {"status": "CLOSED"}).json["status"] == "CLOSED"

    def test_the_latest_retirement_decides_whatever_the_order(self, operator, catalog, clock):
        clock.set("2026-11-20")
        for serial in (1, 2):
            created(catalog.assign(operator, iccid(serial), "2026-10-10"))
        assert _status(operator, catalog, iccid(1), "RETIRED", "2027-01-15").status == 200
        assert _status(operator, catalog, iccid(2), "RETIRED", "2026-11-20").status == 200  # earlier, today
        key = CustomerItem.key(catalog.account_id, catalog.customer["id"])
        assert CustomerItem.get(*key).latest_retirement == date(2027, 1, 15)
        clock.set("2027-01-14")
        assert operator.patch(catalog.customer_path, {"status": "CLOSED"}).error_code == "customer_has_active_sims"
        clock.set("2027-01-15")
        assert operator.patch(catalog.customer_path, {"status": "CLOSED"}).status == 200

    def test_usage_stops_at_a_retirement_ahead(self, operator, catalog, clock):
        clock.set("2026-11-20")
        created(catalog.assign(operator, iccid(1), "2026-10-10"))
        assert _status(operator, catalog, iccid(1), "RETIRED", "2026-11-21").status == 200
        clock.set("2026-11-21", at=time(10, 0))
        records = [
            factories.usage_record("before", iccid(1), 5, occurred_at="2026-11-20T23:00:00Z"),
            factories.usage_record("after", iccid(1), 5, occurred_at="2026-11-21T08:00:00Z"),
        ]
        answer = operator.post(f"{catalog.base}/usage", {"records": records}).json
        assert answer["accepted"] == 1
        assert [(r["record_id"], r["reason"]) for r in answer["rejected"]] == [("after", "sim_retired")]
