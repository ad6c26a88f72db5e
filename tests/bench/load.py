"""Load: many concurrent clients drive the local stack with mixed reads and writes, bursts of identical
usage records and racing updates with the same If-Match; afterwards nothing may be lost or doubled.

    python -m tests.bench.load [--clients 32] [--requests 1500] [--seconds 90] [--seed 1] [--timeout 600]

`python -m tests.bench.load` starts `python -m infra.local` on free loopback ports, runs the load, prints one
JSON line and stops the stack. It exits non-zero on an unexpected answer (any 5xx, any 4xx the scenario
does not call for, a transport error) or a failed invariant. `run_load` drives a stack that is already
running (the e2e test's), on 127.0.0.1 only, and looks only at the accounts it creates.

1. Setup (operator): `resellers` resellers (billing-cycle day 5), each with a price plan whose allowances
   are 0 (an invoice's overage quantity is then the usage itself), a product, `customers` customers with
   `sims` SIMs each (activated 2026-10-10), and a customer kept for the races.
2. Load, `requests` requests or `seconds`, whichever comes first: `clients` threads, each with its
   reseller's token (a quarter with an operator's), mixing reads (lists and reads of customers, products,
   plans, SIMs, invoices, runs, the account and its profile, previews, another tenant's customer: 404)
   and writes (usage batches with fresh record ids, some with a record twice, some sent again whole;
   customers, some sent twice with one Idempotency-Key; PATCHes of the client's own customers with the
   ETag it holds; SIMs for them). Meanwhile a coordinator fires, spread over the load,
   * bursts: `burst_width` clients post the same usage batch at the same moment: accepted once in all;
   * races: `burst_width` clients PATCH the race customer, or PUT the reseller profile, with the same
     If-Match at the same moment: exactly one 200, the rest 412 `precondition_failed`, the version + 1.
3. Verify: each reseller's customers are listed once; each customer's preview for 2026-11-05 (the cycle
   2026-10-05..2026-11-04 the usage is dated in) has OVERAGE quantities and amounts equal to the distinct
   records sent for its SIMs (with `aws_endpoint` the per-SIM daily totals in DynamoDB too); a billing
   run per reseller issues exactly one invoice per customer with SIMs, numbered {prefix}{YYYY}-000001..N
   without gaps, equal to its preview, whose invoice.json carries each SIM's usage.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import os
import random
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tests.support import factories
from tests.support.api import Answer, Api, HttpTransport
from tests.support.iccids import iccid

RUN_DATE = "2026-11-05"  # bills the cycle 2026-10-05 .. 2026-11-04 of cycle day 5
CYCLE_START = "2026-10-05"
ACTIVATION = date(2026, 10, 10)
STOCK_PER_RESELLER = 1000  # ICCIDs in each reseller's SIM stock: more than its clients assign in a run
USAGE_DAYS = 26  # 2026-10-10 .. 2026-11-04
DATA_PRICE, SMS_PRICE = Decimal("0.004"), Decimal("0.05")
CENT = Decimal("0.01")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
BARRIER_SECONDS = 30
TABLE = "reseller-billing-local"  # what `python -m infra.local` provisions

PLAN = {
    "name": "Load plan",
    "activation_fee": "5.00",
    "monthly_fee": "9.99",
    "pool_type": "INDIVIDUAL",
    "allowances": [
        {"service": "DATA", "included": 0, "overage_price": str(DATA_PRICE)},
        {"service": "SMS", "included": 0, "overage_price": str(SMS_PRICE)},
    ],
}


class SetupFailed(RuntimeError):
    pass


def _require_loopback(url: str) -> None:
    host = urllib.parse.urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"the load only runs against the loopback interface, not {url}")


def _version(answer: Answer | None) -> int | None:
    tag = answer.header("ETag") if answer is not None else None
    return int(tag.removeprefix("W/").strip('"')) if tag else None


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


# --- recording ---------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """Every request of a phase: its kind, operation, status and latency, and whether the scenario
    expected that answer."""

    samples: list[tuple[str, str, int, float]] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)  # expected non-2xx answers, "412 precondition_failed"
    unexpected: Counter[str] = field(default_factory=Counter)  # "PATCH customer -> 500 internal_error"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, op: str, status: int, ms: float, *, refusal: str | None, unexpected: str | None) -> None:
        with self.lock:
            self.samples.append((kind, op, status, ms))
            if refusal:
                self.refusals[refusal] += 1
            if unexpected:
                self.unexpected[f"{op} -> {unexpected}"] += 1

    def statuses(self) -> Counter[int]:
        with self.lock:
            return Counter(status for _, _, status, _ in self.samples)

    def latencies(self, kind: str | None = None, op: str | None = None) -> list[float]:
        with self.lock:
            return [ms for k, o, _, ms in self.samples if kind in (None, k) and op in (None, o)]


class Caller:
    """An Api whose calls are timed, recorded, and checked against the answers the scenario expects:
    `expect` the success statuses, `refusals` the error answers it calls for ({412: "precondition_failed"})."""

    def __init__(self, api: Api, recorder: Recorder):
        self.api = api
        self.recorder = recorder

    def __call__(
        self,
        kind: str,
        op: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        expect: Iterable[int] = (200,),
        refusals: dict[int, str] | None = None,
    ) -> Answer | None:
        started = time.perf_counter()
        try:
            answer = self.api.call(method, path, body, headers=headers)
        except (OSError, http.client.HTTPException) as error:  # refused, reset, timed out
            ms = (time.perf_counter() - started) * 1000
            self.recorder.add(kind, op, 0, ms, refusal=None, unexpected=f"transport {type(error).__name__}")
            return None
        ms = (time.perf_counter() - started) * 1000
        refusal = unexpected = None
        if answer.status not in set(expect):
            try:
                code = answer.error_code
            except ValueError:  # not JSON
                code = None
            if (refusals or {}).get(answer.status) == code:
                refusal = f"{answer.status} {code}"
            else:
                unexpected = f"{answer.status} {code}"
        self.recorder.add(kind, op, answer.status, ms, refusal=refusal, unexpected=unexpected)
        return answer


# --- the world the clients build --------------------------------------------------------------------


@dataclass(frozen=True)
class UsageFact:
    account_id: str
    customer_id: str
    iccid: str
    service: str
    day: str
    quantity: Decimal


@dataclass
class Reseller:
    index: int
    id: str
    product_id: str
    customer_ids: list[str]  # set up with SIMs
    sims: list[tuple[str, str]]  # (customer_id, iccid) of the set-up SIMs
    race_customer_id: str
    prefix: str
    stock: list[str]  # ICCIDs in the reseller's SIM stock that no SIM has yet
    created: dict[str, list[str]] = field(default_factory=dict)  # customers the clients created -> their SIMs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_iccid(self) -> str:
        with self.lock:
            return self.stock.pop()

    @property
    def base(self) -> str:
        return f"/accounts/{self.id}"


@dataclass
class World:
    tag: str
    resellers: list[Reseller]
    facts: dict[str, UsageFact] = field(default_factory=dict)  # record id -> confirmed stored
    uncertain: list[tuple[Reseller, list[dict[str, Any]]]] = field(default_factory=list)  # sent, answer unknown
    failures: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    invoice_type: str = "BOTH"
    serials: itertools.count[int] = field(default_factory=itertools.count)

    def iccid(self) -> str:
        with self.lock:
            serial = next(self.serials)
        return iccid(int(self.tag, 16) % 10**7 * 10**5 + serial, prefix="894955")

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def unsure(self, reseller: Reseller, records: list[dict[str, Any]]) -> None:
        with self.lock:
            self.uncertain.append((reseller, records))

    def fail(self, check: str, message: str) -> None:
        with self.lock:
            self.counts[f"failed {check}"] += 1
            if len(self.failures) < 40:
                self.failures.append(f"{check}: {message}")

    def confirm(self, reseller: Reseller, records: list[dict[str, Any]], owners: dict[str, str]) -> None:
        with self.lock:
            for record in records:
                self.facts[record["record_id"]] = UsageFact(
                    reseller.id,
                    owners[record["iccid"]],
                    record["iccid"],
                    record["service"],
                    record["occurred_at"][:10],
                    Decimal(str(record["quantity"])),
                )


def _record(rng: random.Random, record_id: str, sim: str) -> dict[str, Any]:
    day = ACTIVATION + timedelta(days=rng.randrange(USAGE_DAYS))
    at = f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z"
    if rng.random() < 0.25:
        return factories.usage_record(record_id, sim, rng.randint(1, 40), service="SMS", occurred_at=at)
    thousandths = rng.randint(1, 3_000_000)
    quantity: int | str = (
        thousandths // 1000 if rng.random() < 0.2 else f"{thousandths // 1000}.{thousandths % 1000:03d}"
    )
    return factories.usage_record(record_id, sim, quantity, occurred_at=at)


# --- setup -------------------------------------------------------------------------------------------


def _created(answer: Answer | None, what: str) -> dict[str, Any]:
    if answer is None or answer.status != 201:
        raise SetupFailed(f"{what}: {answer.status if answer else 'no answer'} {answer.json if answer else ''}")
    body: dict[str, Any] = answer.json
    return body


def _set_up_reseller(call: Caller, world: World, index: int, customers: int, sims: int, invoice_type: str) -> Reseller:
    tag = world.tag
    profile = factories.reseller_profile(customer_invoice_type=invoice_type, invoice_number_prefix=f"L{index}-")
    account = _created(
        call(
            "setup",
            "POST account",
            "POST",
            "/accounts",
            factories.reseller_account(name=f"Load {tag} reseller {index}", reseller_profile=profile),
            expect=(201,),
        ),
        "reseller",
    )
    base = f"/accounts/{account['id']}"
    plan = _created(call("setup", "POST plan", "POST", f"{base}/price-plans", PLAN, expect=(201,)), "plan")
    product = _created(
        call(
            "setup",
            "POST product",
            "POST",
            f"{base}/products",
            factories.product(plan["id"], f"LOAD-{tag}-{index}"),
            expect=(201,),
        ),
        "product",
    )
    # Every SIM is assigned from the reseller's stock: the operator adds more ICCIDs than the run can use.
    stock = [world.iccid() for _ in range(STOCK_PER_RESELLER)]
    call("setup", "POST sim-stock", "POST", f"{base}/sim-stock", {"iccids": stock}, expect=(201,))
    customer_ids, fleet = [], []
    for n in range(customers):
        customer = _created(
            call(
                "setup",
                "POST customer",
                "POST",
                f"{base}/customers",
                factories.customer(f"L{tag}-{index}-{n}"),
                expect=(201,),
            ),
            "customer",
        )
        customer_ids.append(customer["id"])
        for _ in range(sims):
            sim = stock.pop()
            body = factories.sim(sim, product["id"], ACTIVATION.isoformat())
            _created(
                call("setup", "POST sim", "POST", f"{base}/customers/{customer['id']}/sims", body, expect=(201,)),
                "SIM",
            )
            fleet.append((customer["id"], sim))
    race = _created(
        call(
            "setup",
            "POST customer",
            "POST",
            f"{base}/customers",
            factories.customer(f"L{tag}-{index}-race", name="Race target"),
            expect=(201,),
        ),
        "race customer",
    )
    return Reseller(index, account["id"], product["id"], customer_ids, fleet, race["id"], f"L{index}-", stock)


# --- the mixed clients -------------------------------------------------------------------------------


class Budget:
    """The mixed clients' shared allowance of operations, and the time they may take."""

    def __init__(self, requests: int, seconds: float):
        self.requests = requests
        self.deadline = time.monotonic() + seconds
        self._taken = itertools.count()
        self.used = 0

    def take(self) -> bool:
        self.used = next(self._taken) + 1
        return self.used <= self.requests and time.monotonic() < self.deadline

    def spent(self) -> float:
        return min(1.0, self.used / self.requests)


