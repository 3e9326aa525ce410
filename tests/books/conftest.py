"""Fixtures for the books suite: both sandboxes, a synced engine, and request-log helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.result import RunStatus
from app.sandbox.launcher import start_sandboxes
from tests.integration.conftest import World, build_world

#: The seeded payments of this month are compared in the tests (the history ends 2025-06-30).
PERIOD = ("2025-06-01", "2025-06-30")


@pytest.fixture
def world(data_dir: Path) -> Iterator[World]:
    with start_sandboxes(seed=7) as sandboxes:
        w = build_world(sandboxes, data_dir)
        yield w
        w.store.close()
        assert sandboxes.conductor.schema_violations == [], "every response matches the spec"


@pytest.fixture
def synced(world: World) -> World:
    result = world.engine.run(trigger="test")
    assert result.status is RunStatus.SUCCEEDED, result.error
    return world


def posts(world: World, since: int, resource: str) -> list[dict[str, Any]]:
    """POSTs to a QuickBooks resource (e.g. "invoices") after request number `since`."""
    return [
        r
        for r in world.qb_requests()[since:]
        if r["method"] == "POST" and r["path"].rstrip("/").endswith(f"/{resource}")
    ]


def mirror(world: World, sobject: str, field: str, qb_id: str) -> dict[str, Any]:
    rows = [r for r in world.sf_records(sobject) if r.get(field) == qb_id]
    assert len(rows) == 1, f"{len(rows)} mirrors of {qb_id}"
    return rows[0]
