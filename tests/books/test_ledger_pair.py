"""The ledger belongs to one Salesforce org and one Conductor end user: after a change of either,
the old ledger is kept aside and the next sync writes everything, skipping nothing."""

from __future__ import annotations

from app.domain.ledger_errors import LEDGER_PAIR_CHANGED
from app.engine import ledger_pair
from app.engine.customer_updates import NAME_TO_CONFIRM
from app.engine.mirror import READ_AFTER
from app.engine.result import RunStatus
from app.store.settings import LEDGER_END_USER_ID, LEDGER_SALESFORCE_ORG_ID, SALESFORCE_ORG_ID
from tests.integration.conftest import World

OTHER_ORG = "00D5g000000OtherEAA"


def test_a_new_org_starts_a_fresh_ledger_and_the_next_sync_writes_everything(
    synced: World,
) -> None:
    world = synced
    world.store.set(SALESFORCE_ORG_ID, world.sf.org_id)  # as the sign-in saves it
    quiet = world.engine.run(trigger="test")
    assert quiet.count("created") + quiet.count("updated") == 0
    assert world.store.get(LEDGER_SALESFORCE_ORG_ID) == world.sf.org_id
    linked = world.store.count_links("invoices")
    assert linked > 100

    world.store.set(SALESFORCE_ORG_ID, OTHER_ORG)  # signed in to another org
    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    notices = [i for i in world.store.run_items(result.run_id, "warning") if i.code]
    # The fresh ledger says so once; the rest are the sample's names that wait for the
    # bookkeeper, asked again because the new ledger has not seen them decided.
    codes = [i.code for i in notices]
    assert codes.count(LEDGER_PAIR_CHANGED) == 1
    assert set(codes) <= {LEDGER_PAIR_CHANGED, NAME_TO_CONFIRM}, codes
    assert "different Salesforce org" in (notices[0].message or "")
    for workflow in ("items", "invoices", "payments"):
        assert result.count("unchanged", workflow) == 0, result.counts
    assert result.count("created", "invoices") + result.count("updated", "invoices") == linked
    [archive] = world.store.ledger_archives()
    assert archive.salesforce_org_id == world.sf.org_id and archive.links > linked
    assert world.store.get(LEDGER_SALESFORCE_ORG_ID) == OTHER_ORG
    # The old ledger's stamps say nothing of when this one's lists were read: the fresh run's
    # cursors carry no read-after stamp, so the next run reads the whole overlap before them.
    assert world.store.get_cursor("invoices", "qb") is not None
    assert world.store.get_cursor("invoices", READ_AFTER) is None

    # Another Conductor end user does the same; the same pair again changes nothing.
    assert ledger_pair.claim(world.store, ledger_pair.Pair(OTHER_ORG, "end_usr_other")) is not None
    assert world.store.count_links() == 0 and len(world.store.ledger_archives()) == 2
    assert world.store.get(LEDGER_END_USER_ID) == "end_usr_other"
    assert ledger_pair.claim(world.store, ledger_pair.Pair(OTHER_ORG, "end_usr_other")) is None
    assert len(world.store.ledger_archives()) == 2