@dataclass
class Own:
    """What one client created: its customers with the version it holds, and their SIMs."""

    versions: dict[str, int] = field(default_factory=dict)
    sims: dict[str, list[str]] = field(default_factory=dict)
    batches: list[list[dict[str, Any]]] = field(default_factory=list)  # usage batches answered 202
    seq: itertools.count[int] = field(default_factory=itertools.count)


def _post_usage(
    call: Caller,
    world: World,
    reseller: Reseller,
    records: list[dict[str, Any]],
    fresh: set[str],
    owners: dict[str, str],
    op: str,
) -> Answer | None:
    """Post a batch whose new record ids are `fresh`; check the answer counts them exactly."""
    answer = call("write", op, "POST", f"{reseller.base}/usage", {"records": records}, expect=(202,))
    if answer is None or answer.status != 202:
        world.unsure(reseller, records)
        return None
    got = answer.json
    expected = {"accepted": len(fresh), "duplicates": len(records) - len(fresh), "rejected": []}
    if got != expected:
        world.fail("usage answers", f"{op}: sent {expected}, answered {got}")
    distinct = {r["record_id"]: r for r in records if r["record_id"] in fresh}
    world.confirm(reseller, list(distinct.values()), owners)
    world.count("usage records sent", len(records))
    world.count("usage accepted", got.get("accepted", 0))
    world.count("usage duplicates", got.get("duplicates", 0))
    return answer


