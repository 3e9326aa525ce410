"""An in-memory keyring backend for demo mode and tests.

Selected through keyring's own configuration: `keyring.set_keyring(MemoryKeyring())`, or
`PYTHON_KEYRING_BACKEND=app.platform.memory_keyring.MemoryKeyring`.
"""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 0.1  # type: ignore[assignment]  # never chosen unless asked for

    def __init__(self) -> None:
        super().__init__()
        self._values: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get_password(self, service: str, username: str) -> str | None:
        with self._lock:
            return self._values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        with self._lock:
            self._values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        with self._lock:
            if self._values.pop((service, username), None) is None:
                raise PasswordDeleteError(f"no secret named {username!r}")
