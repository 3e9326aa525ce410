"""`python -m bench.memory_probe N`: backfill N invoices in a fresh process; print peak RSS."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from bench.engine_run import engine_for
from bench.sandbox_process import SandboxProcess


def _peak_rss_kb() -> int:
    """This process's peak RSS. Linux's `ru_maxrss` keeps the parent's peak across fork and
    exec (a bench process that held 100,000 records would be counted here); `VmHWM` is this
    program's own."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    invoices = int(sys.argv[1])
    with SandboxProcess.start(invoices=invoices) as sandbox, engine_for(sandbox) as engine:
        engine.reconcile_after_sync = "--no-reconcile" not in sys.argv
        started = time.perf_counter()
        result = engine.run(["customers", "invoices"], trigger="bench")
        seconds = time.perf_counter() - started
        peak_kb = _peak_rss_kb()
        print(
            json.dumps(
                {
                    "invoices": invoices,
                    "status": result.status.value,
                    "written": result.count("created", "invoices")
                    + result.count("updated", "invoices"),
                    "seconds": round(seconds, 2),
                    "rss_mb": round(peak_kb / 1024, 1),
                }
            )
        )


if __name__ == "__main__":
    main()
