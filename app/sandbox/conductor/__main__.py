"""Runs the Conductor sandbox in the foreground: `python -m app.sandbox.conductor [--port N]`.

Prints what a client needs (base URL, keys, end user) and the admin token, then serves until
interrupted. With `--state-file`, data and keys survive restarts.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading
from datetime import datetime

from app.sandbox.conductor.sandbox import ConductorSandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.sandbox.conductor", description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=40)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--payments", type=int, default=150)
    parser.add_argument("--state-file", default=None)
    parser.add_argument("--secret-key", default=None)
    parser.add_argument("--admin-token", default=None)
    parser.add_argument("--start-time", type=datetime.fromisoformat, default=None)
    parser.add_argument("--lenient", action="store_true", help="turn strict validation off")
    args = parser.parse_args(argv)
    sandbox = ConductorSandbox(
        seed=args.seed,
        customers=args.customers,
        items=args.items,
        invoices=args.invoices,
        payments=args.payments,
        strict=not args.lenient,
        port=args.port,
        admin_token=args.admin_token,
        secret_key=args.secret_key,
        state_file=args.state_file,
        start_time=args.start_time,
    ).start()
    print(f"base_url        {sandbox.base_url}")
    print(f"secret_key      {sandbox.secret_key}")
    print(f"publishable_key {sandbox.publishable_key}")
    print(f"end_user_id     {sandbox.end_user_id}")
    print(f"admin_token     {sandbox.admin_token}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    sandbox.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
