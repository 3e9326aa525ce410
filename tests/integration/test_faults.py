"""Faults in the middle of a run: the run stops or carries on as it should, and nothing doubles."""

from __future__ import annotations

from collections import Counter

from app.engine.events import CancelToken, Progress
from app.engine.result import RunStatus
from tests.integration.conftest import World


def _assert_exactly_once(world: World) -> None:
    invoices = Counter(
        r["QuickBooks_Invoice_Id__c"] for r in world.sf_records("QuickBooks_Invoice__c")
    )
    assert set(invoices) == {i["id"] for i in world.qb.all("invoice")}
    assert max(invoices.values()) == 1
    names = Counter(c["name"] for c in world.qb.all("customer"))
    assert max(names.values()) == 1


def test_expired_token_is_refreshed_and_the_run_continues(world: World) -> None:
    world.sf.add_fault("expired_token", method="PATCH", path="QuickBooks_Invoice__c", skip=1)
    result = world.engine.run()
    assert result.status is RunStatus.SUCCEEDED, result.error
    assert world.session.refreshes == 1
    _assert_exactly_once(world)


def test_api_limit_stops_cleanly_and_the_next_run_resumes(world: World) -> None:
    used = world.sf.api_usage
    world.sf.set_config(daily_limit=used + 12)
    result = world.engine.run()
    assert result.status is RunStatus.STOPPED_LIMIT
    assert result.error is not None and "request" in result.error.what_happened.lower()
    mirrored = len(world.sf_records("QuickBooks_Invoice__c")) + len(
        world.sf_records("QuickBooks_Payment__c")
    )
    assert mirrored < len(world.qb.all("invoice")) + len(world.qb.all("receive_payment"))
    world.sf.set_config(daily_limit=1_000_000)
    again = world.engine.run()
    assert again.status is RunStatus.SUCCEEDED, again.error
    _assert_exactly_once(world)


def test_quickbooks_dialog_stops_the_run_for_attention_and_it_resumes_later(world: World) -> None:
    world.sandboxes.conductor.add_fault("qb_dialog", path="invoices", times=None)
    result = world.engine.run()
    assert result.status is RunStatus.NEEDS_ATTENTION
    assert result.error is not None and result.error.needs_someone_at_quickbooks
    world.sandboxes.conductor.clear_faults()
    again = world.engine.run()
    assert again.status is RunStatus.SUCCEEDED, again.error
    _assert_exactly_once(world)


def test_customer_create_whose_answer_is_lost_is_linked_not_doubled(world: World) -> None:
    assert world.engine.run(["customers"]).status is RunStatus.SUCCEEDED
    created = world.engine.salesforce.session.post(
        f"{world.engine.salesforce.base}sobjects/Account/",
        json={"Name": "Lost Reply Plumbing", "Sync_To_QuickBooks__c": True},
    )
    account_id = created.json()["id"]
    requests_before = len(world.qb_requests())
    world.sandboxes.conductor.add_fault("drop", method="POST", path="customers$", after_commit=True)
    first = world.engine.run(["customers"])
    assert first.status is RunStatus.PARTIAL
    [item] = [i for i in world.store.run_items(first.run_id, "failed") if i.sf_id == account_id]
    assert item.code == "NEEDS_VERIFICATION"
    second = world.engine.run(["customers"])
    assert second.status is RunStatus.SUCCEEDED, second.error
    matches = [c for c in world.qb.all("customer") if c["name"] == "Lost Reply Plumbing"]
    assert len(matches) == 1
    account = next(a for a in world.sf_records("Account") if a["Id"] == account_id)
    assert account["QuickBooks_Customer_Id__c"] == matches[0]["id"]
    posts = [
        r
        for r in world.qb_requests()[requests_before:]
        if r["method"] == "POST" and r["path"].endswith("/customers")
    ]
    assert len(posts) == 1, "the create was sent once and looked up, not sent again"


def test_cancel_keeps_what_was_committed(world: World) -> None:
    cancel = CancelToken()

    def progress(event: Progress) -> None:
        if event.workflow == "invoices" and event.done >= 150:
            cancel.cancel()

    result = world.engine.run(progress=progress, cancel=cancel)
    assert result.status is RunStatus.CANCELLED
    kept = world.sf_records("QuickBooks_Invoice__c")
    assert 0 < len(kept) < len(world.qb.all("invoice"))
    assert world.store.count_links("invoices") == len(kept)
    assert world.store.get_cursor("invoices", "qb") is None
    again = world.engine.run()
    assert again.status is RunStatus.SUCCEEDED
    _assert_exactly_once(world)
