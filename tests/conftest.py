"""Environment for every test, set before any service module is imported (the data-access layer binds
the table's name and region when it is imported); the e-invoice validator every tier uses."""

import os
from collections.abc import Callable
from typing import Any

import pytest

os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="eu-west-1",
    AWS_REGION="eu-west-1",
    TABLE_NAME="reseller-billing-test",
    LICENSED_FEATURES="FT-3001.007",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="ResellerBilling",
    POWERTOOLS_SERVICE_NAME="reseller-billing",
    POWERTOOLS_LOG_LEVEL="WARNING",
    POWERTOOLS_METRICS_DISABLED="true",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)

# The local stack of the e2e and fuzz tiers, defined once so that the two share one per session.
pytest_plugins = ["tests.support.stack_fixtures"]


@pytest.fixture(scope="session")
def validate() -> Callable[[bytes], Any]:
    """`infra.einvoice.validate.validate` (XSD + official EN 16931 schematron), its schemas and stylesheets
    compiled once per session (per xdist worker) before the first test uses it."""
    from infra.einvoice import validate as validator

    validator.prepare()
    return validator.validate
