"""`python -m bench.tray_probe startup|stall [INVOICES]`: the tray app, offscreen, measured.

startup: process start -> tray ready (the status window shown and the event loop turning), and the
time to import the UI. stall: a sync of INVOICES started from the tray (Sync now) while a 10 ms
timer on the GUI thread records the longest gap between its ticks.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil

HEARTBEAT_MS = 10


def process_age() -> float:
    return time.time() - psutil.Process().create_time()


def startup() -> dict[str, float]:
    import_started = time.perf_counter()
    from PySide6.QtCore import QTimer

    from app.context import AppContext
    from app.ui.application import qt_application
    from app.ui.shell import Shell

    import_s = time.perf_counter() - import_started
    from app.store.settings import CONDUCTOR_END_USER_ID, SALESFORCE_INSTANCE_URL
    from bench.sandbox_process import scratch_dir

    ctx = AppContext.create(scratch_dir("qbsf-bench-tray-"), console_level=None)
    ctx.store.set(CONDUCTOR_END_USER_ID, "end_usr_bench")
    ctx.store.set(SALESFORCE_INSTANCE_URL, "https://localhost:1")
    app = qt_application()
    shell = Shell(ctx, poll=False)
    ready: dict[str, float] = {}

    def mark() -> None:
        ready["tray_ready_s"] = process_age()
        app.quit()

    shell.start()
    QTimer.singleShot(0, mark)
    app.exec()
    return {"tray_ready_s": round(ready["tray_ready_s"], 3), "import_s": round(import_s, 3)}


def stall(invoices: int) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QTimer

    from app.context import AppContext
    from app.store.settings import CONDUCTOR_END_USER_ID, SALESFORCE_INSTANCE_URL
    from app.ui.application import qt_application
    from app.ui.shell import Shell
    from app.ui.warm_up import warm_up
    from bench.sandbox_process import SandboxProcess, scratch_dir

    with SandboxProcess.start(invoices=invoices) as sandbox:
        os.environ.update(sandbox.environment())
        sandbox.set_latency(300, 80)
        ctx = AppContext.create(scratch_dir("qbsf-bench-tray-"), console_level=None)
        ctx.store.set(CONDUCTOR_END_USER_ID, sandbox.info["conductor_end_user_id"])
        ctx.store.set(SALESFORCE_INSTANCE_URL, sandbox.info["salesforce_instance_url"])
        app = qt_application()
        shell = Shell(ctx, poll=False)
        clock = QElapsedTimer()
        state = {"last": 0, "max": 0, "ticks": 0, "result": None}

        def tick() -> None:
            now = clock.elapsed()
            state["max"] = max(state["max"], now - state["last"])
            state["last"] = now
            state["ticks"] += 1

        def finished(kind: str, result: object) -> None:
            state["result"] = result
            app.quit()

        heartbeat = QTimer()
        heartbeat.setInterval(HEARTBEAT_MS)
        heartbeat.timeout.connect(tick)
        shell.controller.run_finished.connect(finished)
        shell.controller.run_failed.connect(lambda kind, error: finished(kind, error))
        shell.start()
        warm_up().join()  # as after a person's first few seconds with the tray

        def begin() -> None:
            clock.start()
            heartbeat.start()
            shell.sync_now()

        QTimer.singleShot(0, begin)
        started = time.perf_counter()
        app.exec()
        seconds = time.perf_counter() - started
        result = state["result"]
        written = result.count("created") + result.count("updated")  # type: ignore[union-attr]
    stall_ms = max(0, int(state["max"]) - HEARTBEAT_MS)
    return {
        "max_stall_ms": stall_ms,
        "max_gap_ms": int(state["max"]),
        "ticks": int(state["ticks"]),
        "seconds": round(seconds, 2),
        "records_written": written,
    }


def main() -> None:
    mode = sys.argv[1]
    if mode == "startup":
        print(json.dumps(startup()))
    elif mode == "stall":
        print(json.dumps(stall(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000)))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
