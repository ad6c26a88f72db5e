"""Unit tests run with the network blocked (pytest-socket): whatever they test, it does no I/O beyond
files. Integration tests (moto in-process) and e2e tests (a local stack over HTTP) are the other tiers."""

import pytest


@pytest.fixture(autouse=True)
def _no_sockets(socket_disabled: None) -> None:
    """Any socket opened by a unit test raises pytest_socket.SocketBlockedError."""
