"""Check that each lock file matches the requirement file it was compiled from (`make locks-check`).

A lock (`make lock`: `uv pip compile --generate-hashes`) pins every package, direct or not, with the
hashes of its files, so that `pip install --require-hashes` and `sam build` install the same bytes on
every machine. This check is fast and offline; it catches a lock that was not regenerated after its
`.in` changed, or that was edited by hand:

* every requirement of the `.in` (and of the `.in` files it includes with `-r`) is an exact pin
  (`name==version`), and the lock pins that package at that version;
* every entry of the lock is an exact pin with at least one `--hash`;
* packages in both the Lambda layer's lock and the dev lock have the same version there, so the local
  stack and the tests run what Lambda runs.

Usage: python -m infra.build.check_locks   (exit 1 and one line per problem if any)
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYER_LOCK = "layers/dependencies/requirements"
DEV_LOCK = "requirements-dev"
# Each lock and its requirement file are <name>.txt and <name>.in.
LOCKS = (LAYER_LOCK, DEV_LOCK, "requirements-sam", "requirements-scan", "requirements-pip")

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==(?P<version>[^\s;]+)\s*(?:;.*)?$")
_HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    name: str  # normalised (PEP 503)
    version: str
    hashed: bool


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def logical_lines(text: str) -> list[str]:
    """The file's lines with `\\` continuations joined and comments and blank lines left out."""
    joined = re.sub(r"\\\n", " ", text)
    lines = (re.sub(r"(^|\s)#.*$", "", line).strip() for line in joined.splitlines())
    return [line for line in lines if line]


def top_level_pins(path: Path, problems: list[str]) -> dict[str, str]:
    """name -> version of every requirement in a `.in` file and those it includes (`-r file`, relative to
    the including file, as pip and uv read it)."""
    pins: dict[str, str] = {}
    for line in logical_lines(path.read_text()):
        if line.startswith(("-r ", "--requirement ")):
            included = path.parent / line.split(maxsplit=1)[1]
            pins.update(top_level_pins(included, problems))
            continue
        match = _PIN.match(line)
        if match is None:
            problems.append(f"{path.name}: {line!r} is not an exact pin (name==version)")
            continue
        pins[normalise(match["name"])] = match["version"]
    return pins


def locked_pins(path: Path, label: str, problems: list[str]) -> dict[str, Pin]:
    """name -> pin of every entry of a lock file (`label` names it in problems)."""
    pins: dict[str, Pin] = {}
    for line in logical_lines(path.read_text()):
        requirement, *options = line.split(" --", 1)
        match = _PIN.match(requirement.strip())
        if match is None:
            problems.append(f"{label}: {requirement!r} is not an exact pin (name==version)")
            continue
        hashes = _HASH.findall(line)
        rest = _HASH.sub("", f"--{options[0]}" if options else "").strip()
        if rest:
            problems.append(f"{label}: {match['name']} has options a lock does not take: {rest}")
        pin = Pin(normalise(match["name"]), match["version"], hashed=bool(hashes))
        if not pin.hashed:
            problems.append(f"{label}: {match['name']}=={pin.version} has no --hash")
        pins[pin.name] = pin
    return pins


def check(root: Path = ROOT) -> list[str]:
    """Every problem found in the locks under `root`, one line each (none: they match)."""
    problems: list[str] = []
    locks: dict[str, dict[str, Pin]] = {}
    for name in LOCKS:
        source, lock = root / f"{name}.in", root / f"{name}.txt"
        if not lock.exists():
            problems.append(f"{name}.txt is missing: run make lock")
            continue
        wanted = top_level_pins(source, problems)
        locks[name] = locked = locked_pins(lock, f"{name}.txt", problems)
        for package, version in sorted(wanted.items()):
            if package not in locked:
                problems.append(f"{name}.txt lacks {package}=={version} of {name}.in: run make lock")
            elif locked[package].version != version:
                problems.append(
                    f"{name}.txt pins {package}=={locked[package].version}, {name}.in wants {version}: run make lock"
                )
    layer, dev = locks.get(LAYER_LOCK, {}), locks.get(DEV_LOCK, {})
    for package in sorted(layer.keys() & dev.keys()):
        if layer[package].version != dev[package].version:
            problems.append(
                f"{DEV_LOCK}.txt pins {package}=={dev[package].version}, the layer's lock "
                f"{layer[package].version}: run make lock"
            )
    return problems


def main() -> int:
    problems = check()
    for problem in problems:
        print(problem)
    if not problems:
        print(f"locks: {len(LOCKS)} match their requirement files, every entry hashed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
