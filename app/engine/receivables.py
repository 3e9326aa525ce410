"""Receivables that follow the money: balances, jobs and currencies around the mirrors.

QuickBooks does not count a balance change as an edit of the customer (its `updatedAt` stays), so
every customer whose invoices, credit memos or payments a run read is read again, in batches of
ids, and its account gets `totalBalance` (its jobs included). A job (sub-customer) gets an account
of its own whose parent is its customer's account; with the roll-up setting, it gets none, and
its transactions go on its top customer's account instead, each invoice naming its job. In a
Salesforce org with multiple currencies, mirrored records also carry `CurrencyIsoCode`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from app.domain.fieldmap import FieldRule, FieldType, MappingConfig, Side, WorkflowMap
from app.domain.outcomes import Outcome
from app.domain.workflows import ACCOUNT, CURRENCY_CODE, INVOICE, WorkflowId
from app.engine import customers
from app.engine.context import RunContext, parse_stamp
from app.engine.mirror import run_mirror
from app.engine.mirror_spec import MirrorSpec
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.store.settings import BALANCES_TO_REFRESH, JOBS_ROLL_UP

TOUCHED = "receivables.touched_customers"
#: Whether a deletion touched a customer this run (QuickBooks' deletions are not read before the
#: balances read early, so those are not used then).
TOUCHED_BY_DELETION = "receivables.touched_by_deletion"
MULTI_CURRENCY = "receivables.multi_currency"
ROLL_UP = "receivables.roll_up_jobs"
#: Job id -> its top customer's reference, for the length of a run.
TOP_CUSTOMERS = "receivables.top_customers"
#: Where a rolled-up transaction keeps the job it is for (not a QuickBooks field).
JOB = "rolledUpJob"
ROLLED_UP = "ROLLED_UP_JOB"
#: Workflows whose records carry a currency in a multicurrency company file.
CURRENCY_WORKFLOWS = (
    WorkflowId.CUSTOMERS,
    WorkflowId.INVOICES,
    WorkflowId.CREDIT_MEMOS,
    WorkflowId.PAYMENTS,
)
ACCOUNT_ID_FIELD = ACCOUNT.quickbooks_id
#: Customers read early, whole, by id; None when they were not.
EarlyCustomers = Callable[[RunContext], dict[str, dict[str, Any]] | None]


# -- transactions: which customers they touched, and their currency ---------------------------


def tracked(spec: MirrorSpec) -> MirrorSpec:
    """`spec` noting the customer of every record it reads, and its currency code if any."""
    inner = spec.before_write

    def before_write(ctx: RunContext, records: list[dict[str, Any]]) -> list[ItemOutcome]:
        if rolls_up_jobs(ctx):
            roll_up(ctx, records)
        cursor = ctx.store.get_cursor(spec.link_key, "qb")
        note_touched(
            ctx,
            {
                str(r["customer"]["id"])
                for r in records
                if (r.get("customer") or {}).get("id") and _new_since(r.get("updatedAt"), cursor)
            },
        )
        use_currency_codes(ctx, records)
        return inner(ctx, records) if inner is not None else []

    return dataclasses.replace(spec, before_write=before_write)


def note_touched(ctx: RunContext, customer_ids: set[str], *, by_deletion: bool = False) -> None:
    """These customers' balances are refreshed this run, or by the next run if this one stops
    first: the cursor that would show their transactions again may already have moved."""
    if by_deletion and customer_ids:
        ctx.cache[TOUCHED_BY_DELETION] = True
    touched: set[str] = ctx.cache.setdefault(TOUCHED, set())
    new = customer_ids - touched
    touched.update(new)
    if new and not ctx.dry_run:
        saved = {str(i) for i in ctx.store.get(BALANCES_TO_REFRESH)}
        if not new <= saved:
            ctx.store.set(BALANCES_TO_REFRESH, sorted(saved | new))


def _new_since(stamp: object, cursor: str | None) -> bool:
    """Changed after the cursor: a record the overlap reads again moved no balance since the
    run that read it first (and refreshed its customer)."""
    if cursor is None:
        return True
    try:
        return parse_stamp(str(stamp)) > parse_stamp(cursor)
    except (ValueError, TypeError):
        return True


def use_currency_codes(ctx: RunContext, records: Iterable[dict[str, Any]]) -> None:
    """Once records come with a currency, asks Salesforce (once a run) whether the org has
    multiple currencies; if so, the run's field maps also fill CurrencyIsoCode."""
    if MULTI_CURRENCY in ctx.cache or not any(r.get("currency") for r in records):
        return
    described = ctx.salesforce.describe(INVOICE.name) or {}
    names = {str(f.get("name")) for f in described.get("fields", [])}
    ctx.cache[MULTI_CURRENCY] = CURRENCY_CODE in names
    if ctx.cache[MULTI_CURRENCY]:
        ctx.mapping = with_currency_codes(ctx.mapping)


