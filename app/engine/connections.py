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

from app.domain.errors import UserFacingError, not_connected
from app.platform.credentials import CredentialStore, Secret
from app.quickbooks import QuickBooks, QuickBooksConfig
from app.salesforce.client import SalesforceClient
from app.salesforce.session import Refresher, TokenSession
from app.store import Store
from app.store.settings import (
    CONDUCTOR_BASE_URL,
    CONDUCTOR_END_USER_ID,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
)

ENV_QB_BASE_URL = "QBSF_CONDUCTOR_BASE_URL"
ENV_QB_SECRET_KEY = "QBSF_CONDUCTOR_SECRET_KEY"  # noqa: S105 - a variable name
ENV_QB_END_USER = "QBSF_CONDUCTOR_END_USER_ID"
ENV_SF_INSTANCE_URL = "QBSF_SALESFORCE_INSTANCE_URL"
ENV_SF_ACCESS_TOKEN = "QBSF_SALESFORCE_ACCESS_TOKEN"  # noqa: S105 - a variable name
ENV_CA_BUNDLE = "QBSF_CA_BUNDLE"

DEFAULT_CONDUCTOR_URL = "https://api.conductor.is/v1"


class NotConnectedError(UserFacingError):
    """No saved connection to `system` ("QuickBooks" or "Salesforce") on this PC."""

    def __init__(self, system: str) -> None:
        super().__init__(not_connected(system))
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
    base_url = (
        os.environ.get(ENV_QB_BASE_URL) or store.get(CONDUCTOR_BASE_URL) or DEFAULT_CONDUCTOR_URL
    )
    end_user = os.environ.get(ENV_QB_END_USER) or store.get(CONDUCTOR_END_USER_ID)
    key = None
    if end_user:
        key = os.environ.get(ENV_QB_SECRET_KEY) or credentials.get(Secret.CONDUCTOR_SECRET_KEY)
    if not key or not end_user:
        raise NotConnectedError("QuickBooks")
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
        instance_url=store.get(SALESFORCE_INSTANCE_URL),
        login_url=store.get(SALESFORCE_LOGIN_URL) or None,
        client_id=store.get(SALESFORCE_CLIENT_ID) or None,
    )
    if not settings.instance_url or refresher_factory is None:
        raise NotConnectedError("Salesforce")
    refresher = refresher_factory(settings, verify)
    return SalesforceClient(
        settings.instance_url, TokenSession(refresher(), refresher=refresher, verify=verify)
    )


class RefresherFactory(Protocol):
    """Builds the function that trades the stored refresh token for a new access token."""

    def __call__(self, settings: SalesforceSettings, verify: str | bool) -> Refresher: ...