def _mixed_client(
    number: int,
    call: Caller,
    world: World,
    reseller: Reseller,
    budget: Budget,
    rng: random.Random,
    operator: bool,
) -> None:
    own = Own()
    base = reseller.base
    others = [r for r in world.resellers if r is not reseller]
    owners = {sim: customer for customer, sim in reseller.sims}

    def new_customer() -> None:
        n = next(own.seq)
        body = factories.customer(f"L{world.tag}-c{number}-{n}", name=f"Load client {number} customer {n}")
        headers = {"Idempotency-Key": f"{world.tag}-c{number}-{n}"} if rng.random() < 0.3 else None
        first = call("write", "POST customer", "POST", f"{base}/customers", body, headers=headers, expect=(201,))
        if first is None or first.status != 201:
            return
        if headers is not None:  # the client retries, as after a lost answer: the same customer comes back
            again = call(
                "write", "POST customer again", "POST", f"{base}/customers", body, headers=headers, expect=(201,)
            )
            if again is not None and again.status == 201 and again.json["id"] != first.json["id"]:
                world.fail("idempotent create", f"{first.json['id']} and {again.json['id']} for one key")
        customer_id = first.json["id"]
        own.versions[customer_id] = _version(first) or 0
        own.sims[customer_id] = []
        with reseller.lock:
            reseller.created[customer_id] = []

    def patch_customer() -> None:
        customer_id = rng.choice(list(own.versions))
        held = own.versions[customer_id]
        path = f"{base}/customers/{customer_id}"
        if rng.random() < 0.3:
            read = call("read", "GET customer", "GET", path)
            if read is not None and read.status == 200 and _version(read) != held:
                world.fail("ETags", f"{customer_id}: held version {held}, GET says {_version(read)}")
        body: dict[str, Any] = {"name": f"Load client {number} renamed {next(own.seq)}"}
        if rng.random() < 0.3:
            body["vat_rate"] = rng.choice(["0", "19", "23"])
        answer = call("write", "PATCH customer", "PATCH", path, body, headers={"If-Match": f'"{held}"'})
        if answer is not None and answer.status == 200:
            if _version(answer) != held + 1:
                world.fail("ETags", f"PATCH {customer_id} from version {held} answered {_version(answer)}")
            own.versions[customer_id] = _version(answer) or held + 1

    def assign_sim() -> None:
        customer_id = rng.choice([c for c, sims in own.sims.items() if len(sims) < 2])
        sim = reseller.take_iccid()
        body = factories.sim(sim, reseller.product_id, ACTIVATION.isoformat())
        answer = call("write", "POST sim", "POST", f"{base}/customers/{customer_id}/sims", body, expect=(201,))
        if answer is not None and answer.status == 201:
            own.sims[customer_id].append(sim)
            owners[sim] = customer_id
            with reseller.lock:
                reseller.created[customer_id].append(sim)

    def post_usage() -> None:
        if own.batches and rng.random() < 0.05:  # a whole batch sent again, as a retrying client would
            _post_usage(call, world, reseller, rng.choice(own.batches), set(), owners, "POST usage again")
            return
        fleet = [sim for _, sim in reseller.sims] + [sim for sims in own.sims.values() for sim in sims]
        size = rng.randint(1, 10)
        records = [_record(rng, f"{world.tag}-c{number}-{next(own.seq)}", rng.choice(fleet)) for _ in range(size)]
        fresh = {r["record_id"] for r in records}
        if rng.random() < 0.1:
            records.append(dict(records[0]))  # the same record twice in one request
        if _post_usage(call, world, reseller, records, fresh, owners, "POST usage") is not None:
            own.batches.append(records)

    def read() -> None:
        customer_id, sim = rng.choice(reseller.sims)
        product_path = f"{base}/products/{reseller.product_id}"
        choices: list[tuple[str, str]] = [
            ("GET customers", f"{base}/customers?limit=25"),
            ("GET customer", f"{base}/customers/{rng.choice([*reseller.customer_ids, reseller.race_customer_id])}"),
            ("GET products", f"{base}/products"),
            ("GET product", product_path),
            ("GET price-plans", f"{base}/price-plans"),
            ("GET sims", f"{base}/customers/{customer_id}/sims"),
            ("GET sim", f"{base}/customers/{customer_id}/sims/{sim}"),
            ("GET account", base),
            ("GET reseller-profile", f"{base}/reseller-profile"),
            ("GET invoices", f"{base}/invoices?limit=20"),
            ("GET billing-runs", f"{base}/billing-runs"),
            ("GET invoice-preview", f"{base}/customers/{customer_id}/invoice-preview?run_date={RUN_DATE}"),
        ]
        op, path = rng.choice(choices)
        if not operator and others and rng.random() < 0.08:  # another tenant's customer: 404, never its data
            other = rng.choice(others)
            target = f"{other.base}/customers/{rng.choice(other.customer_ids)}"
            call("read", "GET other tenant", "GET", target, expect=(), refusals={404: "not_found"})
            return
        call("read", op, "GET", path)

    while budget.take():
        roll = rng.random()
        if roll < 0.60:
            read()
        elif roll < 0.75:
            post_usage()
        elif roll < 0.83 or not own.versions:
            new_customer()
        elif roll < 0.93 or not any(len(sims) < 2 for sims in own.sims.values()):
            patch_customer()
        else:
            assign_sim()


