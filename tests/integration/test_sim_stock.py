"""SIM stock: the operator adds ICCIDs to a reseller's stock (a list at once, a range in the background);
an ICCID is in at most one account's stock; a reseller assigns only AVAILABLE ICCIDs of its own stock, and
the answer for any other ICCID is the same whoever holds it."""

from __future__ import annotations

from typing import Any

import pytest

from reseller_billing.dal import stock as stock_table
from reseller_billing.dal.items import StockAllocationItem, StockItem
from reseller_billing.iccid import is_valid_iccid, luhn_check_digit
from reseller_billing.logic import stock as stock_logic
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import item_count, stored_items

LAST_19_DIGITS = "9" * 18 + str(luhn_check_digit("9" * 18))


@pytest.fixture
def catalog(operator) -> Catalog:
    return build_catalog(operator)


def _stock(api, catalog: Catalog, query: str = "") -> list[tuple[str, str, str | None]]:
    """Every entry of the account's stock, following the cursor."""
    found: list[tuple[str, str, str | None]] = []
    cursor = None
    while True:
        page = api.get(f"{catalog.base}/sim-stock?limit=100{query}" + (f"&cursor={cursor}" if cursor else "")).json
        found += [(e["iccid"], e["status"], e["customer_id"]) for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def _allocate(operator, queues, catalog: Catalog, first: str, count: int) -> dict[str, Any]:
    answer = operator.post(f"{catalog.base}/sim-stock", {"range": {"first": first, "count": count}})
    assert answer.status == 202, answer.json
    assert answer.json["status"] == "QUEUED"
    assert answer.header("Location") == f"{catalog.base}/sim-stock/allocations/{answer.json['id']}"
    queues.drain()
    allocation: dict[str, Any] = operator.get(answer.header("Location")).json
    return allocation


class TestListedIccids:
    def test_the_operator_adds_them_and_both_operator_and_reseller_list_them(self, api, operator, catalog):
        answer = operator.post(f"{catalog.base}/sim-stock", {"iccids": [iccid(3), iccid(1), iccid(2)]})
        assert answer.status == 201, answer.json
        assert answer.json == {"added": 3, "rejected": []}
        me = api.as_reseller(catalog.account_id)
        expected = [(iccid(n), "AVAILABLE", None) for n in (1, 2, 3)]
        assert _stock(operator, catalog) == _stock(me, catalog) == expected
        assert _stock(me, catalog, "&status=ASSIGNED") == []

    def test_one_in_any_stock_or_listed_twice_is_rejected_and_the_rest_added(self, operator, catalog):
        other = build_catalog(operator, name="Other")
        other.stock(iccid(1))
        catalog.stock(iccid(2))
        answer = operator.post(f"{catalog.base}/sim-stock", {"iccids": [iccid(1), iccid(2), iccid(3), iccid(3)]})
        assert answer.status == 201
        assert answer.json == {
            "added": 1,
            "rejected": [
                {"iccid": iccid(1), "reason": "iccid_in_stock"},
                {"iccid": iccid(2), "reason": "iccid_in_stock"},
                {"iccid": iccid(3), "reason": "iccid_in_stock"},
            ],
        }
        assert _stock(operator, catalog) == [(iccid(n), "AVAILABLE", None) for n in (2, 3)]
        assert _stock(operator, other) == [(iccid(1), "AVAILABLE", None)]

    def test_a_thousand_go_in_transactions_of_a_hundred(self, operator, catalog):
        iccids = [iccid(n) for n in range(1, 1001)]
        answer = operator.post(f"{catalog.base}/sim-stock", {"iccids": iccids})
        assert answer.json == {"added": 1000, "rejected": []}
        assert sum(1 for _ in StockItem.scan()) == 1000

    def test_a_reseller_user_may_not_add_to_its_own_stock(self, api, catalog):
        me = api.as_reseller(catalog.account_id)
        before = stored_items()
        for body in ({"iccids": [iccid(1)]}, {"range": {"first": iccid(1), "count": 10}}):
            answer = me.post(f"{catalog.base}/sim-stock", body)
            assert (answer.status, answer.error_code) == (403, "forbidden")
        assert stored_items() == before

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"iccids": []}, "iccids"),
            ({"iccids": [iccid(1)[:-1] + str((int(iccid(1)[-1]) + 1) % 10)]}, "iccids.0"),
            ({"iccids": [iccid(n) for n in range(1001)]}, "iccids"),
            ({"range": {"first": iccid(1), "count": 0}}, "range.count"),
            ({"range": {"first": iccid(1), "count": 100_001}}, "range.count"),
            ({"range": {"first": iccid(1), "count": "10"}}, "range.count"),
            ({"range": {"first": LAST_19_DIGITS, "count": 2}}, "range"),
            ({"iccids": [iccid(1)], "range": {"first": iccid(2), "count": 1}}, "body"),  # one or the other
            ({}, "body"),
        ],
    )
    def test_bad_input_is_422_naming_the_field_and_adds_nothing(self, operator, catalog, body, field):
        before = stored_items()
        answer = operator.post(f"{catalog.base}/sim-stock", body)
        assert (answer.status, answer.error_code) == (422, "validation_error")
        fields = " ".join(d["field"] for d in answer.json["error"]["details"])
        assert field in fields, answer.json
        assert stored_items() == before

    def test_a_standard_account_has_no_stock(self, operator):
        standard = created(operator.post("/accounts", factories.standard_account()))
        answer = operator.post(f"/accounts/{standard['id']}/sim-stock", {"iccids": [iccid(1)]})
        assert (answer.status, answer.error_code) == (409, "account_not_reseller")
        assert operator.get(f"/accounts/{standard['id']}/sim-stock").status == 409


