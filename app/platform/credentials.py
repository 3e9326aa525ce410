"""Secrets (Conductor secret key, Salesforce refresh token) in the OS keyring, and nowhere else.

No plaintext fallback: when the keyring is missing or locked, the caller gets a `CredentialError`
that says so in plain words. Windows Credential Manager caps one entry near 2,560 bytes (UTF-16),
so longer values are split into numbered parts and joined back on read.
"""

from __future__ import annotations

import contextlib
import os
import threading
from enum import StrEnum

import keyring
import keyring.core
import keyring.errors
from keyring.backend import KeyringBackend

from app import APP_ID

#: Characters per keyring entry; 1,000 UTF-16 characters stay well under Windows' 2,560 bytes.
PART_SIZE = 1000
_PARTS_MARK = "qbsf-parts:"


class Secret(StrEnum):
    """Names of the keyring entries (not the secrets themselves)."""

    CONDUCTOR_SECRET_KEY = "conductor-secret-key"  # noqa: S105
    SALESFORCE_REFRESH_TOKEN = "salesforce-refresh-token"  # noqa: S105


class CredentialError(Exception):
    """The keyring could not be used; `title` and `message` are meant for the user."""

    def __init__(self, title: str, message: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message


class KeyringMissingError(CredentialError):
    pass


class KeyringLockedError(CredentialError):
    pass


class CredentialStore:
    def __init__(self, service: str = APP_ID, backend: KeyringBackend | None = None) -> None:
        self.service = service
        self._backend = backend
        self._lock = threading.Lock()

    def _keyring(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        # keyring's "fail" backend means no usable keyring on this system; a plaintext file
        # backend picked up automatically is no better, unless configured on purpose.
        if type(backend).__module__.startswith("keyring.backends.fail") or (
            _is_plaintext(backend) and not _chosen_explicitly(backend)
        ):
            raise KeyringMissingError(
                "No password store found",
                "This computer has no system password store (keyring) that the app can use, "
                "so it cannot keep your Salesforce and QuickBooks connection secrets safely. "
                "On Windows this is Credential Manager; on Linux install and unlock a Secret "
                "Service keyring (for example GNOME Keyring).",
            )
        return backend

    def get(self, name: Secret | str) -> str | None:
        with self._lock:
            backend = self._keyring()
            head = self._call(backend.get_password, self.service, str(name))
            if head is None or not head.startswith(_PARTS_MARK):
                return head
            count = int(head[len(_PARTS_MARK) :])
            parts = []
            for index in range(1, count + 1):
                part = self._call(backend.get_password, self.service, _part_name(name, index))
                if part is None:
                    raise CredentialError(
                        "A saved secret is incomplete",
                        f"Part {index} of {count} of the saved {name} is missing from the "
                        "password store. Connect again to save it anew.",
                    )
                parts.append(part)
            return "".join(parts)

    def set(self, name: Secret | str, value: str) -> None:
        with self._lock:
            backend = self._keyring()
            old = self._call(backend.get_password, self.service, str(name))
            if len(value) <= PART_SIZE and not value.startswith(_PARTS_MARK):
                self._call(backend.set_password, self.service, str(name), value)
                self._delete_parts(backend, name, old)
                return
            parts = [value[i : i + PART_SIZE] for i in range(0, len(value), PART_SIZE)]
            for index, part in enumerate(parts, start=1):
                self._call(backend.set_password, self.service, _part_name(name, index), part)
            self._call(backend.set_password, self.service, str(name), f"{_PARTS_MARK}{len(parts)}")
            if old and old.startswith(_PARTS_MARK):
                for index in range(len(parts) + 1, int(old[len(_PARTS_MARK) :]) + 1):
                    self._delete_quietly(backend, _part_name(name, index))

    def delete(self, name: Secret | str) -> None:
        with self._lock:
            backend = self._keyring()
            old = self._call(backend.get_password, self.service, str(name))
            if old is None:
                return
            self._delete_parts(backend, name, old)
            self._delete_quietly(backend, str(name))

    def _delete_parts(self, backend: KeyringBackend, name: Secret | str, old: str | None) -> None:
        if old and old.startswith(_PARTS_MARK):
            for index in range(1, int(old[len(_PARTS_MARK) :]) + 1):
                self._delete_quietly(backend, _part_name(name, index))

    def _delete_quietly(self, backend: KeyringBackend, username: str) -> None:
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._call(backend.delete_password, self.service, username)

    @staticmethod
    def _call(func, *args):  # type: ignore[no-untyped-def]
        try:
            return func(*args)
        except keyring.errors.KeyringLocked as exc:
            raise KeyringLockedError(
                "The password store is locked",
                "Unlock your system password store (keyring), then try again.",
            ) from exc
        except keyring.errors.NoKeyringError as exc:
            raise KeyringMissingError(
                "No password store found",
                "This computer has no system password store (keyring) the app can use.",
            ) from exc
        except keyring.errors.PasswordDeleteError:
            raise
        except keyring.errors.KeyringError as exc:
            raise CredentialError(
                "The password store refused the request",
                f"The system password store reported a problem: {type(exc).__name__}. "
                "Check that it is unlocked and working, then try again.",
            ) from exc


def _is_plaintext(backend: KeyringBackend) -> bool:
    kind = type(backend)
    return kind.__module__.startswith("keyrings.alt") and "Plaintext" in kind.__name__


def _chosen_explicitly(backend: KeyringBackend) -> bool:
    """True when keyring's own configuration (environment or keyringrc.cfg) names this backend."""
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if os.environ.get("PYTHON_KEYRING_BACKEND") == name:
        return True
    configured = keyring.core.load_config()
    return configured is not None and type(configured) is type(backend)


def _part_name(name: Secret | str, index: int) -> str:
    return f"{name}#part{index}"


#: The entry `keyring_round_trip` writes and removes; never a real secret's name.
ROUND_TRIP_NAME = "round-trip-check"


def keyring_round_trip(store: CredentialStore, length: int = 5000) -> str | None:
    """Save a random `length`-character value, read it back and delete it; None when all went
    well, else what went wrong in plain words (never the value)."""
    import secrets

    value = secrets.token_urlsafe(length)[:length]
    try:
        store.set(ROUND_TRIP_NAME, value)
        try:
            read = store.get(ROUND_TRIP_NAME)
        finally:
            store.delete(ROUND_TRIP_NAME)
    except CredentialError as exc:
        return f"{exc.title}. {exc.message}"
    if read != value:
        got = "nothing" if read is None else f"{len(read):,} different characters"
        return f"A {length:,}-character value was saved but {got} came back."
    if store.get(ROUND_TRIP_NAME) is not None:
        return "The test value could not be removed again."
    return None
