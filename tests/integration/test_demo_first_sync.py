"""What demo mode's first sync ends with, and why: every pair of the sample that bears the same
company name is linked without asking, but two of them spell it differently on the two sides
("TIDEWATER BAKERY LLC", "Granite Builders and Sons"), and which spelling both keep is the
bookkeeper's choice, so the tray says two changes wait for a decision instead of "Up to date".

The world is the demo's sample company: seed 7, the default size, a go-live date before its deals.
"""

from __future__ import annotations

from app.domain.matching import normalise_name
from app.domain.owned_fields import ConflictKind
from app.engine.customer_updates import NAME_TO_CONFIRM
from app.engine.match_decisions import Keep
from app.engine.result import RunStatus
from app.engine.standing import State, standing
from tests.integration.conftest import World


def test_the_first_sync_links_same_name_pairs_and_asks_only_which_spelling_to_keep(
    world: World,
) -> None:
    result = world.engine.run(trigger="demo")
    assert result.status is RunStatus.SUCCEEDED, result.error

    assert world.store.open_matches() == [], "no pair of the sample waits to be linked"
    conflicts = world.store.open_conflicts()
    assert len(conflicts) == 2, conflicts
    warned = {i.qb_id for i in world.store.run_items(result.run_id) if i.code == NAME_TO_CONFIRM}
    assert warned == {c.qb_id for c in conflicts}
    assert result.count("warning", "customers") == 2
    accounts = {a["Id"]: a for a in world.sf_records("Account")}
    spellings = []
    for conflict in conflicts:
        assert (conflict.field, conflict.kind) == ("Account name", ConflictKind.NEW_NAME.value)
        qb_name, sf_name = conflict.quickbooks["name"], conflict.salesforce["name"]
        assert qb_name != sf_name and normalise_name(qb_name) == normalise_name(sf_name)
        link = world.store.link_by_qb("customers", conflict.qb_id)
        assert link is not None and link.sf_id == conflict.sf_id, "linked without asking"
        assert accounts[conflict.sf_id]["QuickBooks_Customer_Id__c"] == conflict.qb_id
        assert world.qb.get(conflict.qb_id)["name"] == qb_name, "QuickBooks was not renamed"
        assert accounts[conflict.sf_id]["Name"] == sf_name, "Salesforce was not renamed"
        spellings.append((qb_name, sf_name))
    assert any(q != s and q.casefold() == s.casefold() for q, s in spellings), (
        "one pair differs in letter case only"
    )

    first = standing(world.store)
    assert first.state is State.DECISIONS_WAITING
    assert first.line == "2 changes wait for your decision: Show them"

    kept = {}
    for conflict, keep in zip(conflicts, (Keep.QUICKBOOKS, Keep.SALESFORCE), strict=True):
        decided = world.engine.resolve_conflict(conflict.id, keep)
        assert decided.done, decided.message
        kept[conflict.qb_id] = (
            conflict.quickbooks if keep is Keep.QUICKBOOKS else conflict.salesforce
        )
    accounts = {a["Id"]: a for a in world.sf_records("Account")}
    for conflict in conflicts:
        name = kept[conflict.qb_id]["name"]
        assert world.qb.get(conflict.qb_id)["name"] == name
        assert accounts[conflict.sf_id]["Name"] == name
    assert standing(world.store).state is State.IN_STEP

    again = world.engine.run(trigger="demo")
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert again.count("warning") == 0 and again.count("conflict") == 0
    assert world.store.open_conflicts() == []
    after = standing(world.store)
    assert after.state is State.IN_STEP and after.line.startswith("Up to date"), after.line
