"""Integration tests: the real handlers and services against moto (in-process), one fresh AWS per test.

One `mock_aws` runs for the whole session and is reset before each test: clients the service caches
(PynamoDB's connection, boto3 clients) are created after it starts, so moto sees every call."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from moto import mock_aws

from infra import template
from infra.local import moto_patches
from infra.local.aws import LocalResources, provision
from reseller_billing.settings import get_settings

moto_patches.apply()
_MOCK = mock_aws()
_MOCK.start()


@pytest.fixture(autouse=True)
def aws() -> Iterator[LocalResources]:
    _MOCK.reset()
    resources = provision({"Stage": "test", "LicensedFeatures": "FT-3001.007"})
    os.environ.update(resources.function_environment())
    get_settings.cache_clear()
    yield resources
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def functions():
    from infra.local.lambda_runtime import load_functions

    return load_functions()


@pytest.fixture(scope="session")
def gateway(functions):
    from infra.local.gateway import Gateway
    from infra.openapi import build_spec

    return Gateway(template.api_routes(), functions, "local-dev-secret", build_spec)


@pytest.fixture
def queues(functions, aws):
    """Deliver what is on the billing queues to their functions, as Lambda's event source mappings would."""
    from tests.support.billing import QueueDriver

    return QueueDriver(functions, aws)


@pytest.fixture
def api(gateway):
    from tests.support.api import Api, WsgiTransport

    return Api(WsgiTransport(gateway))


@pytest.fixture
def operator(api):
    return api.as_operator()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):
    """Sets the day the service believes it is (its clock is the real one until a test sets it)."""
    from tests.support.clock import Clock

    return Clock(monkeypatch)


@pytest.fixture
def unlicensed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LICENSED_FEATURES", "")
    get_settings.cache_clear()
