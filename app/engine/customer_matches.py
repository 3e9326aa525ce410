"""Matches a sync meets but may not make: an account and a customer that only may be one company.

A sync links a pair only when it is sure (`ProposedLink.sure`); every weaker pair (the same email
or phone only, a similar name, a name shared by several records, or emails that differ) goes to
the Matches to confirm list and neither side is linked or created meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.domain.matching import (
    AmbiguousMatch,
    MatchBasis,
    MatchProposal,
    ProposedLink,
    propose_links,
)
from app.domain.outcomes import Outcome
from app.domain.quickbooks_ids import is_quickbooks_id
from app.domain.workflows import WorkflowId
from app.engine.context import RunContext
from app.engine.recorder import ItemOutcome
from app.store import Store
from app.store.settings import MATCHING_SKIPPED

WORKFLOW = WorkflowId.CUSTOMERS
MATCH_TO_CONFIRM = "MATCH_TO_CONFIRM"
#: Candidates listed per shared key; a key shared more widely says little about either record.
MAX_CANDIDATES = 5


def rejected_pairs(store: Store) -> set[tuple[str, str]]:
    """(account, customer) pairs the bookkeeper said are different companies."""
    skipped = {(str(a), str(c)) for a, c in store.get(MATCHING_SKIPPED)}
    return skipped | store.rejected_matches()


def candidates(
    proposal: MatchProposal,
    accounts: Mapping[str, Mapping[str, Any]],
    customers: Mapping[str, Mapping[str, Any]],
    rejected: set[tuple[str, str]],
) -> list[ProposedLink]:
    """The pairs of a proposal to put before the bookkeeper: weaker links and the pairs of each
    shared key, leaving out pairs already rejected."""
    pairs = list(proposal.to_confirm)
    for match in proposal.ambiguous:
        pairs.extend(_ambiguous_pairs(match, accounts, customers))
    return [p for p in pairs if (p.account_id, p.customer_id) not in rejected]


def propose(ctx: RunContext, pairs: Sequence[ProposedLink]) -> None:
    if pairs and not ctx.dry_run:
        ctx.store.propose_matches(
            (p.account_id, p.customer_id, p.basis.value, p.account_name, p.customer_name, p.reason)
            for p in pairs
        )


def waiting(
    name: str, qb_id: str | None, sf_id: str | None, pairs: Sequence[ProposedLink], *, of: str
) -> ItemOutcome:
    """The outcome of a record that waits for a match to be confirmed; `of` is "account" or
    "customer": the side `name` is on."""
    others = sorted({p.customer_name if of == "account" else p.account_name for p in pairs})
    where = "QuickBooks customer" if of == "account" else "Salesforce account"
    reasons = sorted({p.reason for p in pairs})
    return ItemOutcome(
        workflow=WORKFLOW,
        record_key=name,
        outcome=Outcome.SKIPPED,
        qb_id=qb_id,
        sf_id=sf_id,
        code=MATCH_TO_CONFIRM,
        message=(
            f"{name} may be the same company as the {where} {' or '.join(others)} "
            f"({'; '.join(reasons)}). Nothing was linked or created: confirm or reject the "
            "match under Matches to confirm (or: qbsf match list)."
        ),
    )


class UnlinkedCustomers:
    """For accounts marked for QuickBooks that have no customer yet: the pairs every Salesforce
    account and every unlinked top-level QuickBooks customer make, read once per run."""

    def __init__(self, ctx: RunContext, accounts: list[dict[str, Any]]) -> None:
        linked = {link.qb_id for link in ctx.store.links(WORKFLOW)}
        customers = [
            c
            for c in ctx.quickbooks.list_all("customer", status="all")
            if str(c.get("id")) not in linked and is_quickbooks_id(c.get("id"))
        ]
        self.proposal = propose_links(accounts, customers)
        self.accounts = {str(a.get("Id")): a for a in accounts}
        self.customers = {str(c.get("id")): c for c in customers}
        self.rejected = rejected_pairs(ctx.store)

    def for_account(self, sf_id: str) -> tuple[ProposedLink | None, list[ProposedLink]]:
        """The sure pair of this account, or the pairs to confirm (both empty: create it)."""
        sure = next((p for p in self.proposal.sure if p.account_id == sf_id), None)
        if sure is not None and (sure.account_id, sure.customer_id) not in self.rejected:
            return sure, []
        pairs = candidates(self.proposal, self.accounts, self.customers, self.rejected)
        return None, [p for p in pairs if p.account_id == sf_id]


def _ambiguous_pairs(
    match: AmbiguousMatch,
    accounts: Mapping[str, Mapping[str, Any]],
    customers: Mapping[str, Mapping[str, Any]],
) -> Iterable[ProposedLink]:
    for account_id in match.account_ids[:MAX_CANDIDATES]:
        for customer_id in match.customer_ids[:MAX_CANDIDATES]:
            yield ProposedLink(
                account_id,
                customer_id,
                MatchBasis(match.basis),
                _name(accounts.get(account_id), "Name"),
                _name(customers.get(customer_id), "name"),
                shared=True,
            )


def _name(record: Mapping[str, Any] | None, key: str) -> str:
    value = (record or {}).get(key)
    return value if isinstance(value, str) else ""
