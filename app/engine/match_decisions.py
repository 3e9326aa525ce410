"""The bookkeeper's decisions on the Matches to confirm list, applied at once.

Confirming a match links the pair; when the two names differ the bookkeeper chooses the one to
keep first, and the other side is renamed to it. Rejecting a match means the two are different
companies: no sync proposes or links them again. Resolving a conflict writes the value chosen
to the side that did not hold it: "quickbooks" copies QuickBooks' value into the Salesforce
field, "salesforce" sends Salesforce's value to QuickBooks (only while QuickBooks still holds
the value shown; if it changed again the conflict is shown afresh). Callers hold the run lock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.domain.fieldmap import MappingConfig, Side
from app.domain.matching import MatchBasis, ProposedLink
from app.domain.owned_fields import FieldGroup, field_groups, flatten, nest, read_flat, same, shown
from app.domain.workflows import ACCOUNT, WorkflowId
from app.engine.customer_updates import whole_objects
from app.engine.customers import mark_accounts
from app.engine.salesforce_results import failure_text, first_error
from app.quickbooks import QuickBooks, QuickBooksError
from app.quickbooks.client import STALE_REVISION
from app.salesforce.client import SalesforceClient
from app.store import Store
from app.store.matches import StoredConflict

WORKFLOW = WorkflowId.CUSTOMERS


class Keep(StrEnum):
    QUICKBOOKS = "quickbooks"
    SALESFORCE = "salesforce"


@dataclass(frozen=True)
class Decision:
    done: bool
    #: One plain sentence: what was done, or why nothing was.
    message: str


def values_text(values: dict[str, object]) -> str:
    """A conflict's values as the bookkeeper reads them: an address's lines one under another,
    "(empty)" when there is nothing."""
    parts = [str(v).strip() for v in values.values() if v is not None and str(v).strip()]
    return "\n".join(parts) or "(empty)"


class NameChoiceNeededError(Exception):
    """The pair's names differ: the bookkeeper must say which one to keep."""

    def __init__(self, account_name: str, customer_name: str) -> None:
        super().__init__(
            f"The names differ: Salesforce has '{account_name}', QuickBooks has "
            f"'{customer_name}'. Choose which name to keep."
        )
        self.account_name = account_name
        self.customer_name = customer_name


