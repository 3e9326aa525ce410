"""Salesforce calls trust exactly the CA file they are given, read once: a server signed by
another CA is refused, and new connections reuse the verified context instead of reading the
file again (the sandbox closes every connection, so each call opens one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import trustme

from app.salesforce.session import TokenSession, TrustAdapter
from app.sandbox.salesforce import SalesforceSandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(seed=3, qb_customers=2, accounts_extra=0, items=1) as running:
        yield running


def _limits(session: TokenSession, sandbox: SalesforceSandbox) -> requests.Response:
    return session.get(f"{sandbox.instance_url}/services/data/v62.0/limits/")


def test_the_given_ca_is_trusted_and_each_new_connection_reuses_one_context(
    sandbox: SalesforceSandbox,
) -> None:
    session = TokenSession(sandbox.issue_access_token(), verify=sandbox.ca_pem_path)
    adapter = session.get_adapter(sandbox.instance_url)
    assert isinstance(adapter, TrustAdapter)
    for _ in range(3):
        assert _limits(session, sandbox).status_code == 200
    pools = list(adapter.poolmanager.pools._container.values())
    assert len(pools) == 1
    [pool] = pools
    assert pool.ca_certs is None and pool.ca_cert_dir is None
    assert pool.conn_kw["ssl_context"] is adapter.context


def test_a_server_signed_by_another_ca_is_refused(
    sandbox: SalesforceSandbox, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    session = TokenSession(sandbox.issue_access_token(), verify=str(other))
    with pytest.raises(requests.exceptions.SSLError):
        _limits(session, sandbox)