# --- bursts and races --------------------------------------------------------------------------------


def _together(width: int, action: Callable[[int], Answer | None]) -> list[Answer | None]:
    """Run action(0..width-1) in `width` threads released at the same moment."""
    barrier = threading.Barrier(width, timeout=BARRIER_SECONDS)
    answers: list[Answer | None] = [None] * width

    def run(k: int) -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return
        answers[k] = action(k)

    threads = [threading.Thread(target=run, args=(k,), name=f"racer-{k}") for k in range(width)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@dataclass
class Events:
    bursts: int = 0
    bursts_held: int = 0
    burst_posts: int = 0
    races: Counter[str] = field(default_factory=Counter)
    races_held: Counter[str] = field(default_factory=Counter)
    winners: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)


def _burst(n: int, callers: list[Caller], world: World, reseller: Reseller, rng: random.Random, events: Events) -> None:
    width = len(callers)
    size = 1 if n % 2 == 0 else rng.randint(2, 6)
    records = [_record(rng, f"{world.tag}-b{n}-{k}", rng.choice(reseller.sims)[1]) for k in range(size)]
    owners = {sim: customer for customer, sim in reseller.sims}
    answers = _together(
        width,
        lambda k: callers[k](
            "write", "POST usage burst", "POST", f"{reseller.base}/usage", {"records": records}, expect=(202,)
        ),
    )
    events.bursts += 1
    events.burst_posts += width
    world.count("usage records sent", size * width)
    if any(a is None or a.status != 202 for a in answers):
        world.unsure(reseller, records)
        world.fail("bursts", f"burst {n}: not every post was answered 202")
        return
    bodies = [a.json for a in answers if a is not None]
    accepted = sum(b["accepted"] for b in bodies)
    duplicates = sum(b["duplicates"] for b in bodies)
    world.count("usage accepted", accepted)
    world.count("usage duplicates", duplicates)
    each = all(b["accepted"] + b["duplicates"] == size and b["rejected"] == [] for b in bodies)
    if accepted == size and duplicates == size * (width - 1) and each:
        events.bursts_held += 1
        world.confirm(reseller, records, owners)
    else:
        world.fail("bursts", f"burst {n} of {size} records x {width}: accepted {accepted}, duplicates {duplicates}")
        world.unsure(reseller, records)