def with_currency_codes(config: MappingConfig) -> MappingConfig:
    """The field maps plus a CurrencyIsoCode row for each workflow whose records have a currency."""
    rule = FieldRule(
        salesforce=(CURRENCY_CODE,),
        quickbooks=("currency.fullName",),
        owner=Side.QUICKBOOKS,
        type=FieldType.CURRENCY_CODE,
        label="Currency code",
    )
    return with_rule(config, CURRENCY_WORKFLOWS, rule)


def with_rule(
    config: MappingConfig, workflows: Iterable[WorkflowId], rule: FieldRule
) -> MappingConfig:
    """The field maps plus `rule` in each of `workflows` whose map does not fill its field yet."""
    maps = dict(config.maps)
    for workflow in workflows:
        current = maps.get(workflow.value)
        if current is None or any(rule.target in r.salesforce for r in current.fields):
            continue
        maps[workflow.value] = WorkflowMap(
            current.workflow, (*current.fields, rule), current.line_fields
        )
    return MappingConfig(maps, config.source)


# -- balances ----------------------------------------------------------------------------------


def balance_spec() -> MirrorSpec:
    """The customers' balance mirror, giving jobs accounts under their customer's account."""
    return tracked(dataclasses.replace(customers.balance_spec(), before_write=link_accounts))


def refresh_balances(ctx: RunContext, read_early: EarlyCustomers | None = None) -> None:
    """Every customer a transaction of this run touched (and the customers above a job) is read
    again and its account's balance written, with those an earlier run left unwritten.

    `read_early` gives the customers whose balance is not zero as read whole once every
    transaction list was read, if they were: those are as new as a read by id, which the others
    get (and all of them when a deletion touched one: deletions are not read before those)."""
    saved = {str(i) for i in ctx.store.get(BALANCES_TO_REFRESH)}
    touched = sorted(ctx.cache.pop(TOUCHED, set()) | saved)
    if not touched:
        return
    by_deletion = ctx.cache.pop(TOUCHED_BY_DELETION, False)
    early = read_early(ctx) if read_early is not None and not by_deletion else None
    found: dict[str, dict[str, Any]] = {}
    wanted = touched
    while wanted:  # a job's customer totals the job too: one batch per level up
        known = {i: early[i] for i in wanted if i in early} if early else {}
        unknown = [i for i in wanted if i not in known]
        read = {**known, **(ctx.quickbooks.find_by_ids("customer", unknown) if unknown else {})}
        found.update(read)
        parents = {str((c.get("parent") or {}).get("id") or "") for c in read.values()}
        wanted = sorted(p for p in parents if p and p not in found)
    run_mirror(ctx, balance_spec(), {"customer": found})
    if not ctx.dry_run:
        left = {str(i) for i in ctx.store.get(BALANCES_TO_REFRESH)} - set(touched)
        ctx.store.set(BALANCES_TO_REFRESH, sorted(left))


# -- jobs ----------------------------------------------------------------------------------------


def is_job(customer: dict[str, Any]) -> bool:
    return bool((customer.get("parent") or {}).get("id"))


def rolls_up_jobs(ctx: RunContext) -> bool:
    """The roll-up setting, read once a run; when on, invoices also map their job's name."""
    if ROLL_UP not in ctx.cache:
        ctx.cache[ROLL_UP] = ctx.store.get(JOBS_ROLL_UP)
        if ctx.cache[ROLL_UP]:
            rule = FieldRule(
                salesforce=(INVOICE.job_name,),
                quickbooks=(f"{JOB}.name",),
                owner=Side.QUICKBOOKS,
                type=FieldType.TEXT,
                label="Job",
                max_length=209,
            )
            ctx.mapping = with_rule(ctx.mapping, (WorkflowId.INVOICES,), rule)
    return bool(ctx.cache[ROLL_UP])


