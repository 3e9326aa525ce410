"""The QuickBooks cost model, set over the admin API: a named model's figures, single figures,
and the records and line items an answer is charged for."""

from __future__ import annotations

import requests

from app.sandbox._http import ADMIN_HEADER
from app.sandbox.conductor import cost
from app.sandbox.conductor.sandbox import ConductorSandbox
from tests.sandbox.conductor.conductor_sandbox_support import client_for


def _config(sb: ConductorSandbox, body: dict[str, object]) -> requests.Response:
    return requests.post(
        f"{sb.base_url.removesuffix('/v1')}/__sandbox/config",
        json=body,
        headers={ADMIN_HEADER: sb.admin_token},
        timeout=10,
    )


def test_a_named_model_sets_its_figures_and_single_figures_override_them(
    sb: ConductorSandbox,
) -> None:
    answer = _config(sb, {"cost_model": "per_record", "per_record_ms": 2})
    assert answer.status_code == 200, answer.text
    config = answer.json()
    fixed, _, per_line = cost.MODELS["per_record"]
    assert (config["latency_ms"], config["per_record_ms"], config["per_line_item_ms"]) == (
        fixed,
        2,
        per_line,
    )
    flat = _config(sb, {"cost_model": "flat"}).json()
    assert (flat["latency_ms"], flat["per_record_ms"], flat["per_line_item_ms"]) == (300, 0, 0)


def test_an_unknown_model_or_a_negative_figure_is_refused(sb: ConductorSandbox) -> None:
    assert _config(sb, {"cost_model": "free"}).status_code == 400
    assert _config(sb, {"per_line_item_ms": -1}).status_code == 400


def test_an_answer_is_charged_for_its_records_and_their_line_items(sb: ConductorSandbox) -> None:
    client = client_for(sb)
    page = client.qbd.invoices.list(conductor_end_user_id=sb.end_user_id, limit=5)
    body = {"data": [i.to_dict(mode="json") for i in page.data]}
    lines = sum(
        len(i["lines"]) + len(i["lineGroups"]) + len(i["linkedTransactions"]) for i in body["data"]
    )
    assert lines > 0
    assert cost.counted(body) == (5, lines)
    bare = client.qbd.invoices.list(
        conductor_end_user_id=sb.end_user_id, limit=5, include_line_items=False
    )
    without = {"data": [i.to_dict(mode="json") for i in bare.data]}
    assert cost.counted(without) == (5, sum(len(i["linkedTransactions"]) for i in without["data"]))
    one = page.data[0].to_dict(mode="json")
    assert cost.counted(one)[0] == 1