class TestRanges:
    def test_a_range_is_added_in_the_background_each_iccid_with_its_own_check_digit(self, operator, queues, catalog):
        first = iccid(995)
        allocation = _allocate(operator, queues, catalog, first, 2500)
        assert {k: allocation[k] for k in ("status", "first", "count", "done", "added", "rejected_count")} == {
            "status": "COMPLETED",
            "first": first,
            "count": 2500,
            "done": 2500,
            "added": 2500,
            "rejected_count": 0,
        }
        assert allocation["rejected"] == []
        listed = [entry[0] for entry in _stock(operator, catalog)]
        assert listed == [iccid(n) for n in range(995, 995 + 2500)]
        assert all(is_valid_iccid(i) for i in listed)

    def test_a_range_over_stock_elsewhere_rejects_those_iccids_and_adds_the_rest(self, operator, queues, catalog):
        other = build_catalog(operator, name="Other")
        other.stock(*(iccid(n) for n in range(10, 15)))
        catalog.stock(iccid(20))
        allocation = _allocate(operator, queues, catalog, iccid(1), 30)
        assert (allocation["added"], allocation["rejected_count"]) == (24, 6)
        assert allocation["rejected"] == [
            {"iccid": iccid(n), "reason": "iccid_in_stock"} for n in (10, 11, 12, 13, 14, 20)
        ]
        assert len(_stock(operator, catalog)) == 25
        assert len(_stock(operator, other)) == 5

    def test_only_the_first_thousand_rejected_are_listed_all_are_counted(self, operator, queues, catalog, monkeypatch):
        monkeypatch.setattr(stock_logic, "ALLOCATION_CHUNK", 700)
        catalog.stock(*(iccid(n) for n in range(1, 1001)))
        catalog.stock(*(iccid(n) for n in range(1001, 1201)))
        allocation = _allocate(operator, queues, catalog, iccid(1), 1300)
        assert (allocation["added"], allocation["rejected_count"]) == (100, 1200)
        assert [r["iccid"] for r in allocation["rejected"]] == [iccid(n) for n in range(1, 1001)]

    def test_a_range_ends_at_the_last_iccid_of_its_length(self, operator, queues, catalog):
        allocation = _allocate(operator, queues, catalog, LAST_19_DIGITS, 1)
        assert allocation["added"] == 1
        assert _stock(operator, catalog) == [(LAST_19_DIGITS, "AVAILABLE", None)]

    def test_a_worker_killed_after_writing_a_chunk_is_redone_without_counting_twice(
        self, operator, queues, catalog, monkeypatch
    ):
        monkeypatch.setattr(stock_logic, "ALLOCATION_CHUNK", 300)
        catalog.stock(iccid(450))
        real = stock_table.save_progress
        calls = {"n": 0}

        def dies_on_the_second_checkpoint(*args: Any, **kwargs: Any) -> Any:
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("killed after the chunk's transactions, before its checkpoint")
            return real(*args, **kwargs)

        monkeypatch.setattr(stock_table, "save_progress", dies_on_the_second_checkpoint)
        allocation = _allocate(operator, queues, catalog, iccid(1), 1000)
        assert calls["n"] >= 5  # one failed, then 4 checkpoints (300, 300, 300, 100)
        assert (allocation["status"], allocation["done"]) == ("COMPLETED", 1000)
        assert (allocation["added"], allocation["rejected_count"]) == (999, 1)
        assert allocation["rejected"] == [{"iccid": iccid(450), "reason": "iccid_in_stock"}]
        assert len(_stock(operator, catalog)) == 1000

    def test_near_its_deadline_the_worker_queues_the_rest(self, operator, queues, catalog, monkeypatch, functions):
        import functions.stock_allocation.app as worker

        monkeypatch.setattr(stock_logic, "ALLOCATION_CHUNK", 100)
        monkeypatch.setattr(worker, "STOP_BEFORE_DEADLINE_MS", 10**9)  # always near: one chunk per invocation
        invocations = {"n": 0}
        function = functions["StockAllocationFunction"]
        real_invoke = function.invoke

        def counted(event: dict[str, Any]) -> Any:
            invocations["n"] += 1
            return real_invoke(event)

        monkeypatch.setattr(function, "invoke", counted)
        allocation = _allocate(operator, queues, catalog, iccid(1), 450)
        assert invocations["n"] == 5
        assert (allocation["status"], allocation["added"]) == ("COMPLETED", 450)

    def test_the_allocation_is_the_operators_to_read(self, api, operator, queues, catalog):
        allocation = _allocate(operator, queues, catalog, iccid(1), 3)
        path = f"{catalog.base}/sim-stock/allocations/{allocation['id']}"
        assert api.as_reseller(catalog.account_id).get(path).status == 403
        assert operator.get(f"{catalog.base}/sim-stock/allocations/alloc_nope").status == 404
        other = build_catalog(operator, name="Other")
        assert operator.get(f"{other.base}/sim-stock/allocations/{allocation['id']}").status == 404
        assert StockAllocationItem.get(*StockAllocationItem.key(catalog.account_id, allocation["id"])).done == 3


