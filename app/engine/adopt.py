"""Adopting Salesforce records that already stand for a QuickBooks record, before creating any.

Products are often entered in Salesforce by hand before the first sync; a QuickBooks item with
exactly one unlinked product of the same (normalised) name takes that product over instead of
creating a second one. Several candidates are left alone and reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from app.domain.matching import normalise_name
from app.domain.outcomes import Outcome
from app.engine.context import RunContext
from app.engine.recorder import ItemOutcome
from app.engine.result import PlannedAction
from app.engine.salesforce_results import failure_text, first_error
from app.store import Link


def adopt_by_name(
    sobject: str, external_field: str, workflow: str, label: Callable[[dict[str, Any]], str]
) -> Callable[[RunContext, list[dict[str, Any]]], list[ItemOutcome]]:
    def hook(ctx: RunContext, records: list[dict[str, Any]]) -> list[ItemOutcome]:
        linked = ctx.store.links_by_qb(workflow, [str(r["id"]) for r in records])
        unlinked = [r for r in records if str(r["id"]) not in linked]
        if not unlinked:
            return []
        key = f"adopt:{sobject}"
        if key not in ctx.cache:
            rows = ctx.salesforce.query_all(
                f"SELECT Id, Name, {external_field} FROM {sobject}"  # noqa: S608
            )
            by_name: dict[str, list[str]] = defaultdict(list)
            taken = set()
            for row in rows:
                if row.get(external_field):
                    taken.add(row[external_field])
                else:
                    by_name[normalise_name(str(row.get("Name") or ""))].append(row["Id"])
            ctx.cache[key] = (by_name, taken)
        by_name, taken = ctx.cache[key]
        adopt: list[dict[str, Any]] = []
        outcomes: list[ItemOutcome] = []
        for record in unlinked:
            if str(record["id"]) in taken:
                continue
            candidates = by_name.get(normalise_name(label(record)), [])
            if len(candidates) == 1:
                adopt.append({"Id": candidates[0], external_field: str(record["id"])})
                ctx.plan(
                    PlannedAction(
                        workflow=workflow,
                        action="link",
                        target="Salesforce",
                        record=label(record),
                        qb_id=str(record["id"]),
                        sf_id=candidates[0],
                        detail="same name",
                    )
                )
            elif len(candidates) > 1:
                outcomes.append(
                    ItemOutcome(
                        workflow=workflow,
                        record_key=label(record),
                        outcome=Outcome.SKIPPED,
                        qb_id=str(record["id"]),
                        sf_id=None,
                        code="AMBIGUOUS_MATCH",
                        message=f"Several Salesforce records are named {label(record)}; nothing "
                        "was created or changed. Rename or merge them in Salesforce, then sync "
                        "again.",
                    )
                )
        if adopt and not ctx.dry_run:
            results = ctx.salesforce.update(sobject, adopt)
            links = []
            labels = {str(r["id"]): label(r) for r in unlinked}
            for row, result in zip(adopt, results, strict=True):
                qb_id = row[external_field]
                if result.get("success"):
                    taken.add(qb_id)
                    links.append(Link(workflow, qb_id, row["Id"], None))
                    continue
                # Not written now: creating a record instead would double it.
                code, message, fields = first_error(result)
                plain, details = failure_text(code, message, fields)
                outcomes.append(
                    ItemOutcome(
                        workflow=workflow,
                        record_key=labels[qb_id],
                        outcome=Outcome.FAILED,
                        qb_id=qb_id,
                        sf_id=row["Id"],
                        code=code,
                        message=plain,
                        details=details,
                    )
                )
            ctx.recorder.commit([], links)
        return outcomes

    return hook
