"""Fixtures: a small seeded Salesforce sandbox per test, reached through the real clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from sf_helpers import client_session, connect
from simple_salesforce import Salesforce

from app.sandbox.salesforce import SalesforceSandbox


@pytest.fixture
def sandbox() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(
        seed=7, qb_customers=12, accounts_extra=4, items=6, opportunities=6
    ) as sb:
        yield sb


@pytest.fixture
def http(sandbox: SalesforceSandbox) -> requests.Session:
    return client_session(sandbox)


@pytest.fixture
def sf(sandbox: SalesforceSandbox) -> Salesforce:
    return connect(sandbox)
