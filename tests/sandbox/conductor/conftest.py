"""Fixtures: a running Conductor sandbox and the real conductor-py client pointed at it.

Every sandbox checks, on teardown, that no response failed the spec's schema and that no
request crashed the sandbox, so each test also proves its responses match Conductor's API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import conductor
import pytest
from conductor_sandbox_support import assert_clean, client_for

from app.sandbox.conductor import ConductorSandbox


@pytest.fixture
def make_sandbox() -> Iterator[Callable[..., ConductorSandbox]]:
    made: list[ConductorSandbox] = []

    def make(**options: Any) -> ConductorSandbox:
        sandbox = ConductorSandbox(**options).start()
        made.append(sandbox)
        return sandbox

    yield make
    for sandbox in made:
        _close_in_background(sandbox)
    for sandbox in made:
        assert_clean(sandbox)


def _close_in_background(sandbox: ConductorSandbox) -> None:
    """Stopping waits for the server loop's next poll (up to half a second); no test needs to."""
    threading.Thread(target=sandbox.close, name="close-sandbox", daemon=True).start()


@pytest.fixture
def sb(make_sandbox: Callable[..., ConductorSandbox]) -> ConductorSandbox:
    """A fresh, writable sandbox per test (small company so it starts fast)."""
    return make_sandbox(seed=11, customers=12, items=8, invoices=40, payments=20)


@pytest.fixture(scope="module")
def shared() -> Iterator[ConductorSandbox]:
    """The default-sized company, shared by tests that only read."""
    sandbox = ConductorSandbox(seed=7).start()
    yield sandbox
    _close_in_background(sandbox)
    assert_clean(sandbox)


@pytest.fixture
def client(sb: ConductorSandbox) -> conductor.Conductor:
    return client_for(sb)


@pytest.fixture(scope="module")
def shared_client(shared: ConductorSandbox) -> conductor.Conductor:
    return client_for(shared)
