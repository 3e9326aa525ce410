"""`python -m app`, with its imports done before it is told what to run.

The kill tests start one of these while the previous run is being checked, then send it the
command line (one JSON list on stdin): the run itself starts at once, so a kill at "0.8 s" lands
0.8 s into the sync rather than in the interpreter's start-up.
"""

from __future__ import annotations

import json
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
    sys.argv = ["app", *json.loads(line)]
    runpy.run_module("app", run_name="__main__", alter_sys=True)
