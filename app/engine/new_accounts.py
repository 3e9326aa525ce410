"""Which QuickBooks customers become new Salesforce accounts, and what a new account carries
besides its name and QuickBooks id.

Inactive QuickBooks customers get no new account unless Settings includes them; one already
linked to an account stays linked, so its invoices still find their account. A new account takes
the record type chosen in setup; in an org with person accounts, a customer QuickBooks knows as a
person (first and last name, no company) becomes a person account with those names.
"""

from __future__ import annotations

from typing import Any

from app.domain.fieldmap import Side
from app.domain.outcomes import Outcome
from app.domain.record_mapping import read_path
from app.domain.workflows import ACCOUNT, ACCOUNT_KINDS, WorkflowId
from app.engine.context import RunContext
from app.engine.recorder import ItemOutcome
from app.salesforce.soql import literal
from app.store.settings import ACCOUNT_RECORD_TYPE, CUSTOMERS_INCLUDE_INACTIVE

WORKFLOW = WorkflowId.CUSTOMERS
INACTIVE = "INACTIVE_CUSTOMER"


def left_out(
    ctx: RunContext, rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[ItemOutcome]]:
    """The new-account rows to create, and a skipped outcome for each inactive customer."""
    if ctx.store.get(CUSTOMERS_INCLUDE_INACTIVE):
        return rows, []
    keep, skipped = [], []
    # A customer read twice in one run (balances are re-read) is reported once.
    reported: set[str] = ctx.cache.setdefault("new_accounts.inactive", set())
    for row in rows:
        qb_id = str(row[ACCOUNT.quickbooks_id])
        customer = customers.get(qb_id, {})
        if customer.get("isActive", True) is not False:
            keep.append(row)
            continue
        name = str(customer.get("fullName") or customer.get("name") or qb_id)
        if qb_id in reported:
            skipped.append(
                ItemOutcome(
                    workflow=WORKFLOW, record_key=name, outcome=Outcome.UNCHANGED, qb_id=qb_id
                )
            )
            continue
        reported.add(qb_id)
        skipped.append(
            ItemOutcome(
                workflow=WORKFLOW,
                record_key=name,
                outcome=Outcome.SKIPPED,
                qb_id=qb_id,
                code=INACTIVE,
                message=f"{name} is inactive in QuickBooks, so no Salesforce account was made "
                "for it. To bring inactive customers over, turn on 'Inactive customers too' in "
                "Settings.",
            )
        )
    return keep, skipped


def with_account_kind(
    ctx: RunContext, rows: list[dict[str, Any]], customers: dict[str, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows with the chosen record type, and person-account names where they apply."""
    record_type = _record_type_id(ctx)
    persons = _person_accounts(ctx)
    out = []
    for row in rows:
        row = dict(row)
        if record_type:
            row[ACCOUNT_KINDS.account_record_type] = record_type
        customer = customers.get(str(row[ACCOUNT.quickbooks_id]), {})
        for field, value in _mapped_contact(ctx, customer).items():
            row.setdefault(field, value)
        if persons and _is_person(customer):
            row.pop("Name", None)
            row[ACCOUNT_KINDS.person_first_name] = customer.get("firstName") or ""
            row[ACCOUNT_KINDS.person_last_name] = customer.get("lastName") or ""
        out.append(row)
    return out


def _mapped_contact(ctx: RunContext, customer: dict[str, Any]) -> dict[str, Any]:
    """What a bookkeeper expects on a new account: the address, phone and email QuickBooks has,
    through the customers field map (Salesforce owns them from then on)."""
    found: dict[str, Any] = {}
    for rule in ctx.mapping.for_workflow(WORKFLOW).owned_by(Side.SALESFORCE):
        field, path = rule.salesforce[0], rule.quickbooks[0]
        if len(rule.salesforce) != 1 or "." in field:
            continue
        value = read_path(customer, path)
        if isinstance(value, str | int | float) and value != "":
            found[field] = value
    return found


def _is_person(customer: dict[str, Any]) -> bool:
    return bool(customer.get("lastName")) and not customer.get("companyName")


def _record_type_id(ctx: RunContext) -> str | None:
    """The Id of the account record type chosen in setup (by developer name), once per run."""
    chosen = ctx.store.get(ACCOUNT_RECORD_TYPE).strip()
    if not chosen:
        return None
    key = "new_accounts.record_type"
    if key not in ctx.cache:
        k = ACCOUNT_KINDS
        rows = ctx.salesforce.query_all(
            f"SELECT Id FROM {k.record_type} WHERE {k.record_type_object} = "  # noqa: S608
            f"{literal(ACCOUNT.name)} AND {k.record_type_developer_name} = {literal(chosen)}"
        )
        ctx.cache[key] = str(rows[0]["Id"]) if rows else None
    return ctx.cache[key]  # type: ignore[no-any-return]


def _person_accounts(ctx: RunContext) -> bool:
    """Person accounts are on when Account describes IsPersonAccount."""
    key = "new_accounts.person_accounts"
    if key not in ctx.cache:
        described = ctx.salesforce.describe(ACCOUNT.name) or {}
        names = {str(f.get("name")) for f in described.get("fields", [])}
        ctx.cache[key] = ACCOUNT_KINDS.is_person_account in names
    return bool(ctx.cache[key])
