"""Usage intake: each record accepted, a duplicate, or rejected with a reason; accepted records summed
into per-SIM totals per billing cycle in the customer's partition (what invoicing reads with one Query)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from reseller_billing.dal.items import UsageRecordItem, UsageTotalItem, customer_pk
from reseller_billing.logic.usage import ingest_usage
from tests.support import factories
from tests.support.catalog import Catalog, build_catalog, created
from tests.support.iccids import iccid
from tests.support.table import close_cycle, item_count

SIM = iccid(1)
OTHER_SIM = iccid(2)

MARCH = date(2025, 3, 5)  # the cycle 2025-03-05 .. 2025-04-04 (billing-cycle day 5), where records fall by default

Totals = dict[tuple[date, str, str], Decimal]


def _totals(catalog: Catalog, customer_id: str | None = None) -> Totals:
    """The customer's usage totals by cycle start, SIM and service, read the way invoicing reads them: one
    Query on its partition."""
    partition = customer_pk(catalog.account_id, customer_id or catalog.customer["id"])
    return {
        (t.cycle_start, t.iccid, t.service): t.quantity
        for t in UsageTotalItem.query(partition, UsageTotalItem.sk.startswith("USAGE#"), consistent_read=True)
    }


def _stored_records() -> int:
    return sum(1 for _ in UsageRecordItem.scan())  # a Scan is fine in a test


@pytest.fixture
def catalog(operator) -> Catalog:
    """Billing cycle day 5; SIM and OTHER_SIM active since 2025-01-10."""
    built = build_catalog(operator)
    created(built.assign(operator, SIM, "2025-01-10"))
    created(built.assign(operator, OTHER_SIM, "2025-01-10"))
    return built


def _post(api, catalog: Catalog, records: list[Any]):
    return api.post(f"{catalog.base}/usage", {"records": records})


def _record(record_id: str, quantity: Any = 10, **kw: Any) -> dict[str, Any]:
    return factories.usage_record(record_id, kw.pop("sim", SIM), quantity, **kw)


def test_accepted_records_are_summed_per_sim_service_and_utc_day(operator, catalog):
    answer = _post(
        operator,
        catalog,
        [
            _record("r1", 10, occurred_at="2025-03-10T01:00:00Z"),
            _record("r2", "2.5", occurred_at="2025-03-10T23:59:59Z"),
            _record("r3", 7, occurred_at="2025-03-10T23:30:00-02:00"),  # 2025-03-11 in UTC
            _record("r4", 3, service="SMS", occurred_at="2025-03-10T12:00:00Z"),
            _record("r5", 100, sim=OTHER_SIM, occurred_at="2025-03-10T12:00:00+01:00"),
        ],
    )
    assert answer.status == 202, answer.json
    assert answer.json == {"accepted": 5, "duplicates": 0, "rejected": []}
    assert _totals(catalog) == {
        (MARCH, SIM, "DATA"): Decimal("19.5"),  # 12.5 on 2025-03-10 and 7 on 2025-03-11 (UTC), one cycle
        (MARCH, SIM, "SMS"): Decimal(3),
        (MARCH, OTHER_SIM, "DATA"): Decimal(100),
    }
    assert _stored_records() == 5


def test_totals_keep_adding_across_requests(operator, catalog):
    assert _post(operator, catalog, [_record("r1", 10)]).json["accepted"] == 1
    assert _post(operator, catalog, [_record("r2", "0.125")]).json["accepted"] == 1
    assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal("10.125")}


def test_totals_are_per_customer(operator, catalog):
    other = created(operator.post(f"{catalog.base}/customers", factories.customer("C-2")))
    third = iccid(3)
    created(catalog.assign(operator, third, "2025-01-10", customer_id=other["id"]))
    answer = _post(operator, catalog, [_record("r1", 10), _record("r2", 20, sim=third)])
    assert answer.json["accepted"] == 2
    assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(10)}
    assert _totals(catalog, other["id"]) == {(MARCH, third, "DATA"): Decimal(20)}


class TestDuplicates:
    def test_a_record_sent_again_is_a_duplicate_and_changes_nothing(self, operator, catalog):
        records = [_record("r1", 10), _record("r2", 5, service="SMS")]
        assert _post(operator, catalog, records).json == {"accepted": 2, "duplicates": 0, "rejected": []}
        totals = _totals(catalog)
        again = _post(operator, catalog, records)
        assert again.status == 202
        assert again.json == {"accepted": 0, "duplicates": 2, "rejected": []}
        assert _totals(catalog) == totals
        assert _stored_records() == 2

    def test_the_same_record_id_with_other_content_is_still_a_duplicate(self, operator, catalog):
        _post(operator, catalog, [_record("r1", 10)])
        again = _post(operator, catalog, [_record("r1", 999, occurred_at="2025-03-12T00:00:00Z")])
        assert again.json == {"accepted": 0, "duplicates": 1, "rejected": []}
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(10)}

    def test_a_repeat_within_one_request_counts_once(self, operator, catalog):
        answer = _post(operator, catalog, [_record("r1", 10), _record("r1", 10), _record("r2", 1)])
        assert answer.json == {"accepted": 2, "duplicates": 1, "rejected": []}
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(11)}

    def test_new_records_next_to_duplicates_are_kept(self, operator, catalog):
        _post(operator, catalog, [_record("r1", 10), _record("r3", 30)])
        answer = _post(operator, catalog, [_record("r1", 10), _record("r2", 20), _record("r3", 30), _record("r4", 40)])
        assert answer.json == {"accepted": 2, "duplicates": 2, "rejected": []}
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(100)}

    def test_record_ids_are_per_reseller(self, operator, catalog):
        other = build_catalog(operator, name="Other")
        their_sim = iccid(7)
        created(other.assign(operator, their_sim, "2025-01-10"))
        assert _post(operator, catalog, [_record("r1", 10)]).json["accepted"] == 1
        assert _post(operator, other, [_record("r1", 4, sim=their_sim)]).json["accepted"] == 1
        assert _totals(other) == {(MARCH, their_sim, "DATA"): Decimal(4)}

    def test_racing_requests_count_each_record_exactly_once(self, operator, catalog):
        """8 concurrent callers post overlapping record ids. The local gateway runs one invocation per
        function at a time (like one Lambda environment), so the race across environments is run on the
        service itself, from threads, against the same moto table."""
        threads, per_thread, distinct = 8, 60, 150
        days = [date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)]

        def record(n: int) -> dict[str, Any]:
            day = days[n % len(days)]
            return _record(
                f"race-{n}",
                n + 1,
                sim=SIM if n % 2 else OTHER_SIM,
                service="DATA" if n % 5 else "SMS",
                occurred_at=f"{day.isoformat()}T{n % 24:02d}:15:00Z",
            )

        batches = [[record((t * 17 + k) % distinct) for k in range(per_thread)] for t in range(threads)]
        sent = {r["record_id"] for batch in batches for r in batch}
        assert len(sent) > per_thread  # the batches overlap but do not all carry the same ids
        start = threading.Barrier(threads)
        results: list[Any] = [None] * threads
        errors: list[BaseException] = []

        def post(index: int) -> None:
            try:
                start.wait()
                results[index] = ingest_usage(catalog.account_id, batches[index])
            except BaseException as error:
                errors.append(error)

        workers = [threading.Thread(target=post, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert not errors, errors
        assert all(not r.rejected for r in results)
        assert sum(r.accepted for r in results) == len(sent)
        assert sum(r.accepted + r.duplicates for r in results) == threads * per_thread

        expected: Counter[tuple[date, str, str]] = Counter()
        for n in {int(record_id.removeprefix("race-")) for record_id in sent}:
            r = record(n)
            expected[(MARCH, r["iccid"], r["service"])] += n + 1  # its days are all in one cycle
        assert _totals(catalog) == {key: Decimal(value) for key, value in expected.items()}
        assert _stored_records() == len(sent)

        again = _post(operator, catalog, batches[0])
        assert again.json == {"accepted": 0, "duplicates": per_thread, "rejected": []}
        assert _totals(catalog) == {key: Decimal(value) for key, value in expected.items()}

    def test_a_transaction_conflict_is_retried_and_counts_once(self, operator, catalog, monkeypatch):
        from reseller_billing.dal.writes import Transaction
        from reseller_billing.errors import ErrorCode, TransientError

        real_commit = Transaction.commit
        calls = {"n": 0}

        def conflicting_once(self, token=None):
            calls["n"] += 1
            if calls["n"] == 1:
                raise TransientError("a concurrent change got there first; retry", code=ErrorCode.CONFLICT_RETRY)
            return real_commit(self, token)

        monkeypatch.setattr(Transaction, "commit", conflicting_once)
        answer = _post(operator, catalog, [_record("r1", 10), _record("r2", 5)])
        assert answer.json == {"accepted": 2, "duplicates": 0, "rejected": []}
        assert calls["n"] == 2
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(15)}


def _future() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")


_BAD_SIM = SIM[:-1] + str((int(SIM[-1]) + 1) % 10)  # wrong check digit

# Each bad record with the reason it must be rejected for; record ids are distinct so that none of them
# is taken for a repeat of another.
BAD_RECORDS: list[tuple[Any, str]] = [
    ({k: v for k, v in _record("b0").items() if k != "record_id"}, "invalid_record"),
    ({**_record("b1"), "record_id": ""}, "invalid_record"),
    ({**_record("b2"), "record_id": "has space"}, "invalid_record"),
    ({**_record("b3"), "unit": "MB"}, "invalid_record"),
    ("not an object", "invalid_record"),
    (["b5", SIM, "DATA", 1, "2025-03-10T12:00:00Z"], "invalid_record"),
    ({k: v for k, v in _record("b6").items() if k != "quantity"}, "invalid_quantity"),
    (_record("b7", sim=_BAD_SIM), "invalid_iccid"),
    (_record("b8", sim="12345"), "invalid_iccid"),
    (_record("b9", sim=int(SIM)), "invalid_iccid"),
    (_record("b10", service="VOICE"), "unknown_service"),
    (_record("b11", service="data"), "unknown_service"),
    (_record("b12", -1), "invalid_quantity"),
    (_record("b13", "-1"), "invalid_quantity"),
    (_record("b14", 1.5), "invalid_quantity"),
    (_record("b16", True), "invalid_quantity"),
    (_record("b17", "1e3"), "invalid_quantity"),
    (_record("b18", "abc"), "invalid_quantity"),
    (_record("b19", 10**12), "invalid_quantity"),
    (_record("b20", "1.5", service="SMS"), "invalid_quantity"),
    (_record("b21", occurred_at="2025-03-10T12:00:00"), "invalid_occurred_at"),
    (_record("b22", occurred_at="2025-03-10"), "invalid_occurred_at"),
    (_record("b23", occurred_at="10/03/2025 12:00"), "invalid_occurred_at"),
    (_record("b24", occurred_at=1741608000), "invalid_occurred_at"),
    (_record("b25", occurred_at="2025-02-30T12:00:00Z"), "invalid_occurred_at"),
    (_record("b29", occurred_at="0001-01-01T00:30:00+01:00"), "invalid_occurred_at"),  # before year 1 in UTC
    (_record("b30", occurred_at="9999-12-31T23:30:00-01:00"), "invalid_occurred_at"),  # after year 9999 in UTC
    (_record("b31", occurred_at="2025-03-10T12:00:00+24:00"), "invalid_occurred_at"),
    (_record("b26", sim=iccid(99)), "unknown_iccid"),
    (_record("b27", occurred_at="2025-01-09T23:59:59Z"), "before_activation"),
    (_record("b28", occurred_at="2025-01-10T01:00:00+02:00"), "before_activation"),  # 2025-01-09 in UTC
]


class TestRejections:
    def test_each_bad_record_is_rejected_on_its_own_with_its_reason_and_the_rest_kept(self, operator, catalog):
        records = [_record("good-1", 1), *(record for record, _ in BAD_RECORDS), _record("good-2", 2)]
        answer = _post(operator, catalog, records)
        assert answer.status == 202, answer.json
        assert answer.json["accepted"] == 2
        assert answer.json["duplicates"] == 0
        rejected = answer.json["rejected"]
        assert [(r["index"], r["reason"]) for r in rejected] == [
            (index, reason) for index, (_, reason) in enumerate(BAD_RECORDS, start=1)
        ]
        for r, (record, _) in zip(rejected, BAD_RECORDS, strict=True):
            sent_id = record.get("record_id") if isinstance(record, dict) else None
            assert r["record_id"] == sent_id
            assert r["message"]
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(3)}
        assert _stored_records() == 2

    def test_a_quantity_may_be_a_decimal_string_for_data_and_a_whole_one_for_sms(self, operator, catalog):
        answer = _post(
            operator,
            catalog,
            [_record("d", "0.000001"), _record("s", "2.0", service="SMS"), _record("z", 0), _record("w", 10.0)],
        )
        assert answer.json == {"accepted": 4, "duplicates": 0, "rejected": []}  # 10.0: JSON Schema's integer 10
        assert _totals(catalog) == {
            (MARCH, SIM, "DATA"): Decimal("10.000001"),
            (MARCH, SIM, "SMS"): Decimal(2),
        }

    def test_a_future_timestamp_is_rejected_but_a_little_clock_skew_is_not(self, operator, catalog):
        soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat().replace("+00:00", "Z")
        answer = _post(
            operator, catalog, [_record("later", 1, occurred_at=_future()), _record("now", 1, occurred_at=soon)]
        )
        assert answer.json["accepted"] == 1
        assert [(r["record_id"], r["reason"]) for r in answer.json["rejected"]] == [("later", "invalid_occurred_at")]

    def test_a_sim_of_another_reseller_is_unknown_here(self, operator, catalog):
        other = build_catalog(operator, name="Other")
        their_sim, nobodys = iccid(7), iccid(8)
        created(other.assign(operator, their_sim, "2025-01-10"))
        answer = _post(operator, catalog, [_record("r1", 10, sim=their_sim), _record("r2", 10, sim=nobodys)])
        assert answer.json["accepted"] == 0
        theirs, unknown = answer.json["rejected"]
        assert [theirs["reason"], unknown["reason"]] == ["unknown_iccid", "unknown_iccid"]
        assert theirs["message"] == unknown["message"].replace(nobodys, their_sim), "the same answer, word for word"
        assert _totals(other) == {}
        assert _totals(catalog) == {}

    def test_usage_from_the_retirement_date_on_is_rejected(self, operator, catalog):
        retire = {"status": "RETIRED", "effective_date": "2025-03-15"}
        assert operator.post(f"{catalog.sim_path(SIM)}/status", retire).status == 200
        answer = _post(
            operator,
            catalog,
            [
                _record("before", 1, occurred_at="2025-03-14T23:59:59Z"),
                _record("on", 1, occurred_at="2025-03-15T00:00:00Z"),
                _record("after", 1, occurred_at="2025-04-01T00:00:00Z"),
            ],
        )
        assert answer.json["accepted"] == 1
        assert [(r["record_id"], r["reason"]) for r in answer.json["rejected"]] == [
            ("on", "sim_retired"),
            ("after", "sim_retired"),
        ]
        assert _totals(catalog) == {(MARCH, SIM, "DATA"): Decimal(1)}

    def test_usage_of_a_suspended_sim_counts(self, operator, catalog):
        suspend = {"status": "SUSPENDED", "effective_date": "2025-03-01"}
        assert operator.post(f"{catalog.sim_path(SIM)}/status", suspend).status == 200
        assert _post(operator, catalog, [_record("r1", 10)]).json["accepted"] == 1

    def test_usage_in_a_closed_cycle_is_rejected(self, operator, catalog):
        close_cycle(catalog.account_id, date(2025, 2, 5))  # 2025-02-05 .. 2025-03-04
        answer = _post(
            operator,
            catalog,
            [
                _record("open-before", 1, occurred_at="2025-02-04T23:59:59Z"),
                _record("closed-first", 1, occurred_at="2025-02-05T00:00:00Z"),
                _record("closed-last", 1, occurred_at="2025-03-04T23:59:59Z"),
                _record("open-after", 1, occurred_at="2025-03-05T00:00:00Z"),
            ],
        )
        assert answer.json["accepted"] == 2
        assert [(r["index"], r["record_id"], r["reason"]) for r in answer.json["rejected"]] == [
            (1, "closed-first", "cycle_closed"),
            (2, "closed-last", "cycle_closed"),
        ]
        assert _totals(catalog) == {
            (date(2025, 1, 5), SIM, "DATA"): Decimal(1),  # 2025-02-04: the cycle before the closed one
            (MARCH, SIM, "DATA"): Decimal(1),
        }

    def test_a_cycle_closed_between_the_check_and_the_write_still_rejects(self, operator, catalog, monkeypatch):
        # The billing run may close the cycle after intake read the closures: the write's own
        # condition check catches it.
        from reseller_billing.dal import usage as usage_table

        monkeypatch.setattr(usage_table, "closed_cycles", lambda account_id, starts: set())
        close_cycle(catalog.account_id, date(2025, 3, 5))
        answer = _post(operator, catalog, [_record("late", 1), _record("early", 1, occurred_at="2025-03-01T00:00:00Z")])
        assert answer.json["accepted"] == 1
        assert [(r["index"], r["record_id"], r["reason"]) for r in answer.json["rejected"]] == [
            (0, "late", "cycle_closed")
        ]
        assert _totals(catalog) == {(date(2025, 2, 5), SIM, "DATA"): Decimal(1)}  # 2025-03-01's cycle
        assert _stored_records() == 1

    def test_a_rejected_record_is_not_remembered(self, operator, catalog):
        assert _post(operator, catalog, [_record("r1", -5)]).json["rejected"][0]["reason"] == "invalid_quantity"
        assert _post(operator, catalog, [_record("r1", 5)]).json == {"accepted": 1, "duplicates": 0, "rejected": []}

    def test_every_record_rejected_writes_nothing(self, operator, catalog):
        before = item_count()
        answer = _post(operator, catalog, [_record("a", -1), _record("b", sim=iccid(99)), "x"])
        assert answer.status == 202
        assert answer.json["accepted"] == 0
        assert [r["index"] for r in answer.json["rejected"]] == [0, 1, 2]
        assert item_count() == before


class TestBatchLimits:
    def test_1000_records_in_one_call(self, operator, catalog):
        records = [_record(f"r{n}", 1, occurred_at=f"2025-03-{10 + n % 3}T00:00:00Z") for n in range(1000)]
        answer = _post(operator, catalog, records)
        assert answer.status == 202
        assert answer.json == {"accepted": 1000, "duplicates": 0, "rejected": []}
        assert sum(_totals(catalog).values()) == 1000

    def test_1001_records_are_422_and_nothing_written(self, operator, catalog):
        before = item_count()
        answer = _post(operator, catalog, [_record(f"r{n}", 1) for n in range(1001)])
        assert answer.status == 422
        assert answer.error_code == "validation_error"
        assert item_count() == before

    def test_a_batch_without_records_is_422(self, operator, catalog):
        bodies = [{"records": []}, {}, {"records": {"record_id": "r1"}}, {"records": None}, {"records": [], "x": 1}]
        outcomes = [operator.post(f"{catalog.base}/usage", body) for body in bodies]
        assert [(a.status, a.error_code) for a in outcomes] == [(422, "validation_error")] * len(bodies)

    def test_malformed_json_is_400(self, operator, catalog):
        answer = operator.post(
            f"{catalog.base}/usage", raw=b'{"records": [', headers={"Content-Type": "application/json"}
        )
        assert answer.status == 400
        assert answer.error_code == "malformed_json"


DATA_ONLY = [{"service": "DATA", "included": 1024, "overage_price": "0.004"}]


class TestServiceNotInPlan:
    """A service the SIM's plan (its version that prices the record's cycle) has no allowance for is
    rejected, not silently dropped; a free allowance (included 0 at price "0") prices a service free."""

    def sim_on(self, operator, catalog: Catalog, code: str, allowances: list[dict[str, Any]]) -> str:
        """A new SIM, active since 2025-01-10, on a product of its own whose plan has `allowances`."""
        plan = created(operator.post(f"{catalog.base}/price-plans", factories.price_plan(allowances=allowances)))
        product = created(operator.post(f"{catalog.base}/products", factories.product(plan["id"], code)))
        created(catalog.assign(operator, iccid(3), "2025-01-10", product_id=product["id"]))
        return iccid(3)

    def test_sms_on_a_data_only_plan_is_rejected_and_writes_nothing(self, operator, catalog):
        sim = self.sim_on(operator, catalog, "DATA-ONLY", DATA_ONLY)
        before = item_count()
        answer = _post(operator, catalog, [_record("s-1", 5, sim=sim, service="SMS")]).json
        assert answer["accepted"] == 0
        assert [(r["record_id"], r["reason"]) for r in answer["rejected"]] == [("s-1", "service_not_in_plan")]
        assert item_count() == before
        assert _post(operator, catalog, [_record("d-1", 5, sim=sim)]).json["accepted"] == 1

    def test_a_free_allowance_accepts_the_service(self, operator, catalog):
        sim = self.sim_on(operator, catalog, "FREE-SMS", [{"service": "SMS", "included": 0, "overage_price": "0"}])
        answer = _post(operator, catalog, [_record("s-1", 5, sim=sim, service="SMS")]).json
        assert (answer["accepted"], answer["rejected"]) == (1, [])

    def test_the_version_pricing_the_records_cycle_decides(self, operator, catalog, clock):
        """SMS leave the plan from 2025-03-05, the first day of a cycle: SMS of the cycle before are
        accepted, SMS from then on are not."""
        clock.set("2025-03-05")
        path = f"{catalog.base}/price-plans/{catalog.plan['id']}"
        assert operator.patch(path, {"allowances": DATA_ONLY}).status == 200
        before = _record("s-1", 5, service="SMS", occurred_at="2025-03-04T23:00:00Z")
        after = _record("s-2", 5, service="SMS", occurred_at="2025-03-05T01:00:00Z")
        answer = _post(operator, catalog, [before, after]).json
        assert answer["accepted"] == 1
        assert [(r["record_id"], r["reason"]) for r in answer["rejected"]] == [("s-2", "service_not_in_plan")]

    def test_a_registration_written_without_its_product_is_checked_through_the_sim(self, operator, catalog):
        """SIMs registered before registrations carried their product."""
        from reseller_billing.dal.items import IccidRegistration

        sim = self.sim_on(operator, catalog, "DATA-ONLY", DATA_ONLY)
        IccidRegistration(*IccidRegistration.key(sim)).update(actions=[IccidRegistration.product_id.remove()])
        answer = _post(operator, catalog, [_record("s-1", 5, sim=sim, service="SMS"), _record("d-1", 5, sim=sim)])
        assert [r["reason"] for r in answer.json["rejected"]] == ["service_not_in_plan"]
        assert answer.json["accepted"] == 1
