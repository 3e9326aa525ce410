"""Running the real engine (as the CLI builds it) against a sandbox process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from app.context import AppContext
from app.engine.engine import SyncEngine
from app.engine.factory import open_engine
from bench.sandbox_process import SandboxProcess, scratch_dir


@contextmanager
def engine_for(sandbox: SandboxProcess) -> Iterator[SyncEngine]:
    saved = {k: os.environ.get(k) for k in sandbox.environment()}
    os.environ.update(sandbox.environment())
    ctx = AppContext.create(scratch_dir("qbsf-bench-app-"), console_level=None)
    try:
        yield open_engine(ctx)
    finally:
        ctx.close()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
