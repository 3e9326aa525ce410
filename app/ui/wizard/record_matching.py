"""Matching existing records before the first sync: propose account <-> customer links, and link
the ones the bookkeeper accepts (the QuickBooks id on the account, the pair in the ledger)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.matching import ACCOUNT_EMAIL_FIELD, ACCOUNT_LINK_FIELD, MatchProposal, ProposedLink
from app.domain.matching import propose_links as propose_pairs
from app.engine.engine import SyncEngine
from app.store import Link, Store

WORKFLOW = "customers"
#: Proposals the bookkeeper turned down, as [account id, customer id] pairs.
SKIPPED_SETTING = "matching.skipped"
_ACCOUNT_FIELDS = f"Id, Name, Phone, {ACCOUNT_EMAIL_FIELD}, {ACCOUNT_LINK_FIELD}"


@dataclass(frozen=True)
class Applied:
    linked: int
    failed: tuple[str, ...]  # one plain sentence per pair that could not be linked


def propose(engine: SyncEngine) -> MatchProposal:
    accounts = engine.salesforce.query_all(f"SELECT {_ACCOUNT_FIELDS} FROM Account")  # noqa: S608
    linked = {link.qb_id for link in engine.store.links(WORKFLOW)}
    customers = [
        c for c in engine.quickbooks.list_all("customer") if str(c.get("id")) not in linked
    ]
    return propose_pairs(accounts, customers)


def apply(engine: SyncEngine, accepted: list[ProposedLink]) -> Applied:
    if not accepted:
        return Applied(0, ())
    rows = [{"Id": p.account_id, ACCOUNT_LINK_FIELD: p.customer_id} for p in accepted]
    results = engine.salesforce.update("Account", rows)
    links, failed = [], []
    for pair, result in zip(accepted, results, strict=True):
        if result.get("success"):
            links.append(Link(WORKFLOW, pair.customer_id, pair.account_id, None))
        else:
            errors = result.get("errors") or [{}]
            reason = errors[0].get("message") or "Salesforce refused the change"
            failed.append(f"{pair.account_name}: {reason}")
    engine.store.upsert_links(links)
    return Applied(len(links), tuple(failed))


def remember_skipped(store: Store, skipped: list[ProposedLink]) -> None:
    earlier = store.get_setting(SKIPPED_SETTING) or []
    pairs = {tuple(p) for p in earlier} | {(p.account_id, p.customer_id) for p in skipped}
    store.set_setting(SKIPPED_SETTING, sorted([list(p) for p in pairs]))
