from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from app.platform.credentials import (
    PART_SIZE,
    CredentialStore,
    KeyringLockedError,
    KeyringMissingError,
    Secret,
)
from tests.keyring_backends import LockedKeyring, WindowsLimitKeyring


def test_round_trip_through_configured_backend() -> None:
    store = CredentialStore()
    store.set(Secret.CONDUCTOR_SECRET_KEY, "sk_test_abc")
    assert store.get(Secret.CONDUCTOR_SECRET_KEY) == "sk_test_abc"
    assert keyring.get_password("qbsf", "conductor-secret-key") == "sk_test_abc"
    store.delete(Secret.CONDUCTOR_SECRET_KEY)
    assert store.get(Secret.CONDUCTOR_SECRET_KEY) is None
    store.delete(Secret.CONDUCTOR_SECRET_KEY)  # deleting what is gone is not an error


@pytest.mark.parametrize("length", [PART_SIZE, PART_SIZE + 1, 2560, 7_001])
def test_long_values_are_split_under_the_windows_limit(length: int) -> None:
    keyring.set_keyring(WindowsLimitKeyring())
    value = ("é€" * length)[:length]  # non-ASCII: two UTF-16 bytes each, the worst case
    store = CredentialStore()
    store.set(Secret.SALESFORCE_REFRESH_TOKEN, value)
    assert store.get(Secret.SALESFORCE_REFRESH_TOKEN) == value


def test_the_windows_limit_backend_really_refuses_a_long_value() -> None:
    keyring.set_keyring(WindowsLimitKeyring())
    with pytest.raises(keyring.errors.PasswordSetError):
        keyring.set_password("qbsf", "x", "a" * 1281)


def test_shrinking_a_split_value_removes_the_old_parts() -> None:
    backend = WindowsLimitKeyring()
    keyring.set_keyring(backend)
    store = CredentialStore()
    store.set(Secret.SALESFORCE_REFRESH_TOKEN, "x" * (PART_SIZE * 3 + 5))
    store.set(Secret.SALESFORCE_REFRESH_TOKEN, "short")
    assert store.get(Secret.SALESFORCE_REFRESH_TOKEN) == "short"
    assert backend.get_password("qbsf", "salesforce-refresh-token#part1") is None
    store.set(Secret.SALESFORCE_REFRESH_TOKEN, "y" * (PART_SIZE * 2))
    store.delete(Secret.SALESFORCE_REFRESH_TOKEN)
    assert backend.get_password("qbsf", "salesforce-refresh-token#part2") is None
    assert store.get(Secret.SALESFORCE_REFRESH_TOKEN) is None


def test_missing_keyring_is_a_plain_error() -> None:
    keyring.set_keyring(FailKeyring())
    with pytest.raises(KeyringMissingError) as caught:
        CredentialStore().get(Secret.CONDUCTOR_SECRET_KEY)
    assert "password store" in caught.value.message


def test_locked_keyring_is_a_plain_error() -> None:
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(KeyringLockedError) as caught:
        CredentialStore().set(Secret.CONDUCTOR_SECRET_KEY, "sk_test_x")
    assert "Unlock" in caught.value.message


def test_plaintext_backend_is_refused_unless_configured(tmp_path: Path) -> None:
    from keyrings.alt.file import PlaintextKeyring

    keyring.set_keyring(PlaintextKeyring())
    with pytest.raises(KeyringMissingError):
        CredentialStore().set(Secret.CONDUCTOR_SECRET_KEY, "sk_test_x")


def test_file_backend_named_in_keyring_configuration_works_across_processes(
    tmp_path: Path,
) -> None:
    env_code = (
        "import sys; from app.platform.credentials import CredentialStore;"
        "s = CredentialStore();"
        "s.set('k', sys.argv[1]) if len(sys.argv) > 1 else print(s.get('k'))"
    )
    import os

    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
    }
    subprocess.run([sys.executable, "-c", env_code, "v" * 3000], env=env, check=True)
    out = subprocess.run(
        [sys.executable, "-c", env_code], env=env, check=True, capture_output=True, text=True
    )
    assert out.stdout.strip() == "v" * 3000
