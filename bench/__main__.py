"""`python -m bench [--quick]`: the benchmark table, also written to bench/results/latest.json.

QuickBooks sandbox: one request at a time, under a cost model (bench/README.md): `flat`, 300 ms
per request, or `per_record`, a fixed cost per request plus a cost per record and line item
returned. Salesforce sandbox: 80 ms per call.
B1 backfill vs the QuickBooks floor (and the naive loop, under the flat model); B2 calls of a
sync with nothing to do; B6 the user's wait (sync and the books check after it) against the
QuickBooks read floor, for a backfill and an incremental sync: each under every cost model.
B3 peak memory of large backfills (separate processes, no latency), B4 the GUI's longest stall and
B5 start-up do not depend on QuickBooks' costs. The README's figures table is rewritten from the
results.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from app.engine.books.compare import reconcile
from bench.baseline import naive_loop
from bench.engine_run import engine_for
from bench.readme_table import write_readme_table
from bench.sandbox_process import SandboxProcess
from bench.user_wait import b6_user_wait

SF_LATENCY_MS = 80
RESULTS = Path(__file__).parent / "results" / "latest.json"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }


def b1_backfill(n: int, baseline_limit: int | None, model: str = "flat") -> dict[str, Any]:
    """The naive loop is measured under the flat model only: it asks QuickBooks once per record,
    which the per-record model prices the same as a page of one."""
    with SandboxProcess.start(invoices=n) as sandbox, engine_for(sandbox) as engine:
        sandbox.set_cost("none", 0)
        engine.run(["customers"], trigger="bench-setup")
        sandbox.set_cost(model, SF_LATENCY_MS)
        started = time.perf_counter()
        floor_count = sum(
            len(page.records)
            for page in engine.quickbooks.pages("invoice", include_line_items=False)
        )
        floor = time.perf_counter() - started
        before = len(sandbox.sf_requests())
        engine.reconcile_after_sync = False  # timed on its own below
        started = time.perf_counter()
        result = engine.run(["invoices"], trigger="bench")
        seconds = time.perf_counter() - started
        calls = sandbox.sf_requests()[before:]
        started = time.perf_counter()
        reconcile(engine.quickbooks, engine.salesforce, engine.store)
        reconcile_seconds = time.perf_counter() - started
    assert floor_count == n, f"read {floor_count} of {n}"
    written = result.count("created") + result.count("updated")
    assert written == n, f"wrote {written} of {n} ({result.status.value})"
    writes = [c for c in calls if _is_write(c)]
    by_kind = Counter(_kind(c) for c in calls)
    baseline: float | None = None
    sent = 0
    if model == "flat":
        with SandboxProcess.start(invoices=n) as sandbox, engine_for(sandbox) as engine:
            sandbox.set_cost("none", 0)
            engine.run(["customers"], trigger="bench-setup")
            sandbox.set_cost(model, SF_LATENCY_MS)
            limit = min(n, baseline_limit) if baseline_limit else None
            sent, measured = naive_loop(engine.quickbooks, engine.salesforce, limit)
        baseline = measured * n / sent
    return {
        "n": n,
        "model": model,
        "seconds": round(seconds, 2),
        "baseline_seconds": round(baseline, 2) if baseline else None,
        "baseline_measured_records": sent,
        "floor_seconds": round(floor, 2),
        "reconcile_seconds": round(reconcile_seconds, 2),
        "ratio_to_baseline": round(baseline / seconds, 1) if baseline else None,
        "ratio_to_floor": round(seconds / floor, 3),
        "sf_write_calls": len(writes),
        "sf_calls": len(calls),
        "sf_calls_per_1000": round(len(calls) * 1000 / n, 2),
        "sf_calls_by_kind": dict(by_kind),
        "bulk": any("jobs/ingest" in c["path"] for c in calls),
        "write_call_bound": math.ceil(n / 200) + 5,
    }


def _is_write(call: dict[str, Any]) -> bool:
    """A write request; a Composite call of GET subrequests only reads."""
    parts = call.get("parts") or []
    if parts and all(str(part).startswith("GET ") for part in parts):
        return False
    return call["method"] in WRITE_METHODS


def _kind(call: dict[str, Any]) -> str:
    path = call["path"]
    for marker, name in (
        ("jobs/ingest", "bulk"),
        ("composite/sobjects", "collections"),
        ("/composite", "composite"),
        ("/query", "query"),
        ("/limits", "limits"),
        ("/sobjects", "sobject"),
    ):
        if marker in path:
            return f"{name} {call['method']}"
    return f"other {call['method']}"


QB_WORKFLOW = {
    "customers": "customers",
    "service-items": "items",
    "non-inventory-items": "items",
    "invoices": "invoices",
    "credit-memos": "credit memos",
    "receive-payments": "payments",
    "deleted-transactions": "invoices+payments (deletions)",
}


def b2_incremental(model: str = "flat") -> dict[str, Any]:
    with SandboxProcess.start(invoices=300, payments=150) as sandbox, engine_for(sandbox) as engine:
        engine.run(trigger="bench-setup")
        sandbox.set_cost(model, SF_LATENCY_MS)
        engine.reconcile_after_sync = False  # the sync's own calls; B6 times the check after it
        qb_before, sf_before = len(sandbox.qb_requests()), len(sandbox.sf_requests())
        started = time.perf_counter()
        result = engine.run(trigger="bench")
        seconds = time.perf_counter() - started
        qb_calls = sandbox.qb_requests()[qb_before:]
        sf_calls = sandbox.sf_requests()[sf_before:]
        workflows = len(engine.enabled_workflows())
    qb_by = Counter(QB_WORKFLOW.get(c["path"].rsplit("/", 1)[-1], c["path"]) for c in qb_calls)
    sf_by = Counter(_sf_workflow(c) for c in sf_calls)
    writes = [c for c in qb_calls + sf_calls if _is_write(c)]
    return {
        "model": model,
        "reads": len(qb_calls) + len(sf_calls) - len(writes),
        "qb_reads": len(qb_calls),
        "sf_reads": len([c for c in sf_calls if not _is_write(c)]),
        "writes": len(writes) + result.count("created") + result.count("updated"),
        "workflows": workflows,
        "seconds": round(seconds, 2),
        "qb_reads_by_workflow": dict(qb_by),
        "sf_reads_by_workflow": dict(sf_by),
    }


def _sf_workflow(call: dict[str, Any]) -> str:
    query = call.get("query", "")
    if "/limits" in call["path"]:
        return "headroom check"
    for obj, name in (("Opportunity", "opportunities"), ("Account", "customers")):
        if f"FROM+{obj}" in query or f"FROM%20{obj}" in query or f"from+{obj.lower()}" in query:
            return name
    return call["path"]


def b3_memory(sizes: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
        line = (
            subprocess.run(
                [sys.executable, "-m", "bench.memory_probe", str(n)],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        probe = json.loads(line)
        assert probe["written"] == n, probe
        out[f"rss_mb_{_short(n)}"] = probe["rss_mb"]
        out[f"seconds_{_short(n)}"] = probe["seconds"]
    return out


def tray_probe(*args: str) -> dict[str, Any]:
    env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1", "QT_QPA_PLATFORM": "offscreen"}
    out = (
        subprocess.run(
            [sys.executable, "-m", "bench.tray_probe", *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return dict(json.loads(out))


def b4_stall(invoices: int) -> dict[str, Any]:
    probe = tray_probe("stall", str(invoices))
    assert probe["records_written"] >= invoices, probe
    return probe


def b5_startup(runs: int = 5) -> dict[str, Any]:
    """The median of a few starts: the first also pays for a cold file cache."""
    samples = [tray_probe("startup") for _ in range(runs)]
    ready = sorted(s["tray_ready_s"] for s in samples)
    imports = sorted(s["import_s"] for s in samples)
    return {
        "tray_ready_s": ready[len(ready) // 2],
        "import_s": imports[len(imports) // 2],
        "tray_ready_all_s": ready,
    }


def _short(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def table(results: dict[str, Any]) -> str:
    lines = [
        f"Machine: {results['machine']['platform']}, {results['machine']['cpus']} CPUs, "
        f"Python {results['machine']['python']}",
        "",
    ]
    lines.append("| benchmark | this project | baseline | ratio |")
    lines.append("|---|---|---|---|")
    for run in results.get("b1_runs", []):
        model = run.get("model", "flat")
        loop = f"naive loop {run['baseline_seconds']} s; " if run.get("baseline_seconds") else ""
        faster = (
            f"{run['ratio_to_baseline']}x faster than the loop; "
            if run.get("ratio_to_baseline")
            else ""
        )
        lines.append(
            f"| B1 backfill {run['n']:,} invoices, {model} cost | {run['seconds']} s "
            f"({run['sf_write_calls']} SF write calls, {run['sf_calls_per_1000']} SF calls/1,000) "
            f"| {loop}QuickBooks floor {run['floor_seconds']} s "
            f"| {faster}{run['ratio_to_floor']}x the floor |"
        )
    for b2 in results.get("b2_runs", [results["b2"]] if "b2" in results else []):
        lines.append(
            f"| B2 sync with nothing to do ({b2['workflows']} workflows), "
            f"{b2.get('model', 'flat')} cost "
            f"| {b2['qb_reads']} QuickBooks reads, {b2['sf_reads']} Salesforce reads, "
            f"{b2['writes']} writes, {b2['seconds']} s "
            f"| at most {b2['workflows']} + {b2['workflows']} reads, 0 writes | |"
        )
    if "b3" in results:
        b3 = results["b3"]
        sizes = sorted(k for k in b3 if k.startswith("rss_mb_"))
        figures = ", ".join(f"{b3[k]} MB at {k.removeprefix('rss_mb_')}" for k in sizes)
        lines.append(f"| B3 peak memory of a backfill | {figures} | 250 MB at 100k | |")
    for model, b6 in sorted(results.get("b6", {}).items()):
        if not isinstance(b6, dict) or "backfill" not in b6:
            continue
        back, inc = b6["backfill"], b6["incremental"]
        lines.append(
            f"| B6 the user's wait, {model} cost: backfill of {back['n']:,} invoices, "
            f"sync + books check | {back['seconds']} s "
            f"| QuickBooks floor {back['floor_seconds']} s "
            f"| {back.get('ratio_to_floor')}x the floor |"
        )
        lines.append(
            f"| B6 the user's wait, {model} cost: {inc['changed']} changes in "
            f"{inc['n_total']:,} invoices, sync + books check "
            f"| {inc['seconds']} s, {inc['qb_requests']} QuickBooks requests "
            f"| QuickBooks floor {inc['floor_seconds']} s; at most {inc.get('qb_request_bound')} "
            f"requests | {inc.get('ratio_to_floor')}x the floor |"
        )
    if "b4" in results:
        b4 = results["b4"]
        lines.append(
            f"| B4 longest GUI stall during a {b4['records_written']:,}-record sync from the tray "
            f"| {b4['max_stall_ms']} ms (10 ms heartbeat, {b4['ticks']:,} ticks) | 50 ms | |"
        )
    if "b5" in results:
        b5 = results["b5"]
        lines.append(
            f"| B5 start-up (offscreen) | tray ready {b5['tray_ready_s']} s after process start; "
            f"UI imports {b5['import_s']} s | 1.5 s | |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="B1 at 1,000 only; B3 at 10,000 only")
    parser.add_argument("--sizes", default="1000,10000", help="B1 sizes (comma separated)")
    parser.add_argument(
        "--baseline-limit",
        type=int,
        default=2000,
        help="records the naive loop really sends per size (the rest is extrapolated; 0 = all)",
    )
    parser.add_argument("--only", help="comma separated subset of b1,b2,b3,b4,b5,b6")
    parser.add_argument(
        "--models",
        default="flat,per_record",
        help="QuickBooks cost models B1, B2 and B6 run under (comma separated)",
    )
    parser.add_argument("--changes", type=int, default=50, help="B6 incremental: invoices changed")
    parser.add_argument("--note", default="", help="a word on the run, e.g. 'machine loaded'")
    args = parser.parse_args()
    only = set((args.only or "b1,b2,b3,b4,b5,b6").split(","))
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    results: dict[str, Any] = {"machine": machine()}
    if RESULTS.exists():
        previous = json.loads(RESULTS.read_text())
        results.update({k: v for k, v in previous.items() if k not in {"machine"}})
    models = args.models.split(",")
    if "b1" in only:
        runs = [b1_backfill(n, args.baseline_limit or None, m) for m in models for n in sizes]
        results["b1_runs"] = runs
        results["b1"] = runs[-1]
        save(results)
    if "b2" in only:
        results["b2_runs"] = [b2_incremental(m) for m in models]
        results["b2"] = results["b2_runs"][0]
        save(results)
    if "b6" in only:
        backfill_n, n_total = (1_000, 10_000) if args.quick else (10_000, 100_000)
        results["b6"] = b6_user_wait(backfill_n, n_total, args.changes, models)
        results["b6_note"] = args.note
        save(results)
    if "b3" in only:
        results["b3"] = b3_memory([10_000] if args.quick else [10_000, 100_000])
        save(results)
    if "b4" in only:
        results["b4"] = b4_stall(1_000 if args.quick else 10_000)
        save(results)
    if "b5" in only:
        results["b5"] = b5_startup()
        save(results)
    print(table(results))
    write_readme_table(table(results), args.note)


def save(results: dict[str, Any]) -> None:
    """After each benchmark, so a late failure does not lose the earlier figures."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
