"""Fixtures of the tiers that call a running stack over real HTTP (tests/e2e, tests/fuzz): `python -m
infra.local` (what `make run` starts) in a subprocess on free ports, one per test session, shared by both
tiers (tests/conftest.py registers this module as a plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api, HttpTransport
from tests.support.stack import RunningStack


@pytest.fixture(scope="session")
def stack() -> Iterator[RunningStack]:
    running = RunningStack(licensed_features="FT-3001.007")
    yield running
    assert running.stop() == 0, "the local stack did not stop cleanly on SIGTERM"


@pytest.fixture(scope="session")
def unlicensed_stack() -> Iterator[RunningStack]:
    running = RunningStack(licensed_features="")
    yield running
    assert running.stop() == 0


@pytest.fixture
def api(stack: RunningStack) -> Api:
    return Api(HttpTransport(stack.url))


@pytest.fixture
def operator(api: Api) -> Api:
    return api.as_operator()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failing e2e test, show the tail of the local stack's output next to it."""
    outcome = yield
    report = outcome.get_result()
    running = item.funcargs.get("stack") if hasattr(item, "funcargs") else None
    if report.failed and isinstance(running, RunningStack):
        report.sections.append(("local stack output (tail)", running.output()[-6000:]))
