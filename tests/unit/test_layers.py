"""The package's layers point one way: handlers -> api / logic -> dal -> models, with the billing rules
below them all. Only dal/ knows PynamoDB; the billing rules do no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers/shared/reseller_billing"

# Which parts of the package (and which libraries) each part must not import.
FORBIDDEN = {
    "billing": (
        "reseller_billing.api",
        "reseller_billing.dal",
        "reseller_billing.logic",
        "reseller_billing.models",
        "reseller_billing.integration",
        "reseller_billing.rendering",
        "boto3",
        "botocore",
        "pynamodb",
    ),
    "models": (
        "reseller_billing.api",
        "reseller_billing.dal",
        "reseller_billing.logic",
        "reseller_billing.integration",
        "pynamodb",
    ),
    "dal": (
        "reseller_billing.api",
        "reseller_billing.logic",
        "reseller_billing.integration",
        "reseller_billing.rendering",
    ),
    "logic": ("reseller_billing.api", "reseller_billing.dal.items", "reseller_billing.dal.attributes", "pynamodb"),
    "integration": ("reseller_billing.api", "reseller_billing.dal", "reseller_billing.logic", "pynamodb"),
    "rendering": ("reseller_billing.api", "reseller_billing.dal", "reseller_billing.logic", "boto3", "pynamodb"),
    "api": ("reseller_billing.dal", "reseller_billing.logic", "pynamodb"),
    "functions": ("reseller_billing.dal", "pynamodb"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _modules(part: str) -> list[Path]:
    folder = ROOT / "functions" if part == "functions" else PACKAGE / part
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_a_part_imports_nothing_above_it(part):
    crossings = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _modules(part)
        for name in sorted(_imports(path))
        if any(name == banned or name.startswith(f"{banned}.") for banned in FORBIDDEN[part])
    ]
    assert not crossings, "\n".join(crossings)


def test_only_dal_knows_the_storage_items():
    outside = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in [*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
        if PACKAGE / "dal" not in path.parents
        for name in sorted(_imports(path))
        if name.startswith(("pynamodb", "reseller_billing.dal.items", "reseller_billing.dal.attributes"))
    ]
    assert not outside, "\n".join(outside)