def _race(
    what: str, n: int, callers: list[Caller], operator: Caller, world: World, reseller: Reseller, events: Events
) -> None:
    """`callers` send a change to one resource with the same If-Match at the same moment."""
    width = len(callers)
    if what == "customer":
        path = f"{reseller.base}/customers/{reseller.race_customer_id}"
        method, op = "PATCH", "PATCH customer race"
        bodies: list[dict[str, Any]] = [{"name": f"Race {n} client {k}"} for k in range(width)]
        field_name = "name"
    else:
        path = f"{reseller.base}/reseller-profile"
        method, op = "PUT", "PUT reseller-profile race"
        bodies = [
            factories.reseller_profile(customer_invoice_type=world.invoice_type, invoice_number_prefix=f"R{n}K{k}-")
            for k in range(width)
        ]
        field_name = "invoice_number_prefix"
    before = operator("race", f"GET {what} before race", "GET", path)
    version = _version(before)
    if version is None:
        world.fail("races", f"{what} race {n}: could not read the resource")
        return
    answers = _together(
        width,
        lambda k: callers[k](
            "write",
            op,
            method,
            path,
            bodies[k],
            headers={"If-Match": f'"{version}"'},
            refusals={412: "precondition_failed"},
        ),
    )
    winners = [k for k, a in enumerate(answers) if a is not None and a.status == 200]
    refused = [k for k, a in enumerate(answers) if a is not None and a.status == 412]
    after = operator("race", f"GET {what} after race", "GET", path)
    events.races[what] += 1
    events.winners[what] += len(winners)
    events.refused[what] += len(refused)
    shown = after.json.get(field_name) if after is not None and after.status == 200 else None
    if (
        len(winners) == 1
        and len(refused) == width - 1
        and _version(after) == version + 1
        and shown == bodies[winners[0]][field_name]
    ):
        events.races_held[what] += 1
        if what == "profile":
            reseller.prefix = bodies[winners[0]]["invoice_number_prefix"]
    else:
        world.fail(
            "races",
            f"{what} race {n}: {len(winners)} x 200, {len(refused)} x 412 of {width}; "
            f"version {version} -> {_version(after)}, {field_name} {shown!r}",
        )
        if shown is not None and what == "profile":
            reseller.prefix = shown


def _coordinator(
    world: World,
    budget: Budget,
    clients_done: threading.Event,
    racers: dict[str, list[Caller]],
    operator: Caller,
    rng: random.Random,
    bursts: int,
    races: int,
    events: Events,
) -> None:
    """Fire the bursts and races spread over the mixed load (event i once i/(n+1) of its budget is spent)."""
    plan = ["burst"] * bursts + ["customer"] * races + ["profile"] * races
    rng.shuffle(plan)
    for i, what in enumerate(plan):
        while budget.spent() < (i + 1) / (len(plan) + 1) and not clients_done.is_set():
            time.sleep(0.02)
        reseller = world.resellers[i % len(world.resellers)]
        if what == "burst":
            _burst(i, racers[reseller.id], world, reseller, rng, events)
        elif what == "customer":
            _race("customer", i, racers[reseller.id], operator, world, reseller, events)
        else:
            _race("profile", i, racers["operator"], operator, world, reseller, events)


# --- verification ------------------------------------------------------------------------------------


