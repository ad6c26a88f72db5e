"""`make bench`: every performance figure of docs/scaling.md, measured in one run, one line each.

Each figure runs in a fresh process of its own (moto in-process, the local stack, cold imports), so that
one measurement cannot warm up or slow down another.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "500"))
SIMS = int(os.environ.get("BENCH_SIMS", "5"))
LOAD_CLIENTS = int(os.environ.get("BENCH_LOAD_CLIENTS", "32"))
LOAD_REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "1500"))
USAGE_RECORDS = int(os.environ.get("BENCH_USAGE_RECORDS", "20000"))
STOCK_RANGE = int(os.environ.get("BENCH_STOCK_RANGE", "100000"))
FLEET_CUSTOMERS = int(os.environ.get("BENCH_FLEET_CUSTOMERS", "1000"))
FLEET_SIMS = int(os.environ.get("BENCH_FLEET_SIMS", "100"))
LARGE_SIMS = [int(n) for n in os.environ.get("BENCH_LARGE_SIMS", "10000,30000,100000").split(",")]


def _figure(module: str, *args: object) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/shared'}{os.pathsep}{ROOT}"}
    out = subprocess.run(
        [sys.executable, "-m", f"tests.bench.{module}", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"tests.bench.{module} failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def line(label: str, value: str, detail: str) -> None:
    print(f"{label:<44} {value:>18}   {detail}", flush=True)


def load_lines(load: dict[str, Any]) -> None:
    """Figure 6, from tests.bench.load's answer."""
    latency, usage, bursts = load["latency_ms"], load["usage"], load["bursts"]
    races = load["races"]
    line(
        "6. Load: mixed reads and writes at once",
        f"{load['requests_per_second']:.1f} req/s",
        f"{load['requests']} requests from {load['clients']} clients on {load['resellers']} resellers "
        f"in {load['seconds']:.0f} s, local stack",
    )
    line(
        "   latency p50 / p99",
        f"{latency['all']['p50']:.0f} / {latency['all']['p99']:.0f} ms",
        f"reads {latency['read']['p50']:.0f} / {latency['read']['p99']:.0f} ms, writes "
        f"{latency['write']['p50']:.0f} / {latency['write']['p99']:.0f} ms (one invocation at a time per function)",
    )
    line(
        "   errors",
        f"{load['server_errors']} 5xx, {load['unexpected_total']} other",
        "expected refusals: "
        + (", ".join(f"{code} x {n}" for code, n in sorted(load["expected_refusals"].items())) or "none"),
    )
    line(
        f"   bursts: one usage batch from {bursts['width']} at once",
        f"{bursts['held']}/{bursts['n']} counted once",
        f"usage: {usage['records_sent']} records sent, {usage['accepted']} accepted, {usage['duplicates']} duplicates",
    )
    line(
        f"   races: one If-Match from {bursts['width']} at once",
        f"{races['customer']['held'] + races['profile']['held']}/{races['customer']['n'] + races['profile']['n']} "
        "one winner",
        f"PATCH customer {races['customer']['winners']} x 200, {races['customer']['refused_412']} x 412; "
        f"PUT profile {races['profile']['winners']} x 200, {races['profile']['refused_412']} x 412; version + 1",
    )
    line(
        "   invariants",
        "held" if load["ok"] else "FAILED",
        f"usage per SIM and day = records sent; {load['invoices']} invoices, one per customer with SIMs, "
        "numbered without gaps, each = its preview",
    )