def roll_up(ctx: RunContext, records: list[dict[str, Any]]) -> None:
    """A job's transactions are put on its top customer, keeping the job's name beside them.

    A transaction names its customer by id and full name; QuickBooks joins a job's full name
    to its customer's with a colon, a character no QuickBooks name may hold.
    """
    refs = [r.get("customer") or {} for r in records]
    jobs = {str(ref.get("id")) for ref in refs if ":" in str(ref.get("fullName") or "")}
    if not jobs:
        return
    tops = top_customers(ctx, jobs)
    for record in records:
        ref = record.get("customer") or {}
        top = tops.get(str(ref.get("id")))
        if top is None:
            continue
        full_name = str(ref.get("fullName") or "")
        name = full_name.removeprefix(f"{top.get('fullName')}:")
        record[JOB] = {"id": str(ref.get("id")), "name": name}
        record["customer"] = top


def top_customers(ctx: RunContext, job_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each job's top customer (id and full name), read by id one level up at a time."""
    known: dict[str, dict[str, Any]] = ctx.cache.setdefault(TOP_CUSTOMERS, {})
    parents: dict[str, str] = {}
    read: dict[str, dict[str, Any]] = {}
    wanted = sorted(set(job_ids) - set(known))
    while wanted:
        found = ctx.quickbooks.find_by_ids("customer", wanted)
        read.update(found)
        for qb_id, customer in found.items():
            if is_job(customer):
                parents[qb_id] = str(customer["parent"]["id"])
        wanted = sorted({p for p in parents.values() if p not in read and p not in known})
    for job_id in set(job_ids) - set(known):
        top = job_id
        while top in parents:
            top = parents[top]
        top_customer = read.get(top) or known.get(top)
        if top_customer is not None and top != job_id:
            known[job_id] = {"id": top, "fullName": top_customer.get("fullName")}
    return known


def _rolled_up(job: dict[str, Any]) -> ItemOutcome:
    return ItemOutcome(
        workflow=customers.WORKFLOW,
        record_key=_job_label(job),
        outcome=Outcome.SKIPPED,
        qb_id=str(job["id"]),
        code=ROLLED_UP,
        message=(
            "A job: its invoices, credit memos and payments are on its customer's account "
            "(Settings: roll jobs up into their customer)."
        ),
    )


def link_accounts(ctx: RunContext, records: list[dict[str, Any]]) -> list[ItemOutcome]:
    """Customers are linked or given accounts as before; a job is never matched to an existing
    account by name, email or phone (it shares its customer's), but gets an account of its own
    under its customer's account, after the customers above it (unless jobs roll up)."""
    top = [c for c in records if not is_job(c)]
    outcomes = customers.link_accounts(ctx, top) if top else []
    jobs = sorted((c for c in records if is_job(c)), key=lambda c: int(c.get("sublevel") or 1))
    if not jobs:
        return outcomes
    if rolls_up_jobs(ctx):
        return outcomes + [_rolled_up(job) for job in jobs]
    linked = ctx.store.links_by_qb(customers.WORKFLOW, [str(j["id"]) for j in jobs])
    by_level: dict[int, list[dict[str, Any]]] = {}
    for job in jobs:
        if str(job["id"]) not in linked:
            by_level.setdefault(int(job.get("sublevel") or 1), []).append(job)
    for level in sorted(by_level):
        outcomes.extend(_create_job_accounts(ctx, by_level[level]))
    return outcomes


def _job_label(job: dict[str, Any]) -> str:
    return str(job.get("fullName") or job.get("name") or job["id"])


def _create_job_accounts(ctx: RunContext, jobs: list[dict[str, Any]]) -> list[ItemOutcome]:
    """Accounts for jobs of one level, in one call, each under its customer's account."""
    rows = [
        {
            "Name": _job_label(job),
            ACCOUNT_ID_FIELD: str(job["id"]),
            ACCOUNT.parent_relationship: {ACCOUNT_ID_FIELD: str(job["parent"]["id"])},
        }
        for job in jobs
    ]
    for job in jobs:
        ctx.plan(
            PlannedAction(
                workflow=customers.WORKFLOW,
                action="create",
                target="Salesforce",
                record=_job_label(job),
                qb_id=str(job["id"]),
                detail="a job, under its customer's account",
            )
        )
    if ctx.dry_run:
        return []
    results = ctx.salesforce.upsert(
        ACCOUNT.name,
        ACCOUNT_ID_FIELD,
        rows,
        allow_duplicates=ctx.settings.allow_duplicate_accounts,
    )
    made = [(str(job["id"]), _job_label(job)) for job in jobs]
    links, failures = customers.account_results(made, results)
    ctx.recorder.commit([], links)
    return failures
