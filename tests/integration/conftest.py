"""Engine test fixtures: both sandboxes over real HTTP(S), the real SDKs, a real SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce

from app.domain.mapping_file import default_mapping
from app.engine.context import EngineSettings
from app.engine.engine import SyncEngine
from app.quickbooks import QuickBooks, QuickBooksConfig
from app.salesforce.client import SalesforceClient
from app.salesforce.session import TokenSession
from app.sandbox.launcher import Sandboxes, start_sandboxes
from app.store import Store, open_store
from app.store.settings import GO_LIVE_DATE

#: A go-live date before every won opportunity of the sample org.
SAMPLE_GO_LIVE = "2025-01-01"


@dataclass
class World:
    sandboxes: Sandboxes
    store: Store
    engine: SyncEngine
    session: TokenSession

    @property
    def qb(self) -> Any:
        return self.sandboxes.conductor.qb

    @property
    def sf(self) -> Any:
        return self.sandboxes.salesforce

    def sf_records(self, sobject: str) -> list[dict[str, Any]]:
        return self.sf.records(sobject)

    def qb_requests(self) -> list[dict[str, Any]]:
        return self.sandboxes.conductor.requests()

    def sf_requests(self) -> list[dict[str, Any]]:
        return self.sf.requests()

    def simple_salesforce(self) -> Salesforce:
        """simple-salesforce signed in to the sandbox org, as a Salesforce user's tools are."""
        session = requests.Session()
        session.verify = self.sf.ca_pem_path
        session.trust_env = False
        return Salesforce(
            instance_url=self.sf.instance_url,
            session_id=self.sf.issue_access_token(),
            session=session,
            version="62.0",
        )


def refresher_for(sandboxes: Sandboxes) -> Any:
    """Trades the sandbox's refresh token for a new access token, as the OAuth code does."""
    tokens = sandboxes.salesforce.issue_tokens()
    state = {"refresh": tokens["refresh_token"]}

    def refresh() -> str:
        response = requests.post(
            f"{sandboxes.salesforce.login_url}/services/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": state["refresh"],
                "client_id": sandboxes.salesforce.client_id,
            },
            verify=str(sandboxes.salesforce.ca_pem_path),
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        state["refresh"] = body.get("refresh_token", state["refresh"])
        return str(body["access_token"])

    return tokens["access_token"], refresh


def build_world(
    sandboxes: Sandboxes, data_dir: Path, settings: EngineSettings | None = None
) -> World:
    info = sandboxes.info()
    qb = QuickBooks(
        QuickBooksConfig(
            info["conductor_base_url"],
            info["conductor_secret_key"],
            info["conductor_end_user_id"],
            timeout_s=10,
            read_retries=2,
        )
    )
    token, refresh = refresher_for(sandboxes)
    session = TokenSession(token, refresher=refresh, verify=info["ca_bundle"], timeout_s=10)
    sf = SalesforceClient(info["salesforce_instance_url"], session)
    store = open_store(data_dir / "sync.sqlite3")
    # Setup chose a go-live date before the sample org's won deals.
    store.set(GO_LIVE_DATE, SAMPLE_GO_LIVE)
    engine = SyncEngine(
        store,
        qb,
        sf,
        default_mapping(),
        data_dir / "sync.lock",
        settings or EngineSettings(bulk_poll_s=0.05),
    )
    return World(sandboxes, store, engine, session)


@pytest.fixture
def world(data_dir: Path) -> Iterator[World]:
    with start_sandboxes(seed=7) as sandboxes:
        w = build_world(sandboxes, data_dir)
        yield w
        w.store.close()
        assert sandboxes.conductor.schema_violations == [], "every response matches the spec"
