"""The fast yes/no on response bodies agrees with jsonschema on real and broken bodies alike."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import httpx

from app.sandbox.conductor import ConductorSandbox
from app.sandbox.conductor.spec import Spec

LISTS = ("invoices", "receive-payments", "customers", "service-items", "non-inventory-items")
ODD_VALUES: list[Any] = [None, 0, 1, 1.5, True, False, "", "x", "2025-13-01", "2025-01-01"]
ODD_VALUES += [[], {}, "USD", "invoice", "a" * 50, {"id": "1"}, [{"id": "1"}]]


def _leaves(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield at
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*at, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*at, index))


def _broken(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The body with one value replaced, one key dropped or one key added, somewhere."""
    broken = copy.deepcopy(body)
    where = rng.choice(list(_leaves(broken))[1:])
    parent: Any = broken
    for step in where[:-1]:
        parent = parent[step]
    roll = rng.random()
    if roll < 0.6 or not isinstance(parent, dict):
        parent[where[-1]] = rng.choice(ODD_VALUES)
    elif roll < 0.8:
        del parent[where[-1]]
    else:
        parent["unknownKey"] = rng.choice(ODD_VALUES)
    return broken


def test_fast_check_agrees_with_jsonschema(sb: ConductorSandbox) -> None:
    spec = Spec.load()
    rng = random.Random(5)
    headers = {
        "Authorization": f"Bearer {sb.secret_key}",
        "Conductor-End-User-Id": sb.end_user_id,
    }
    checked = {"valid": 0, "invalid": 0}
    for name in LISTS:
        response = httpx.get(f"{sb.base_url}/quickbooks-desktop/{name}?limit=1", headers=headers)
        assert response.status_code == 200, response.text
        matched = spec.match("GET", f"/quickbooks-desktop/{name}")
        assert matched is not None
        op = matched[0]
        assert op.response_is_valid is not None
        body = response.json()
        assert op.response_is_valid(body)
        for _ in range(80):
            broken = _broken(body, rng)
            valid = not list(op.response_validator.iter_errors(broken))
            assert op.response_is_valid(broken) is valid, broken
            checked["valid" if valid else "invalid"] += 1
    assert checked["invalid"] > 250
    assert checked["valid"] > 10
    assert all(op.response_is_valid is not None for op in spec.operations.values())
