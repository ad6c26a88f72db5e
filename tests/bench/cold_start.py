"""Figure 4: cold start, as the median time to import each handler module in a fresh process, next to
`import boto3` alone measured the same way in the same run. Also: which modules pull in fpdf2."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from infra import template

ROOT = Path(__file__).resolve().parents[2]
RUNS = 7
PROBE = """
import importlib, json, sys, time
started = time.perf_counter()
importlib.import_module(sys.argv[1])
elapsed = time.perf_counter() - started
print(json.dumps({"ms": elapsed * 1000, "fpdf": "fpdf" in sys.modules}))
"""


def _import_ms(module: str) -> tuple[float, bool]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'layers/shared'}{os.pathsep}{ROOT}",
        "AWS_REGION": "eu-west-1",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "TABLE_NAME": "reseller-billing",
        "LICENSED_FEATURES": "FT-3001.007",
    }
    samples, fpdf = [], False
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, module], env=env, cwd=ROOT, capture_output=True, text=True, check=True
        )
        result = json.loads(out.stdout)
        samples.append(result["ms"])
        fpdf = fpdf or result["fpdf"]
    return statistics.median(samples), fpdf


def main() -> None:
    modules = {
        name: ".".join(d.module_path.relative_to(template.ROOT).with_suffix("").parts)
        for name, d in template.functions().items()
    }
    api = {name for name, d in template.functions().items() if any(e["Type"] == "Api" for e in d.events.values())}
    boto3_ms, _ = _import_ms("boto3")
    handlers = {}
    for name, module in sorted(modules.items()):
        ms, fpdf = _import_ms(module)
        handlers[name] = {"ms": ms, "ratio": ms / boto3_ms, "api": name in api, "imports_fpdf": fpdf}
    print(json.dumps({"boto3_ms": boto3_ms, "handlers": handlers}))


if __name__ == "__main__":
    main()