class TestAssigningFromStock:
    def test_assigning_marks_the_stock_entry_assigned_to_the_customer(self, operator, catalog):
        catalog.stock(iccid(1), iccid(2))
        created(catalog.assign(operator, iccid(1)))
        assert _stock(operator, catalog) == [  # by status, then ICCID
            (iccid(1), "ASSIGNED", catalog.customer["id"]),
            (iccid(2), "AVAILABLE", None),
        ]
        assert _stock(operator, catalog, "&status=ASSIGNED") == [(iccid(1), "ASSIGNED", catalog.customer["id"])]
        assert _stock(operator, catalog, "&status=AVAILABLE") == [(iccid(2), "AVAILABLE", None)]

    def test_an_iccid_not_in_my_stock_gets_one_answer_whoever_holds_it(self, api, operator, catalog):
        other = build_catalog(operator, name="Other")
        other.stock(iccid(7))
        created(other.assign(operator, iccid(8)))
        me = api.as_reseller(catalog.account_id)
        before = item_count()
        answers = {}
        for label, sim in (("nobody's", iccid(6)), ("in their stock", iccid(7)), ("assigned by them", iccid(8))):
            answer = me.post(f"{catalog.customer_path}/sims", factories.sim(sim, catalog.product["id"]))
            answers[label] = (answer.status, answer.error_code, answer.json["error"]["message"].replace(sim, "X"))
        assert len(set(answers.values())) == 1, answers
        assert next(iter(answers.values()))[:2] == (422, "iccid_not_in_stock")
        assert item_count() == before
        assert _stock(operator, other) == [(iccid(8), "ASSIGNED", other.customer["id"]), (iccid(7), "AVAILABLE", None)]

    def test_a_refused_assignment_leaves_the_stock_entry_available(self, operator, catalog):
        assert operator.patch(catalog.customer_path, {"status": "SUSPENDED"}).status == 200
        answer = catalog.assign(operator, iccid(1))
        assert (answer.status, answer.error_code) == (409, "customer_not_active")
        assert _stock(operator, catalog) == [(iccid(1), "AVAILABLE", None)]
