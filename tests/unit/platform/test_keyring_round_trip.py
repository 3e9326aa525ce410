"""`doctor --check-keyring`: a 5,000-character secret through the password store and back."""

from __future__ import annotations

import pytest
from keyring.backends.fail import Keyring as NoKeyring

from app import cli
from app.platform.credentials import ROUND_TRIP_NAME, CredentialStore, keyring_round_trip
from app.platform.memory_keyring import MemoryKeyring


class ShortKeyring(MemoryKeyring):
    """A store that keeps only the first 500 characters of what it is given."""

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password[:500])


def test_a_long_secret_goes_round_and_leaves_nothing_behind() -> None:
    backend = MemoryKeyring()
    assert keyring_round_trip(CredentialStore(backend=backend)) is None
    assert backend._values == {}


def test_a_store_that_cuts_secrets_short_is_reported_without_the_value() -> None:
    problem = keyring_round_trip(CredentialStore(backend=ShortKeyring()))
    assert problem is not None
    assert problem.startswith("A 5,000-character value was saved but")


def test_no_password_store_is_reported() -> None:
    problem = keyring_round_trip(CredentialStore(backend=NoKeyring()))
    assert problem is not None and problem.startswith("No password store found")
    assert CredentialStore().get(ROUND_TRIP_NAME) is None


def test_doctor_runs_the_round_trip_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["doctor", "--skip-schema-check", "--check-keyring"])
    out = capsys.readouterr().out
    assert "Password store" in out
    assert "Saved, read back and removed a 5,000-character test secret." in out
