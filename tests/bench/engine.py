"""Figure 2: invoices computed per second by the pure billing rules on one core (10 SIMs, 4 lines)."""

from __future__ import annotations

import json
import time

from reseller_billing.billing.engine import compute_invoice
from tests.bench.workload import billing_input


def main() -> None:
    inp = billing_input(10)
    result = compute_invoice(inp)
    assert len(result.lines) == 4, result.lines
    best = float("inf")
    rounds = 2000
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(rounds):
            compute_invoice(inp)
        best = min(best, (time.perf_counter() - started) / rounds)
    print(
        json.dumps(
            {"invoices_per_second": 1 / best, "microseconds_per_invoice": best * 1e6, "lines": len(result.lines)}
        )
    )


if __name__ == "__main__":
    main()
