"""`make locks-check`: each lock pins, with hashes, what its requirement file asks for."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.build.check_locks import LAYER_LOCK, LOCKS, ROOT, check

HASH = "--hash=sha256:" + "0" * 64


def entry(pin: str, marker: str = "") -> str:
    return f"{pin}{marker} \\\n    {HASH} \\\n    {HASH}\n    # via -r x.in\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """Five matching locks: the layer's (pydantic), dev (its .in includes the layer's, plus pytest), and
    three tools."""
    (tmp_path / "layers/dependencies").mkdir(parents=True)
    for name in LOCKS:
        (tmp_path / f"{name}.in").write_text("# a tool\ntool==1.0\n")
        (tmp_path / f"{name}.txt").write_text("# header\n" + entry("tool==1.0"))
    (tmp_path / f"{LAYER_LOCK}.in").write_text("pydantic[email]==2.14.4  # models\n")
    (tmp_path / f"{LAYER_LOCK}.txt").write_text(entry("pydantic==2.14.4") + entry("typing-extensions==4.16.0"))
    (tmp_path / "requirements-dev.in").write_text("-r layers/dependencies/requirements.in\npytest==9.0.3\n")
    (tmp_path / "requirements-dev.txt").write_text(
        entry("pydantic==2.14.4")
        + entry("typing-extensions==4.16.0")
        + entry("pytest==9.0.3")
        + entry("colorama==0.4.6", " ; sys_platform == 'win32'")
    )
    return tmp_path


def test_the_repositorys_locks_match_their_requirement_files():
    assert check(ROOT) == []


def test_matching_locks_pass(tree):
    assert check(tree) == []


def test_a_pin_added_to_the_in_file_but_not_locked_is_found(tree):
    with (tree / "requirements-dev.in").open("a") as source:
        source.write("pytest-socket==0.7.0\n")
    assert check(tree) == ["requirements-dev.txt lacks pytest-socket==0.7.0 of requirements-dev.in: run make lock"]


def test_a_pin_changed_in_an_included_file_is_found_in_both_locks(tree):
    (tree / f"{LAYER_LOCK}.in").write_text("pydantic==2.15.0\n")
    assert check(tree) == [
        f"{LAYER_LOCK}.txt pins pydantic==2.14.4, {LAYER_LOCK}.in wants 2.15.0: run make lock",
        "requirements-dev.txt pins pydantic==2.14.4, requirements-dev.in wants 2.15.0: run make lock",
    ]


def test_an_entry_without_hashes_is_found(tree):
    with (tree / "requirements-sam.txt").open("a") as lock:
        lock.write("babel==2.17.0\n")
    assert check(tree) == ["requirements-sam.txt: babel==2.17.0 has no --hash"]


def test_a_loose_requirement_is_found(tree):
    (tree / "requirements-scan.in").write_text("tool>=1.0\n")
    assert check(tree) == ["requirements-scan.in: 'tool>=1.0' is not an exact pin (name==version)"]


def test_the_dev_lock_must_run_the_layers_versions(tree):
    dev = tree / "requirements-dev.txt"
    dev.write_text(dev.read_text().replace("typing-extensions==4.16.0", "typing_extensions==4.15.0"))
    assert check(tree) == [
        "requirements-dev.txt pins typing-extensions==4.15.0, the layer's lock 4.16.0: run make lock"
    ]


def test_a_missing_lock_is_found(tree):
    (tree / "requirements-pip.txt").unlink()
    assert check(tree) == ["requirements-pip.txt is missing: run make lock"]
