"""Shared fixtures: offscreen Qt, a fresh data folder and an in-memory keyring for every test."""

from __future__ import annotations

import gc
import importlib
import os
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.platform.memory_keyring import MemoryKeyring

#: Waits between retries, shortened for tests: they count retries and calls, never seconds.
RETRY_WAIT_SCALE = 0.04


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is loaded by now lives all session; frozen, full collections stop walking it again
    (0.3-0.6 s each with the SDKs' models loaded), as the app's own warm-up does."""
    if "conductor" in sys.modules:
        importlib.import_module("conductor.resources.qbd")  # the first QuickBooks call loads it
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True, scope="session")
def _short_retry_waits() -> Iterator[None]:
    """The same retries in the same order, without conductor-py's 0.5 s-8 s backoff or the
    Salesforce client's 0.2 s-4 s waits (a Retry-After a sandbox sends is still obeyed)."""
    import conductor._base_client as conductor_client

    from app.salesforce import retry

    unscaled = retry.delays

    def scaled(retries: int, *args: Any, **kwargs: Any) -> Iterator[float]:
        return (wait * RETRY_WAIT_SCALE for wait in unscaled(retries, *args, **kwargs))

    with pytest.MonkeyPatch.context() as patch:
        for name in ("INITIAL_RETRY_DELAY", "MAX_RETRY_DELAY"):
            patch.setattr(
                conductor_client, name, getattr(conductor_client, name) * RETRY_WAIT_SCALE
            )
        patch.setattr(retry, "delays", scaled)
        yield


@pytest.fixture(autouse=True, scope="session")
def _shared_httpx_trust() -> Iterator[None]:
    """httpx reads the whole CA bundle (0.15 s) for each client it makes, and a QuickBooks client is
    made per test and per command: clients that trust the same bundle share one context."""
    import httpx._transports.default as transport

    unshared = transport.create_ssl_context
    made: dict[tuple[object, ...], ssl.SSLContext] = {}

    def shared(verify: Any = True, cert: Any = None, trust_env: bool = True) -> ssl.SSLContext:
        if verify is not True or cert is not None:
            return unshared(verify=verify, cert=cert, trust_env=trust_env)
        env = [os.environ.get(n) for n in ("SSL_CERT_FILE", "SSL_CERT_DIR")] if trust_env else []
        key = (ssl.SSLContext, trust_env, *env)
        if key not in made:
            made[key] = unshared(verify=verify, cert=cert, trust_env=trust_env)
        return made[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "create_ssl_context", shared)
        yield


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user's data folder or keyring."""
    data_dir = tmp_path / "qbsf-data"
    monkeypatch.setenv("QBSF_DATA_DIR", str(data_dir))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    for name in list(os.environ):
        if name.startswith("QBSF_") and name != "QBSF_DATA_DIR":
            monkeypatch.delenv(name)
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir() -> Path:
    return Path(os.environ["QBSF_DATA_DIR"])
