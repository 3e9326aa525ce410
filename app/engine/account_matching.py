"""Matching existing Salesforce accounts and QuickBooks customers before the first sync.

The setup proposes pairs (`app.domain.matching`); the bookkeeper links or skips each. Linking
writes the customer's QuickBooks id on the account and the pair in the ledger, the same write a
sync makes when it links a customer itself, so it runs under the run lock like any sync.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.matching import MatchProposal, ProposedLink, propose_links
from app.engine.customers import WORKFLOW, mark_accounts, read_accounts, skipped_pairs
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient
from app.store import Store
from app.store.settings import MATCHING_SKIPPED


@dataclass(frozen=True)
class LinkedMatches:
    linked: int
    #: One plain sentence per pair that could not be linked.
    failed: tuple[str, ...]


def propose(store: Store, salesforce: SalesforceClient, quickbooks: QuickBooks) -> MatchProposal:
    """Pairs of accounts and not yet linked customers that look like the same company."""
    linked = {link.qb_id for link in store.links(WORKFLOW)}
    customers = [c for c in quickbooks.list_all("customer") if str(c.get("id")) not in linked]
    return propose_links(read_accounts(salesforce), customers)


def link(
    store: Store,
    salesforce: SalesforceClient,
    accepted: Sequence[ProposedLink],
    skipped: Sequence[ProposedLink],
) -> LinkedMatches:
    """Link the accepted pairs; remember the skipped ones, so no sync links them later."""
    remember_skipped(store, skipped)
    links, refused = mark_accounts(salesforce, accepted)
    store.upsert_links(links)
    failed = tuple(f"{r.pair.account_name}: {r.plain}" for r in refused)
    return LinkedMatches(len(links), failed)


def remember_skipped(store: Store, skipped: Sequence[ProposedLink]) -> None:
    pairs = skipped_pairs(store) | {(p.account_id, p.customer_id) for p in skipped}
    store.set(MATCHING_SKIPPED, sorted([list(p) for p in pairs]))