def _pages(call: Caller, path: str) -> list[dict[str, Any]]:
    """Every item of a list, page by page."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = f"limit=100&cursor={urllib.parse.quote(cursor)}" if cursor else "limit=100"
        answer = call("verify", f"GET {path.rsplit('/', 1)[-1]} (all)", "GET", f"{path}?{query}")
        if answer is None or answer.status != 200:
            raise SetupFailed(f"could not list {path}")
        items += answer.json["items"]
        cursor = answer.json["next_cursor"]
        if not cursor:
            return items


def _resend_uncertain(call: Caller, world: World) -> None:
    """Batches whose answer was lost are sent again (usage is idempotent), so every record sent is known
    to be stored, and the totals can still be checked."""
    for reseller, records in world.uncertain:
        owners = {sim: customer for customer, sim in reseller.sims}
        with reseller.lock:
            owners.update({sim: c for c, sims in reseller.created.items() for sim in sims})
        for _ in range(3):
            answer = call(
                "verify", "POST usage resend", "POST", f"{reseller.base}/usage", {"records": records}, expect=(202,)
            )
            if answer is not None and answer.status == 202:
                world.confirm(reseller, [r for r in records if r["iccid"] in owners], owners)
                break
            time.sleep(1)


def _expected_usage(
    world: World,
) -> tuple[dict[tuple[str, str, str], Decimal], dict[tuple[str, str, str, str], Decimal]]:
    """Distinct records summed per (customer, iccid, service) and per (customer, cycle start, iccid,
    service), as the table keeps them (every record is dated in the cycle from CYCLE_START)."""
    per_sim: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    per_cycle: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for fact in world.facts.values():
        per_sim[(fact.customer_id, fact.iccid, fact.service)] += fact.quantity
        per_cycle[(fact.customer_id, CYCLE_START, fact.iccid, fact.service)] += fact.quantity
    return per_sim, per_cycle


def _check_preview(preview: dict[str, Any], sims: int, data: Decimal, sms: Decimal) -> list[str]:
    lines = {line["kind"]: line for line in preview["lines"]}
    problems = []
    expected: dict[str, tuple[Decimal, Decimal | None]] = {}
    if sims:
        expected = {"MRC": (Decimal(sims), None), "ACTIVATION": (Decimal(sims), None)}
    if data:
        expected["OVERAGE_DATA"] = (data, _money(data * DATA_PRICE))
    if sms:
        expected["OVERAGE_SMS"] = (sms, _money(sms * SMS_PRICE))
    if set(lines) != set(expected):
        problems.append(f"lines {sorted(lines)}, expected {sorted(expected)}")
    for kind, (quantity, amount) in expected.items():
        line = lines.get(kind)
        if line is None:
            continue
        if Decimal(line["quantity"]) != quantity:
            problems.append(f"{kind} quantity {line['quantity']}, records sent {quantity}")
        if amount is not None and Decimal(line["amount"]) != amount:
            problems.append(f"{kind} amount {line['amount']}, expected {amount}")
    return problems


def _table_totals(
    aws_endpoint: str, table: str, account_id: str, customer_id: str
) -> dict[tuple[str, str, str], Decimal]:
    import boto3

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=aws_endpoint,
        region_name="eu-west-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    totals: dict[tuple[str, str, str], Decimal] = {}
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :usage)",
        "ExpressionAttributeValues": {
            ":pk": {"S": f"ACCOUNT#{account_id}#CUSTOMER#{customer_id}"},
            ":usage": {"S": "USAGE#"},
        },
        "ConsistentRead": True,
    }
    while True:
        answer = dynamodb.query(**kwargs)
        for item in answer["Items"]:
            key = (item["cycle_start"]["S"], item["iccid"]["S"], item["service"]["S"])
            totals[key] = Decimal(item["quantity"]["N"])
        if "LastEvaluatedKey" not in answer:
            return totals
        kwargs["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _download(url: str) -> bytes:
    _require_loopback(url)
    with urllib.request.urlopen(url, timeout=30) as response:  # a presigned URL to the local S3
        body: bytes = response.read()
        return body


def _wait_for_run(call: Caller, path: str, deadline: float) -> dict[str, Any] | None:
    while time.monotonic() < deadline:
        answer = call("verify", "GET billing-run (poll)", "GET", path)
        if answer is not None and answer.status == 200 and answer.json["status"].startswith("COMPLETED"):
            run: dict[str, Any] = answer.json
            return run
        time.sleep(0.25)
    return None


def _verify(
    call: Caller,
    world: World,
    aws_endpoint: str | None,
    table: str,
    billing_timeout: float,
) -> dict[str, Any]:
    _resend_uncertain(call, world)
    per_sim, per_cycle = _expected_usage(world)
    pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="verify")
    report: dict[str, Any] = {}

    billable: dict[str, dict[str, list[str]]] = {}  # reseller id -> customer id -> its SIMs
    everyone: dict[str, list[str]] = {}
    for reseller in world.resellers:
        customers = _pages(call, f"{reseller.base}/customers")
        listed = [c["id"] for c in customers]
        numbers = [c["customer_number"] for c in customers]
        sims: dict[str, list[str]] = defaultdict(list)
        for customer_id, sim in reseller.sims:
            sims[customer_id].append(sim)
        with reseller.lock:
            for customer_id, own in reseller.created.items():
                sims[customer_id] += own
        known = {*reseller.customer_ids, reseller.race_customer_id, *reseller.created}
        if sorted(listed) != sorted(known) or len(set(numbers)) != len(numbers):
            world.fail(
                "customers listed once",
                f"reseller {reseller.index}: listed {len(listed)} ({len(set(listed))} distinct), created {len(known)}",
            )
        everyone[reseller.id] = listed
        billable[reseller.id] = {c: s for c, s in sims.items() if s}

    # Previews: each customer's overage = the distinct records sent for its SIMs (allowances are 0).
    def preview(reseller: Reseller, customer_id: str) -> tuple[str, dict[str, Any] | None]:
        path = f"{reseller.base}/customers/{customer_id}/invoice-preview?run_date={RUN_DATE}"
        answer = call("verify", "GET invoice-preview (check)", "GET", path)
        return customer_id, answer.json if answer is not None and answer.status == 200 else None

    previews: dict[str, dict[str, Any]] = {}
    jobs = [pool.submit(preview, r, c) for r in world.resellers for c in everyone[r.id]]
    by_customer_sims = {c: s for r in world.resellers for c, s in billable[r.id].items()}
    for job in jobs:
        customer_id, body = job.result()
        if body is None:
            world.fail("previews", f"no preview for {customer_id}")
            continue
        previews[customer_id] = body
        fleet = by_customer_sims.get(customer_id, [])
        data = sum((per_sim.get((customer_id, s, "DATA"), Decimal(0)) for s in fleet), Decimal(0))
        sms = sum((per_sim.get((customer_id, s, "SMS"), Decimal(0)) for s in fleet), Decimal(0))
        for problem in _check_preview(body, len(fleet), data, sms):
            world.fail("preview usage = records sent", f"{customer_id}: {problem}")
    report["previews"] = len(previews)

    # The usage totals themselves, per SIM, service and cycle.
    if aws_endpoint is not None:
        checked = 0
        for reseller in world.resellers:
            for customer_id in billable[reseller.id]:
                stored = _table_totals(aws_endpoint, table, reseller.id, customer_id)
                expected = {(d, s, v): q for (c, d, s, v), q in per_cycle.items() if c == customer_id}
                checked += len(stored)
                if stored != expected:
                    lost = {k: v for k, v in expected.items() if stored.get(k) != v}
                    world.fail("usage totals in the table", f"{customer_id}: {len(lost)} of {len(expected)} differ")
        report["usage_totals_checked"] = checked

    # A billing run per reseller, all at once.
    started = time.perf_counter()
    runs: dict[str, str] = {}
    for reseller in world.resellers:
        answer = call(
            "verify", "POST billing-run", "POST", f"{reseller.base}/billing-runs", {"run_date": RUN_DATE}, expect=(202,)
        )
        if answer is not None and answer.status == 202:
            runs[reseller.id] = f"{reseller.base}/billing-runs/{answer.json['id']}"
    deadline = time.monotonic() + billing_timeout
    issued_total = 0
    invoices: list[tuple[Reseller, dict[str, Any]]] = []
    for reseller in world.resellers:
        run = _wait_for_run(call, runs[reseller.id], deadline) if reseller.id in runs else None
        want = len(billable[reseller.id])
        total = len(everyone[reseller.id])
        if run is None:
            world.fail(
                "billing runs", f"reseller {reseller.index}: the run did not complete in {billing_timeout:.0f} s"
            )
            continue
        counts = (run["status"], run["customers"], run["issued"], run["skipped"], run["failed"])
        if counts != ("COMPLETED", total, want, total - want, 0):
            world.fail(
                "billing runs",
                f"reseller {reseller.index}: {counts}, expected COMPLETED {total} customers, {want} issued",
            )
        issued_total += run["issued"]
        mine = _pages(call, f"{reseller.base}/invoices")
        invoices += [(reseller, inv) for inv in mine]
        owners = Counter(inv["customer_id"] for inv in mine)
        if set(owners) != set(billable[reseller.id]) or any(n != 1 for n in owners.values()):
            doubled = [c for c, n in owners.items() if n > 1]
            missing = set(billable[reseller.id]) - set(owners)
            world.fail(
                "one invoice per billable customer",
                f"reseller {reseller.index}: {len(mine)} invoices, {len(doubled)} customers twice, "
                f"{len(missing)} without one, {len(set(owners) - set(billable[reseller.id]))} unexpected",
            )
        numbers = sorted(inv["invoice_number"] for inv in mine)
        # Numbered in the year of their issue date, the day the run ran (a year's counter starts at 1).
        year = max((inv["issue_date"][:4] for inv in mine), default="")
        gapless = [f"{reseller.prefix}{year}-{n:06d}" for n in range(1, len(mine) + 1)]
        if numbers != gapless:
            world.fail(
                "gapless numbers", f"reseller {reseller.index}: {numbers[:3]}..{numbers[-2:]} vs {gapless[:2]}.."
            )
        for inv in mine:
            shown = previews.get(inv["customer_id"])
            if shown is None or (inv["lines"], inv["gross_total"]) != (shown["lines"], shown["gross_total"]):
                world.fail("invoice = preview", f"{inv['invoice_number']} differs from its preview")
            if inv["cycle_start"] != CYCLE_START:
                world.fail("invoice = preview", f"{inv['invoice_number']} bills the cycle from {inv['cycle_start']}")
    report["billing_seconds"] = time.perf_counter() - started
    report["invoices"] = issued_total

    # Each SIM's usage in invoice.json.
    def sim_detail(reseller: Reseller, invoice: dict[str, Any]) -> None:
        path = f"{reseller.base}/invoices/{invoice['id']}/artifacts/json"
        link = call("verify", "GET invoice artifact link", "GET", path)
        if link is None or link.status != 200:
            world.fail("per-SIM usage in invoice.json", f"no json link for {invoice['invoice_number']}")
            return
        document = json.loads(_download(link.json["url"]))
        customer_id = invoice["customer_id"]
        got = {
            (d["iccid"], d["kind"]): Decimal(str(d["quantity"]))
            for d in document["sims"]
            if d["kind"].startswith("OVERAGE_")
        }
        want = {
            (sim, f"OVERAGE_{service}"): quantity
            for (c, sim, service), quantity in per_sim.items()
            if c == customer_id and quantity
        }
        if got != want:
            world.fail("per-SIM usage in invoice.json", f"{invoice['invoice_number']}: {got} vs {want}")

    for done in [pool.submit(sim_detail, r, inv) for r, inv in invoices]:
        done.result()
    pool.shutdown()
    report["invoice_documents_checked"] = len(invoices)
    report["billable_customers"] = sum(len(b) for b in billable.values())
    report["customers"] = sum(len(e) for e in everyone.values())
    return report


# --- the run -----------------------------------------------------------------------------------------


def _figures(recorder: Recorder) -> dict[str, Any]:
    def stats(values: list[float]) -> dict[str, float]:
        return {"n": len(values), "p50": _percentile(values, 50), "p99": _percentile(values, 99)}

    ops = sorted({op for _, op, _, _ in recorder.samples})
    return {
        "latency_ms": {
            "all": stats(recorder.latencies()),
            "read": stats(recorder.latencies("read")),
            "write": stats(recorder.latencies("write")),
        },
        "by_operation": {op: stats(recorder.latencies(op=op)) for op in ops},
    }


def run_load(
    base_url: str,
    aws_endpoint: str | None = None,
    *,
    clients: int = 32,
    requests: int = 1500,
    seconds: float = 90,
    seed: int = 1,
    resellers: int = 4,
    customers: int = 8,
    sims: int = 2,
    bursts: int = 16,
    races: int = 8,
    burst_width: int = 8,
    invoice_type: str = "BOTH",
    table: str = TABLE,
    billing_timeout: float = 240,
) -> dict[str, Any]:
    """Set up, load, verify (see the module's docstring); a dict of figures, with `ok` False on any
    unexpected answer or failed invariant."""
    _require_loopback(base_url)
    if aws_endpoint is not None:
        _require_loopback(aws_endpoint)
    rng = random.Random(seed)
    api = Api(HttpTransport(base_url))
    world = World(tag=uuid.uuid4().hex[:6], resellers=[], invoice_type=invoice_type)
    setup, load, verify = Recorder(), Recorder(), Recorder()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=min(resellers, 4)) as pool:
        jobs = [
            pool.submit(_set_up_reseller, Caller(api.as_operator(), setup), world, n, customers, sims, invoice_type)
            for n in range(resellers)
        ]
        world.resellers = [job.result() for job in jobs]
    setup_seconds = time.perf_counter() - started

    def as_operator(k: int) -> bool:
        """A quarter of each reseller's clients call with an operator's token, the others with the reseller's."""
        return (k // resellers) % 4 == 3

    def caller(reseller: Reseller, k: int) -> Caller:
        return Caller(api.as_operator() if as_operator(k) else api.as_reseller(reseller.id), load)

    budget = Budget(requests, seconds)
    events = Events()
    racers = {r.id: [caller(r, k * resellers) for k in range(burst_width)] for r in world.resellers}
    racers["operator"] = [Caller(api.as_operator(), load) for _ in range(burst_width)]
    clients_done = threading.Event()

    def guarded(target: Callable[..., None]) -> Callable[..., None]:
        """A client that trips over an answer it cannot read is a failure, not a thread that quietly ends."""

        def run(*args: Any) -> None:
            try:
                target(*args)
            except Exception as error:
                world.fail("clients", f"{threading.current_thread().name}: {error!r}")

        return run

    threads = []
    for k in range(clients):
        reseller = world.resellers[k % resellers]
        threads.append(
            threading.Thread(
                target=guarded(_mixed_client),
                args=(k, caller(reseller, k), world, reseller, budget, random.Random(f"{seed}-{k}"), as_operator(k)),
                name=f"client-{k}",
            )
        )
    coordinator = threading.Thread(
        target=guarded(_coordinator),
        args=(world, budget, clients_done, racers, Caller(api.as_operator(), load), rng, bursts, races, events),
        name="coordinator",
    )
    started = time.perf_counter()
    for thread in [*threads, coordinator]:
        thread.start()
    for thread in threads:
        thread.join()
    clients_done.set()
    coordinator.join()
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    try:
        report = _verify(Caller(api.as_operator(), verify), world, aws_endpoint, table, billing_timeout)
    except SetupFailed as error:
        world.fail("verification", str(error))
        report = {}
    verify_seconds = time.perf_counter() - started

    statuses = load.statuses() + setup.statuses() + verify.statuses()
    unexpected = setup.unexpected + load.unexpected + verify.unexpected
    invariants = {
        name: world.counts[f"failed {name}"] == 0
        for name in (
            "clients",
            "usage answers",
            "idempotent create",
            "ETags",
            "bursts",
            "races",
            "customers listed once",
            "previews",
            "preview usage = records sent",
            "usage totals in the table",
            "billing runs",
            "one invoice per billable customer",
            "gapless numbers",
            "invoice = preview",
            "per-SIM usage in invoice.json",
            "verification",
        )
    }
    if aws_endpoint is None:
        invariants.pop("usage totals in the table")
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    result = {
        "clients": clients,
        "resellers": resellers,
        "seed": seed,
        "requests": len(load.samples),
        "seconds": load_seconds,
        "requests_per_second": len(load.samples) / load_seconds,
        **_figures(load),
        "status": {str(status): n for status, n in sorted(statuses.items())},
        "server_errors": server_errors,
        "transport_errors": statuses.get(0, 0),
        "expected_refusals": dict(load.refusals),
        "unexpected": dict(unexpected),
        "unexpected_total": sum(unexpected.values()),
        "usage": {
            "records_sent": world.counts["usage records sent"],
            "distinct_stored": len(world.facts),
            "accepted": world.counts["usage accepted"],
            "duplicates": world.counts["usage duplicates"],
        },
        "bursts": {"n": events.bursts, "width": burst_width, "posts": events.burst_posts, "held": events.bursts_held},
        "races": {
            what: {
                "n": events.races[what],
                "held": events.races_held[what],
                "winners": events.winners[what],
                "refused_412": events.refused[what],
            }
            for what in ("customer", "profile")
        },
        **report,
        "invariants": invariants,
        "failures": world.failures,
        "setup_seconds": setup_seconds,
        "verify_seconds": verify_seconds,
    }
    result["ok"] = result["unexpected_total"] == 0 and server_errors == 0 and all(invariants.values())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=1500, help="the mixed clients' requests, at most")
    parser.add_argument("--seconds", type=float, default=90, help="the mixed load's time, at most")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=600, help="hard limit for the whole script")
    args = parser.parse_args()

    from tests.support.stack import RunningStack

    stack = RunningStack(licensed_features="FT-3001.007")

    def give_up() -> None:
        print(f"load: over the hard limit of {args.timeout:.0f} s; stopping", file=sys.stderr, flush=True)
        stack.kill()
        os._exit(3)

    watchdog = threading.Timer(args.timeout, give_up)
    watchdog.daemon = True
    watchdog.start()
    try:
        result = run_load(
            stack.url,
            stack.aws_endpoint,
            clients=args.clients,
            requests=args.requests,
            seconds=args.seconds,
            seed=args.seed,
        )
    except BaseException:
        print(stack.output()[-4000:], file=sys.stderr)
        stack.kill()
        raise
    stopped = stack.stop()
    watchdog.cancel()
    print(json.dumps(result), flush=True)
    if not result["ok"] or stopped != 0:
        print(json.dumps(result, indent=2), file=sys.stderr)
        print(f"local stack exit status {stopped}; its log's tail:\n{stack.output()[-4000:]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
