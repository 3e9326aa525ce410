"""`python -m app`, with its imports done before it is told what to run.

The kill tests start one of these while the previous run is being checked, then send it the
command line and the QBSF_* variables of the sandboxes it is to use (one JSON object on stdin):
the run itself starts at once, so a kill at "0.8 s" lands 0.8 s into the sync rather than in the
interpreter's start-up, and one warmed process serves whichever world comes next.
"""

from __future__ import annotations

import json
import os
import runpy
import sys

import app.cli
import app.commands.sync
import app.engine.factory
import app.salesforce.oauth  # noqa: F401 - imported ahead on purpose

if __name__ == "__main__":
    print("ready", flush=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise SystemExit(0)
    told = json.loads(line)
    for name in [n for n in os.environ if n.startswith("QBSF_")]:
        del os.environ[name]
    os.environ.update(told["env"])
    sys.argv = ["app", *told["argv"]]
    runpy.run_module("app", run_name="__main__", alter_sys=True)
