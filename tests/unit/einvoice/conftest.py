"""One compilation of the schemas and schematron stylesheets per test session (per xdist worker)."""

from collections.abc import Callable

import pytest

from infra.einvoice import validate as validator


@pytest.fixture(scope="session")
def validate() -> Callable[[bytes], validator.Report]:
    """`infra.einvoice.validate.validate`, its stylesheets compiled before the first test uses it."""
    validator.prepare()
    return validator.validate
