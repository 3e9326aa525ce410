"""Demo mode's problem switch: each simulated problem is a fault posted to a sandbox's admin API.

It has the shape of `app.ui.fault_switch.FaultSwitch`, so the tray can offer "Simulate a problem"
without importing anything of the sandboxes. The faults are those the sandboxes document (see
`app.sandbox.conductor.faults` and `app.sandbox.salesforce.faults`); they last until cleared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from app.sandbox._http import ADMIN_HEADER, ADMIN_PREFIX
from app.sandbox.launcher import Sandboxes

#: A fault that fires on every matching request until it is cleared.
UNTIL_CLEARED: dict[str, Any] = {"times": None}
ADMIN_TIMEOUT_S = 10


@dataclass(frozen=True)
class Simulation:
    key: str
    label: str
    #: The faults posted to each sandbox: "conductor" and/or "salesforce".
    faults: tuple[tuple[str, dict[str, Any]], ...]


SIMULATIONS = (
    Simulation("qb_dialog", "QuickBooks dialog open", (("conductor", {"kind": "qb_dialog"}),)),
    Simulation(
        "qb_not_running",
        "QuickBooks not running",
        (("conductor", {"kind": "qb_not_running"}),),
    ),
    Simulation(
        "web_connector_offline",
        "Web Connector offline",
        (("conductor", {"kind": "web_connector_offline"}),),
    ),
    Simulation(
        "sign_in_expired",
        "Salesforce sign-in expired",
        # Fires once: every token issued so far, refresh tokens too, stops working.
        (("salesforce", {"kind": "expired_token", "refresh_too": True, "times": 1}),),
    ),
    Simulation(
        "conductor_down",
        "Conductor cannot be reached",
        (("conductor", {"kind": "drop"}),),
    ),
    Simulation(
        "network_drop",
        "Network drop",
        (("conductor", {"kind": "drop"}), ("salesforce", {"kind": "drop"})),
    ),
)


class SandboxFaultSwitch:
    """Posts and clears faults over the sandboxes' admin APIs, as any outside tool could."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        self._admin = {
            "conductor": (sandboxes.conductor.root_url, sandboxes.conductor.admin_token, True),
            "salesforce": (
                sandboxes.salesforce.instance_url,
                sandboxes.salesforce.admin_token,
                str(sandboxes.salesforce.ca_pem_path),
            ),
        }
        self._by_key = {s.key: s for s in SIMULATIONS}

    def simulations(self) -> Sequence[tuple[str, str]]:
        return [(s.key, s.label) for s in SIMULATIONS]

    def simulate(self, key: str) -> None:
        simulation = self._by_key.get(key)
        if simulation is None:
            raise ValueError(f"no simulated problem {key!r}; known: {', '.join(self._by_key)}")
        for service, fault in simulation.faults:
            self._call(service, "POST", {**UNTIL_CLEARED, **fault})

    def clear(self) -> None:
        for service in self._admin:
            self._call(service, "DELETE")

    def _call(self, service: str, method: str, body: dict[str, Any] | None = None) -> None:
        root, token, verify = self._admin[service]
        response = requests.request(
            method,
            f"{root}{ADMIN_PREFIX}faults",
            json=body,
            headers={ADMIN_HEADER: token},
            verify=verify,
            timeout=ADMIN_TIMEOUT_S,
        )
        response.raise_for_status()
