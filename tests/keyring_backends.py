"""Keyring backends for tests, chosen through keyring's own configuration."""

from __future__ import annotations

from keyring.errors import KeyringLocked, PasswordSetError

from app.platform.memory_keyring import MemoryKeyring

#: Windows Credential Manager's CRED_MAX_CREDENTIAL_BLOB_SIZE (5 * 512 bytes).
WINDOWS_BLOB_LIMIT = 2560


class WindowsLimitKeyring(MemoryKeyring):
    """Refuses values whose UTF-16 form exceeds the Windows limit, as Credential Manager does."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password.encode("utf-16-le")) > WINDOWS_BLOB_LIMIT:
            raise PasswordSetError("CredWrite: The stub received bad data (blob too large)")
        super().set_password(service, username, password)


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")
