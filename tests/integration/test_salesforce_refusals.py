"""What a real org refuses, met by the engine: a request URI over 16,384 bytes."""

from __future__ import annotations

from typing import Any

from app.engine.result import RunStatus
from app.sandbox.salesforce.uri_limits import MAX_URI_AND_HEADERS
from tests.integration.conftest import World

FAILED_ACCOUNTS = 1_000
#: QuickBooks refuses customer names over 41 characters; the app checks before sending.
TOO_LONG = "Retry Candidate Consolidated Holdings Account"


def _create_accounts(world: World, rows: list[dict[str, Any]]) -> list[str]:
    client = world.engine.salesforce
    ids: list[str] = []
    for start in range(0, len(rows), 200):
        chunk = [{"attributes": {"type": "Account"}, **r} for r in rows[start : start + 200]]
        response = client.session.post(
            f"{client.base}composite/sobjects", json={"allOrNone": True, "records": chunk}
        )
        ids += [r["id"] for r in response.json()]
    return ids


def test_a_retry_of_1000_failed_accounts_keeps_every_query_under_the_uri_limit(
    world: World,
) -> None:
    ids = _create_accounts(
        world,
        [
            {"Name": f"{TOO_LONG} {n:04d}", "Sync_To_QuickBooks__c": True}
            for n in range(FAILED_ACCOUNTS)
        ],
    )
    first = world.engine.run(["customers"])
    failed = world.store.run_items(first.run_id, "failed")
    assert {i.sf_id for i in failed if i.workflow == "customers"} >= set(ids)

    fixed = [{"Id": i, "Name": f"Retried {n:04d}"} for n, i in enumerate(ids)]
    world.engine.salesforce.update("Account", fixed)
    world.sf.app.clear_requests_log()
    retry = world.engine.run(["customers"], retry_of=first.run_id)

    assert retry.status is RunStatus.SUCCEEDED, retry.error
    assert retry.count("created", "customers") == FAILED_ACCOUNTS
    requests = world.sf_requests()
    assert not [r for r in requests if r["status"] in {414, 431}]
    queries = [r for r in requests if r["path"].endswith("/query/") and "Id+IN" in r["query"]]
    assert len(queries) > 1, "the 1,000 ids take several queries"
    assert max(len(r["path"]) + 1 + len(r["query"]) for r in queries) < MAX_URI_AND_HEADERS