def main() -> None:
    started = time.perf_counter()
    python = sys.version.split()[0]
    print(f"Benchmarks: {CUSTOMERS} customers x {SIMS} SIMs, BOTH; Python {python}, {os.cpu_count()} CPU\n")

    requests = _figure("requests_per_invoice", CUSTOMERS, SIMS)
    wide = _figure("requests_per_invoice", max(CUSTOMERS // 5, 20), SIMS * 4)
    line(
        "1. AWS requests per issued invoice",
        f"{requests['requests_per_invoice']:.2f} req/invoice",
        f"{requests['requests']} requests for {requests['issued']} invoices; target <= 6",
    )
    line(
        "   by operation",
        "",
        ", ".join(f"{op} {n:g}" for op, n in requests["by_operation"].items()),
    )
    line(
        "   largest transaction",
        f"{requests['largest_transaction_bytes'] / 1024:.0f} KB",
        f"{requests['largest_transaction_actions']} actions; DynamoDB takes 4,096 KB and 100",
    )
    line(
        f"   same with {wide['sims_per_customer']} SIMs per customer",
        f"{wide['requests_per_invoice']:.2f} req/invoice",
        f"{wide['issued']} invoices: no request count grows with SIMs",
    )

    engine = _figure("engine")
    line(
        "2. Billing engine throughput (1 core)",
        f"{engine['invoices_per_second']:,.0f} invoices/s",
        f"{engine['microseconds_per_invoice']:.0f} us per invoice, 10 SIMs, {engine['lines']} lines; target >= 5,000/s",
    )

    pdf = _figure("pdf")
    line(
        "3. PDF render, one page, bundled DejaVu",
        f"{pdf['bundled_ms']:.1f} ms",
        f"median of 50 in a warm process; core Helvetica {pdf['core_ms']:.1f} ms",
    )
    line("   ratio to core Helvetica", f"{pdf['ratio']:.2f}x", "target <= 2.5x")
    line("   first render in a process", f"{pdf['first_render_ms']:.0f} ms", "includes parsing both TTF fonts once")
    line(
        f"   {pdf['long_pages']}-page invoice",
        f"{pdf['long_ms']:.0f} ms",
        f"{pdf['long_bytes'] / 1024:.0f} KB, header repeated on every page",
    )
    line(
        "   one-page PDF size", f"{pdf['one_page_bytes'] / 1024:.1f} KB", "Unicode names, subset font; target <= 40 KB"
    )

    cold = _figure("cold_start")
    line(
        "4. Cold start: import boto3 alone",
        f"{cold['boto3_ms']:.0f} ms",
        "median of 9 fresh processes, bytecode compiled",
    )
    line(
        "   libraries every API handler needs",
        f"{cold['floor_ms']:.0f} ms {cold['floor_ms'] / cold['boto3_ms']:.2f}x",
        "botocore (PynamoDB), Powertools event handler + OpenAPI validation (pydantic), Logger, Metrics",
    )
    line(
        "   Babel (the PDF renderer's locale data)",
        f"{cold['babel_ms']:.0f} ms",
        "babel.numbers + babel.dates; only the invoice worker may import it",
    )
    for name, handler in sorted(cold["handlers"].items(), key=lambda kv: (not kv[1]["api"], kv[0])):
        kind = "API" if handler["api"] else "billing"
        fpdf = "; imports fpdf2!" if handler["imports_fpdf"] else ""
        babel = "; imports Babel!" if handler["imports_babel"] and handler["api"] else ""
        line(
            f"   import {name}",
            f"{handler['ms']:.0f} ms {handler['ratio']:.2f}x",
            f"{kind}{' target <= 1.5x' if handler['api'] else ''}{fpdf}{babel}",
        )

    local = _figure("local_run", CUSTOMERS, SIMS)
    line(
        "5. End-to-end local run",
        f"{local['invoices_per_second']:.1f} invoices/s",
        f"{local['issued']} invoices in {local['seconds']:.0f} s on the local stack (moto server, one worker)",
    )
    line(
        "   worker peak memory",
        f"{local['worker_peak_heap_mb']:.1f} MB",
        f"Python heap over a batch of 40 (tracemalloc); whole local stack RSS {local['process_max_rss_mb']:.0f} MB",
    )

    load_lines(_figure("load", "--clients", LOAD_CLIENTS, "--requests", LOAD_REQUESTS))

    ingestion = _figure("usage_ingestion", USAGE_RECORDS)
    line(
        "7. Usage file ingestion",
        f"{ingestion['records_per_second']:,.0f} records/s",
        f"{ingestion['records']:,} records ({ingestion['file_mb']:.1f} MB NDJSON) in {ingestion['seconds']:.0f} s "
        "from the moto server (moto is the bottleneck)",
    )
    line(
        "   CPU of the ingestion itself",
        f"{ingestion['cpu_ms_per_1000']:.0f} ms / 1,000",
        "parsing, checks, requests built and read; DynamoDB's work is moto's",
    )
    line(
        "   memory",
        f"{ingestion['peak_heap_mb']:.1f} MB heap",
        f"peak Python heap over {ingestion['heap_records']:,} records (tracemalloc); "
        f"process max RSS {ingestion['max_rss_mb']:.0f} MB",
    )
    writes, units = ingestion["dynamodb_write_requests_per_1000"], ingestion["dynamodb_write_units_per_1000"]
    line(
        "   DynamoDB writes per 1,000 records",
        f"{writes:.1f} req, {units:,.0f} WCU",
        ", ".join(f"{op} {n:g}" for op, n in ingestion["dynamodb_requests_per_1000"].items()),
    )

    stock = _figure("stock_allocation", STOCK_RANGE)
    line(
        f"8. SIM stock: a range of {stock['range']:,} ICCIDs",
        f"{stock['range_seconds']:.0f} s",
        f"{stock['iccids_per_second']:,.0f} ICCIDs/s in the background after a 202 in "
        f"{stock['range_answer_ms']:.0f} ms, local stack, one allocation worker",
    )
    line(
        "   1,000 listed ICCIDs / a SIM batch of 1,000",
        f"{stock['list_1000_seconds']:.1f} s / {stock['batch_1000_seconds']:.1f} s",
        "answered while the request waits (API Gateway allows 29 s)",
    )
    large_fleets()
    print(f"\n(all figures measured in this run, {time.perf_counter() - started:.0f} s)")


def large_fleets() -> None:
    """Figure 9: large fleets, within DynamoDB's limits (enforced locally)."""
    fleet = _figure("requests_per_invoice", FLEET_CUSTOMERS, FLEET_SIMS)
    line(
        f"9. A run of {fleet['customers']:,} customers x {fleet['sims_per_customer']} SIMs",
        f"{fleet['requests_per_invoice']:.2f} req/invoice",
        f"{fleet['issued']:,} invoices in {fleet['seconds']:.0f} s (moto in-process); target <= 6",
    )
    line(
        "   largest transaction",
        f"{fleet['largest_transaction_bytes'] / 1024:.0f} KB",
        f"{fleet['largest_transaction_actions']} actions; DynamoDB takes 4,096 KB and 100",
    )
    for sims in LARGE_SIMS:
        large = _figure("large_invoice", sims)
        line(
            f"   one customer with {sims:,} SIMs",
            f"{large['seconds']:.1f} s",
            f"large-customer worker ({large['seconds'] - large['read_seconds']:.1f} s without the Query moto "
            f"answers); heap peak {large['peak_heap_mb']:.0f} MB (tracemalloc), "
            f"RSS peak {large['max_rss_mb']:.0f} MB; invoice.json {large['artifact_bytes']['json'] / 2**20:.1f} MB",
        )


if __name__ == "__main__":
    main()
