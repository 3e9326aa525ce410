"""B6, the user's wait: from Sync now to the final word (the sync and the books check after it),
next to the QuickBooks read floor for the same records, measured in the same process.

Backfill: the first Sync now of a company of `n` invoices (customers matched before); its floor
reads every list the sync reads, whole, with the cheapest options (no line items).
Incremental: `changed` invoices edited in a company of `n_total` already synced, longer ago than
the sync's overlap window (the company file's clock is moved on first); its floor reads each of
those lists once for what changed since, and the deleted transactions once: what any sync must
ask to know what changed.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from app.engine.books.saved import latest
from app.engine.engine import SyncEngine
from app.quickbooks import QuickBooks
from bench.engine_run import engine_for
from bench.sandbox_process import SandboxProcess

SF_LATENCY_MS = 80
#: The lists a sync reads, with the options that cost QuickBooks least for the same records.
FLOOR_LISTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("customer", {"status": "all"}),
    ("service_item", {"status": "all"}),
    ("non_inventory_item", {"status": "all"}),
    ("invoice", {"include_line_items": False}),
    ("credit_memo", {"include_line_items": False}),
    ("receive_payment", {}),
)
DELETED_TYPES = ["invoice", "credit_memo", "receive_payment"]


def backfill(n: int, model: str) -> dict[str, Any]:
    with SandboxProcess.start(invoices=n) as sandbox, engine_for(sandbox) as engine:
        # Customers matched first, as in B1: the sample org's accounts differ from QuickBooks'
        # customers, and writing those to QuickBooks is not part of reading the invoices.
        sandbox.set_cost("none", 0)
        engine.run(["customers"], trigger="bench-setup")
        sandbox.set_cost(model, SF_LATENCY_MS)
        floor = _floor(engine.quickbooks)
        timed = _timed_sync(sandbox, engine)
    assert timed["written"] >= n, f"wrote {timed['written']} of {n}"
    return {
        "n": n,
        "seconds": timed["seconds"],
        "floor_seconds": round(floor, 2),
        "ratio_to_floor": _ratio(timed["seconds"], floor),
        "qb_requests": timed["qb_requests"],
        "sf_requests": timed["sf_requests"],
        "checked_clean": timed["clean"],
    }


def incremental(n_total: int, changed: int, models: list[str]) -> dict[str, dict[str, Any]]:
    """One company, synced once at no cost; then, per model, `changed` invoices edited and
    synced."""
    out: dict[str, dict[str, Any]] = {}
    with SandboxProcess.start(invoices=n_total) as sandbox, engine_for(sandbox) as engine:
        sandbox.set_cost("none", 0)
        engine.run(trigger="bench-setup")
        ids = [r["id"] for r in engine.quickbooks.list_all("invoice", include_line_items=False)]
        # Each round starts as a real incremental sync does: its last sync was longer ago than the
        # overlap window after the changes before it (else the seed's last minutes, or the round
        # before, are read again). Time passes in the company file, then one edit is synced.
        apart = (engine.settings.overlap + timedelta(minutes=1)).total_seconds()
        for round_number, model in enumerate(models):
            sandbox.set_cost("none", 0)
            sandbox.advance_qb_clock(apart)
            _edit(engine.quickbooks, [ids[-1 - round_number]])
            engine.run(trigger="bench-setup")
            since = _edit(engine.quickbooks, ids[round_number * changed :][:changed])
            sandbox.set_cost(model, SF_LATENCY_MS)
            floor = _floor(engine.quickbooks, since=since)
            timed = _timed_sync(sandbox, engine)
            out[model] = {
                "n_total": n_total,
                "changed": changed,
                "seconds": timed["seconds"],
                "floor_seconds": round(floor, 2),
                "ratio_to_floor": _ratio(timed["seconds"], floor),
                "qb_requests": timed["qb_requests"],
                "qb_request_bound": changed // 150 + 8,
                "sf_requests": timed["sf_requests"],
                "written": timed["written"],
                "checked_clean": timed["clean"],
            }
    return out


def _edit(quickbooks: QuickBooks, ids: list[str]) -> str:
    """Each invoice's due date moved a day, as a bookkeeper would; the earliest change's time."""
    times: list[str] = []
    for invoice in quickbooks.find_by_ids("invoice", ids).values():
        due = invoice.get("dueDate") or invoice["transactionDate"]
        moved = f"{int(due[:4]) + 1}{due[4:]}"
        updated = quickbooks.update(
            "invoice", invoice["id"], invoice["revisionNumber"], {"dueDate": moved}
        )
        times.append(str(updated["updatedAt"]))
    return min(times)


def _floor(quickbooks: QuickBooks, since: str | None = None) -> float:
    """Seconds to read the same records from QuickBooks with nothing else done."""
    started = time.perf_counter()
    for kind, options in FLOOR_LISTS:
        filters = {**options, **({"updated_after": since} if since else {})}
        for _page in quickbooks.pages(kind, **filters):
            pass
    if since:
        quickbooks.deleted_transactions(DELETED_TYPES, since)
    return time.perf_counter() - started


def _timed_sync(sandbox: SandboxProcess, engine: SyncEngine) -> dict[str, Any]:
    """Sync now, the books check included, as the tray runs it."""
    engine.reconcile_after_sync = True
    qb_before, sf_before = len(sandbox.qb_requests()), len(sandbox.sf_requests())
    started = time.perf_counter()
    result = engine.run(trigger="bench")
    seconds = time.perf_counter() - started
    checked = latest(engine.store)
    return {
        "seconds": round(seconds, 2),
        "qb_requests": len(sandbox.qb_requests()) - qb_before,
        "sf_requests": len(sandbox.sf_requests()) - sf_before,
        "written": result.count("created") + result.count("updated"),
        "clean": bool(checked and checked.clean),
    }


def _ratio(figure: float, floor: float) -> float | None:
    return round(figure / floor, 3) if floor else None


def b6_user_wait(
    backfill_n: int, n_total: int, changed: int, models: list[str]
) -> dict[str, dict[str, Any]]:
    """`b6` of bench/results/latest.json: per cost model, `backfill` and `incremental`."""
    later = incremental(n_total, changed, models)
    return {
        model: {"backfill": backfill(backfill_n, model), "incremental": later[model]}
        for model in models
    }
