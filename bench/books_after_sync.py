"""B6: the books check after a sync, against a sync alone (the baseline, measured in the same
process): QuickBooks requests and seconds, and what a check reading QuickBooks whole would add.

The check after a sync brings QuickBooks' side of the last check up to date with what the sync
read, so it should add no QuickBooks request and only a few Salesforce aggregate queries.
"""

from __future__ import annotations

import time
from typing import Any

from app.engine.books.compare import reconcile
from app.engine.engine import SyncEngine
from bench.engine_run import engine_for
from bench.sandbox_process import SandboxProcess


def b6_books_after_sync(invoices: int, qb_ms: float, sf_ms: float) -> dict[str, Any]:
    with (
        SandboxProcess.start(invoices=invoices, payments=invoices // 2) as sandbox,
        engine_for(sandbox) as engine,
    ):
        engine.run(trigger="bench-setup")  # the first sync, and the check that follows it
        sandbox.set_latency(qb_ms, sf_ms)
        checked = _measure(sandbox, engine, check=True)
        alone = _measure(sandbox, engine, check=False)
        qb_before = len(sandbox.qb_requests())
        started = time.perf_counter()
        reconcile(engine.quickbooks, engine.salesforce, engine.store)
        full_seconds = time.perf_counter() - started
        full_qb = len(sandbox.qb_requests()) - qb_before
    return {
        "invoices": invoices,
        "sync_and_check": checked,
        "sync_alone": alone,
        "qb_requests_ratio": _ratio(checked["qb_requests"], alone["qb_requests"]),
        "seconds_ratio": _ratio(checked["seconds"], alone["seconds"]),
        "full_check_qb_requests": full_qb,
        "full_check_seconds": round(full_seconds, 2),
    }


def _measure(sandbox: SandboxProcess, engine: SyncEngine, *, check: bool) -> dict[str, Any]:
    engine.reconcile_after_sync = check
    qb_before, sf_before = len(sandbox.qb_requests()), len(sandbox.sf_requests())
    started = time.perf_counter()
    engine.run(trigger="bench")
    seconds = time.perf_counter() - started
    return {
        "qb_requests": len(sandbox.qb_requests()) - qb_before,
        "sf_requests": len(sandbox.sf_requests()) - sf_before,
        "seconds": round(seconds, 2),
    }


def _ratio(figure: float, baseline: float) -> float | None:
    return round(figure / baseline, 2) if baseline else None
