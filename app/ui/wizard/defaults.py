"""What the wizard's fields start with: the saved settings, or the sandboxes' keys in demo mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.quickbooks.setup import DEFAULT_BASE_URL
from app.salesforce.oauth import DEFAULT_PORT
from app.store import Store
from app.store.settings import (
    CONDUCTOR_BASE_URL,
    CONDUCTOR_END_USER_ID,
    CONDUCTOR_PUBLISHABLE_KEY,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_LOGIN_URL,
)
from app.ui.preferences import sign_in_port


@dataclass(frozen=True)
class SetupDefaults:
    conductor_secret_key: str = ""
    conductor_publishable_key: str = ""
    conductor_base_url: str = DEFAULT_BASE_URL
    conductor_end_user_id: str = ""
    salesforce_login_url: str = "production"
    salesforce_client_id: str = ""
    sign_in_port: int = DEFAULT_PORT

    @classmethod
    def from_store(cls, store: Store) -> SetupDefaults:
        settings = store.settings()
        return cls(
            conductor_publishable_key=CONDUCTOR_PUBLISHABLE_KEY.read(settings),
            conductor_base_url=CONDUCTOR_BASE_URL.read(settings) or DEFAULT_BASE_URL,
            conductor_end_user_id=CONDUCTOR_END_USER_ID.read(settings),
            salesforce_login_url=SALESFORCE_LOGIN_URL.read(settings) or "production",
            salesforce_client_id=SALESFORCE_CLIENT_ID.read(settings),
            sign_in_port=sign_in_port(store),
        )

    @classmethod
    def from_sandboxes(cls, info: dict[str, Any], sign_in_port: int) -> SetupDefaults:
        """`info` is `Sandboxes.info()`."""
        return cls(
            conductor_secret_key=info["conductor_secret_key"],
            conductor_publishable_key=info["conductor_publishable_key"],
            conductor_base_url=info["conductor_base_url"],
            conductor_end_user_id=info["conductor_end_user_id"],
            salesforce_login_url=info["salesforce_login_url"],
            salesforce_client_id=info["salesforce_client_id"],
            sign_in_port=sign_in_port,
        )
