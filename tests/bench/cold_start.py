"""Figure 4: cold start, as the median time to import each handler module in a fresh process, next to
`import boto3` alone measured the same way in the same run. Also: which modules pull in fpdf2 or Babel
(the PDF renderer's libraries, which no API handler should import), and what importing Babel costs."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from infra import template

ROOT = Path(__file__).resolve().parents[2]
RUNS = 9
# What every API handler imports before any code of ours: botocore (through PynamoDB), Powertools' event
# handler with OpenAPI validation (pydantic), Logger and Metrics.
FLOOR = ",".join(
    (
        "botocore.client",
        "pynamodb.models",
        "aws_lambda_powertools.event_handler",
        "aws_lambda_powertools.event_handler.openapi.params",
        "aws_lambda_powertools.logging",
        "aws_lambda_powertools.metrics",
    )
)
PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
for name in sys.argv[1].split(","):
    importlib.import_module(name)
elapsed = time.perf_counter() - started
print(json.dumps({"ms": elapsed * 1000, "fpdf": "fpdf" in sys.modules, "babel": "babel" in sys.modules}))
"""


ENV = {
    "PATH": os.environ.get("PATH", ""),
    "PYTHONPATH": f"{ROOT / 'layers/shared'}{os.pathsep}{ROOT}",
    "AWS_REGION": "eu-west-1",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "TABLE_NAME": "reseller-billing",
    "LICENSED_FEATURES": "FT-3001.007",
}


def _probe(module: str) -> tuple[float, bool, bool]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], env=ENV, cwd=ROOT, capture_output=True, text=True, check=True
    )
    result = json.loads(out.stdout)
    return float(result["ms"]), bool(result["fpdf"]), bool(result["babel"])


def main() -> None:
    # Lambda cannot write __pycache__ next to the code, so `make build` ships bytecode compiled ahead;
    # measure the same way (here timestamp-checked, so later edits of the sources are never shadowed).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j0",
            str(ROOT / "layers/shared"),
            str(ROOT / "functions"),
        ],
        check=True,
        capture_output=True,
    )
    modules = {
        name: ".".join(d.module_path.relative_to(template.ROOT).with_suffix("").parts)
        for name, d in template.functions().items()
    }
    api = {name for name, d in template.functions().items() if any(e["Type"] == "Api" for e in d.events.values())}
    targets = {"boto3": "boto3", "floor": FLOOR, "babel": "babel.numbers,babel.dates", **modules}
    samples: dict[str, list[float]] = {name: [] for name in targets}
    fpdf: dict[str, bool] = dict.fromkeys(targets, False)
    babel: dict[str, bool] = dict.fromkeys(targets, False)
    for _ in range(RUNS):  # round-robin, so that a noisy moment hits every module alike
        for name, module in targets.items():
            ms, with_fpdf, with_babel = _probe(module)
            samples[name].append(ms)
            fpdf[name] = fpdf[name] or with_fpdf
            babel[name] = babel[name] or with_babel
    boto3_ms = statistics.median(samples.pop("boto3"))
    floor_ms = statistics.median(samples.pop("floor"))
    babel_ms = statistics.median(samples.pop("babel"))
    handlers = {
        name: {
            "ms": statistics.median(times),
            "ratio": statistics.median(times) / boto3_ms,
            "api": name in api,
            "imports_fpdf": fpdf[name],
            "imports_babel": babel[name],
        }
        for name, times in sorted(samples.items())
    }
    print(json.dumps({"boto3_ms": boto3_ms, "floor_ms": floor_ms, "babel_ms": babel_ms, "handlers": handlers}))


if __name__ == "__main__":
    main()
