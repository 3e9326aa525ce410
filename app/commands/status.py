"""`status`: what is connected and how the last sync went."""

from __future__ import annotations

import argparse
import sys

from app import APP_NAME, __version__
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.engine.health import status_lines
from app.engine.standing import standing
from app.engine.wording import local_time, outcomes_text


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser("status", help="what is connected and how the last sync went")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.store
    out = sys.stdout
    out.write(f"{APP_NAME} {__version__}\n")
    out.write(f"Data folder: {ctx.paths.data_dir}\n")
    out.write(f"Database:    {ctx.paths.database} (schema {store.schema_version()})\n")
    out.write(f"Logs:        {ctx.paths.log_file}\n\n")

    for line in status_lines(store, ctx.credentials):
        out.write(line + "\n")

    now = standing(store)
    out.write(f"\nIn step:     {now.line}\n")
    if now.fix is not None:
        out.write(f"What to do:  {now.fix_command}\n")

    run_row = next((r for r in store.runs(limit=50) if not r.dry_run), None)
    if run_row is None:
        out.write("Last sync:   never\n")
    else:
        counts = store.outcome_counts(run_row.id)
        summary = outcomes_text(counts) or "nothing"
        when = local_time(run_row.finished_at or run_row.started_at)
        out.write(f"Last sync:   #{run_row.id} {run_row.status} at {when} ")
        out.write(f"({run_row.trigger}; {summary})\n")
    return ExitCode.OK
