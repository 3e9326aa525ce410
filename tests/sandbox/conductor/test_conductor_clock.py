"""Time passing in the company file, set over the admin API: a write after the clock moved is
stamped as far after the last one, and list filters on `updatedAfter` see it that way."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from app.sandbox._http import ADMIN_HEADER
from app.sandbox.conductor.sandbox import ConductorSandbox
from tests.sandbox.conductor.conductor_sandbox_support import assert_clean, client_for


def _advance(sb: ConductorSandbox, body: object) -> requests.Response:
    return requests.post(
        f"{sb.base_url.removesuffix('/v1')}/__sandbox/clock",
        json=body,
        headers={ADMIN_HEADER: sb.admin_token},
        timeout=10,
    )


def test_a_write_after_the_clock_moves_is_stamped_that_much_later(sb: ConductorSandbox) -> None:
    client = client_for(sb)
    invoices = client.qbd.invoices.list(conductor_end_user_id=sb.end_user_id, limit=2).data
    first = client.qbd.invoices.update(
        invoices[0].id,
        conductor_end_user_id=sb.end_user_id,
        revision_number=invoices[0].revision_number,
        memo="before the clock moved",
    )
    answer = _advance(sb, {"advance_seconds": 3600})
    assert answer.status_code == 200, answer.text
    moved_to = datetime.fromisoformat(answer.json()["now"])
    second = client.qbd.invoices.update(
        invoices[1].id,
        conductor_end_user_id=sb.end_user_id,
        revision_number=invoices[1].revision_number,
        memo="an hour later",
    )
    earlier = datetime.fromisoformat(first.updated_at)
    later = datetime.fromisoformat(second.updated_at)
    assert moved_to >= earlier + timedelta(seconds=3600)
    assert later > moved_to - timedelta(seconds=1)
    since = (earlier + timedelta(minutes=30)).isoformat()
    changed = client.qbd.invoices.list(
        conductor_end_user_id=sb.end_user_id, updated_after=since, include_line_items=False
    ).data
    assert [i.id for i in changed] == [invoices[1].id]
    assert_clean(sb)


def test_a_clock_moved_back_or_by_no_number_is_refused(sb: ConductorSandbox) -> None:
    refused: list[object] = [{"advance_seconds": v} for v in (-1, "600", True)]
    for body in [*refused, {}]:
        answer = _advance(sb, body)
        assert answer.status_code == 400, (body, answer.text)
        assert "advance_seconds" in answer.json()["error"]
