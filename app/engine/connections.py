"""Building the two clients from settings + keyring, or from QBSF_* variables for headless use.

The variables map one to one onto the JSON line `python -m app sandbox` prints, so a script can
point a headless sync at the sandboxes (or at a real org with a ready access token).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import certifi

from app.platform.credentials import CredentialStore, Secret
from app.quickbooks import QuickBooks, QuickBooksConfig
from app.salesforce.client import SalesforceClient
from app.salesforce.session import Refresher, TokenSession
from app.store import Store

ENV_QB_BASE_URL = "QBSF_CONDUCTOR_BASE_URL"
ENV_QB_SECRET_KEY = "QBSF_CONDUCTOR_SECRET_KEY"  # noqa: S105 - a variable name
ENV_QB_END_USER = "QBSF_CONDUCTOR_END_USER_ID"
ENV_SF_INSTANCE_URL = "QBSF_SALESFORCE_INSTANCE_URL"
ENV_SF_ACCESS_TOKEN = "QBSF_SALESFORCE_ACCESS_TOKEN"  # noqa: S105 - a variable name
ENV_CA_BUNDLE = "QBSF_CA_BUNDLE"

DEFAULT_CONDUCTOR_URL = "https://api.conductor.is/v1"


class NotConnectedError(Exception):
    def __init__(self, system: str, what_to_do: str) -> None:
        super().__init__(f"{system} is not connected. {what_to_do}")
        self.system = system


@dataclass(frozen=True)
class SalesforceSettings:
    instance_url: str
    login_url: str | None
    client_id: str | None


def trust_store(data_dir: Path) -> str | bool:
    """The CA bundle to verify Salesforce with: the system's, plus QBSF_CA_BUNDLE when set."""
    extra = os.environ.get(ENV_CA_BUNDLE)
    if not extra:
        return True
    combined = data_dir / "ca-bundle.pem"
    data = Path(certifi.where()).read_bytes() + b"\n" + Path(extra).read_bytes()
    if not combined.exists() or combined.read_bytes() != data:
        combined.write_bytes(data)
    return str(combined)


def quickbooks_from(store: Store, credentials: CredentialStore) -> QuickBooks:
    base_url = os.environ.get(ENV_QB_BASE_URL) or store.get_setting(
        "conductor.base_url", DEFAULT_CONDUCTOR_URL
    )
    end_user = os.environ.get(ENV_QB_END_USER) or store.get_setting("conductor.end_user_id")
    key = None
    if end_user:
        key = os.environ.get(ENV_QB_SECRET_KEY) or credentials.get(Secret.CONDUCTOR_SECRET_KEY)
    if not key or not end_user:
        raise NotConnectedError(
            "QuickBooks", "Run the setup (or `connect quickbooks`) to connect it through Conductor."
        )
    return QuickBooks(QuickBooksConfig(base_url=base_url, secret_key=key, end_user_id=end_user))


def salesforce_from(
    store: Store,
    credentials: CredentialStore,
    data_dir: Path,
    refresher_factory: RefresherFactory | None = None,
) -> SalesforceClient:
    verify = trust_store(data_dir)
    token = os.environ.get(ENV_SF_ACCESS_TOKEN)
    instance = os.environ.get(ENV_SF_INSTANCE_URL)
    if token and instance:
        return SalesforceClient(instance, TokenSession(token, verify=verify))
    settings = SalesforceSettings(
        instance_url=store.get_setting("salesforce.instance_url", ""),
        login_url=store.get_setting("salesforce.login_url"),
        client_id=store.get_setting("salesforce.client_id"),
    )
    if not settings.instance_url or refresher_factory is None:
        raise NotConnectedError(
            "Salesforce", "Sign in to Salesforce in the setup (or `connect salesforce`)."
        )
    refresher = refresher_factory(settings, verify)
    return SalesforceClient(
        settings.instance_url, TokenSession(refresher(), refresher=refresher, verify=verify)
    )


class RefresherFactory(Protocol):
    """Builds the function that trades the stored refresh token for a new access token."""

    def __call__(self, settings: SalesforceSettings, verify: str | bool) -> Refresher: ...