@dataclass(frozen=True)
class MatchDecisions:
    store: Store
    salesforce: SalesforceClient
    quickbooks: QuickBooks
    mapping: MappingConfig
    by: str

    # -- matches to confirm -------------------------------------------------------------------
    def confirm(self, match_id: int, keep_name: Keep | None = None) -> Decision:
        match = self.store.match(match_id)
        if match is None or match.decision is not None:
            return Decision(False, f"There is no match number {match_id} waiting.")
        if self.store.link_by_sf(WORKFLOW, match.account_id) or self.store.link_by_qb(
            WORKFLOW, match.customer_id
        ):
            self.store.decide_match(match_id, "superseded", self.by)
            return Decision(False, "One of the two is linked to another record already.")
        renamed = match.account_name != match.customer_name
        if renamed and keep_name is None:
            raise NameChoiceNeededError(match.account_name, match.customer_name)
        pair = ProposedLink(
            match.account_id,
            match.customer_id,
            MatchBasis(match.basis),
            match.account_name,
            match.customer_name,
        )
        links, refused = mark_accounts(self.salesforce, [pair])
        if refused:
            return Decision(False, f"Salesforce did not link them: {refused[0].plain}")
        name = match.account_name
        if renamed and keep_name is Keep.QUICKBOOKS:
            name = match.customer_name
            problem = self._salesforce_update(match.account_id, {"Name": name})
            if problem:
                return Decision(False, f"Linked, but the account was not renamed: {problem}")
        elif renamed:
            try:
                current = self.quickbooks.retrieve("customer", match.customer_id)
                self.quickbooks.update(
                    "customer", match.customer_id, str(current["revisionNumber"]), {"name": name}
                )
            except QuickBooksError as error:
                self.store.upsert_links([replace(links[0], content=None)])
                self.store.decide_match(match_id, "confirmed", self.by)
                return Decision(
                    False, f"Linked, but QuickBooks kept its name: {error.user_error.what_happened}"
                )
        self.store.upsert_links([replace(links[0], content={"name": name})])
        self.store.decide_match(match_id, "confirmed", self.by)
        return Decision(True, f"Linked {match.account_name} and {match.customer_name} as {name}.")

    def reject(self, match_id: int) -> Decision:
        match = self.store.match(match_id)
        if match is None or match.decision is not None:
            return Decision(False, f"There is no match number {match_id} waiting.")
        self.store.decide_match(match_id, "rejected", self.by)
        return Decision(
            True, f"{match.account_name} and {match.customer_name} are kept apart from now on."
        )

    # -- conflicts ----------------------------------------------------------------------------
    def resolve(self, conflict_id: int, keep: Keep) -> Decision:
        conflict = self.store.conflict(conflict_id)
        if conflict is None or conflict.resolved_at is not None:
            return Decision(False, f"There is no open conflict number {conflict_id}.")
        group = self._group(conflict.field)
        link = self.store.link_by_qb(conflict.workflow, conflict.qb_id)
        if group is None or link is None:
            return Decision(False, f"{conflict.field} is no longer synced for this record.")
        if keep is Keep.QUICKBOOKS:
            text = shown(group, conflict.quickbooks)
            problem = self._salesforce_update(
                conflict.sf_id, {group.salesforce_field: text or None}
            )
            if problem:
                return Decision(False, f"Salesforce did not take the value: {problem}")
            kept = conflict.quickbooks
        else:
            refused = self._send_to_quickbooks(conflict.qb_id, group, conflict)
            if refused:
                return Decision(False, refused)
            kept = conflict.salesforce
        content = {**flatten(link.content or {}), **kept}
        self.store.upsert_links([replace(link, content=nest(content))])
        self.store.resolve_conflict(conflict_id, keep.value, self.by)
        value = shown(group, kept) or "(empty)"
        side = "QuickBooks" if keep is Keep.QUICKBOOKS else "Salesforce"
        return Decision(True, f"{conflict.record}: {group.label} is now '{value}' ({side}'s).")

    def _send_to_quickbooks(
        self, qb_id: str, group: FieldGroup, conflict: StoredConflict
    ) -> str | None:
        """Sends Salesforce's value while QuickBooks still holds the value shown; a stale
        revision is read and checked once more. Returns why nothing was sent, if so."""
        for attempt in (1, 2):
            current = self.quickbooks.retrieve("customer", qb_id)
            holds = read_flat(current, group.paths)
            if not same(holds, conflict.quickbooks):
                self.store.record_conflict(
                    workflow=WORKFLOW,
                    qb_id=qb_id,
                    sf_id=conflict.sf_id,
                    record=conflict.record,
                    field=conflict.field,
                    kind=conflict.kind,
                    quickbooks=holds,
                    salesforce=conflict.salesforce,
                )
                return (
                    f"{group.label} changed in QuickBooks again (now "
                    f"'{shown(group, holds) or '(empty)'}'); look at it again before choosing."
                )
            body = whole_objects(nest(conflict.salesforce), current)
            try:
                self.quickbooks.update(
                    "customer", qb_id, str(current["revisionNumber"]), body, retry_stale=False
                )
                return None
            except QuickBooksError as error:
                if error.integration_code != STALE_REVISION or attempt == 2:
                    return f"QuickBooks did not take the value: {error.user_error.what_happened}"
        return None

    def _salesforce_update(self, sf_id: str, fields: dict[str, object]) -> str | None:
        [result] = self.salesforce.update(ACCOUNT.name, [{"Id": sf_id, **fields}])
        if result.get("success"):
            return None
        code, message, names = first_error(result)
        return failure_text(code, message, names)[0]

    def _group(self, label: str) -> FieldGroup | None:
        rules = self.mapping.for_workflow(WORKFLOW).owned_by(Side.SALESFORCE)
        return next((g for g in field_groups(rules) if g.label == label), None)
