"""The ledger belongs to one pair: one Salesforce org and one Conductor end user. Pointed at
another (a new sign-in, another company file), it would skip every record it thinks unchanged;
so on a change the ledger is set aside, kept, and a fresh one starts: the next sync writes all.

The org id is the one Salesforce's identity (userinfo `organization_id`) gave at sign-in,
saved as `salesforce.org_id`; the end user is the one QuickBooks is reached through.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.domain.ledger_errors import ledger_pair_changed
from app.domain.user_error import UserError
from app.quickbooks import QuickBooks
from app.store import Store
from app.store.settings import LEDGER_END_USER_ID, LEDGER_SALESFORCE_ORG_ID, SALESFORCE_ORG_ID

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    """An empty part is unknown (e.g. a token given by environment) and compared with nothing."""

    salesforce_org_id: str
    conductor_end_user_id: str


def current(store: Store, quickbooks: QuickBooks) -> Pair:
    return Pair(store.get(SALESFORCE_ORG_ID), quickbooks.config.end_user_id)


def claim(store: Store, pair: Pair) -> UserError | None:
    """Ties the ledger to `pair`; when it belonged to another, sets it aside first and returns
    what the app says about it."""
    org, end_user = store.get(LEDGER_SALESFORCE_ORG_ID), store.get(LEDGER_END_USER_ID)
    notice: UserError | None = None
    change = _change(org, pair.salesforce_org_id, "Salesforce org") or _change(
        end_user, pair.conductor_end_user_id, "QuickBooks connection (Conductor end user)"
    )
    with store.transaction():
        if change is not None:
            what, before, now = change
            archive = store.archive_ledger(f"{what} changed", org, end_user)
            notice = ledger_pair_changed(what, before, now, archive.id)
            log.warning("the %s changed; ledger archived as #%s", what, archive.id)
        if pair.salesforce_org_id:
            store.set(LEDGER_SALESFORCE_ORG_ID, pair.salesforce_org_id)
        if pair.conductor_end_user_id:
            store.set(LEDGER_END_USER_ID, pair.conductor_end_user_id)
    return notice


def _change(recorded: str, now: str, what: str) -> tuple[str, str, str] | None:
    if recorded and now and recorded != now:
        return what, recorded, now
    return None
