"""The sandboxes in a process of their own: as in real life, the services are not in our memory."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ADMIN_HEADER = "X-Sandbox-Admin-Token"


@dataclass
class SandboxProcess:
    """Conductor's and Salesforce's sandboxes, each in a process of its own: QuickBooks is not
    slowed by the work Salesforce does meanwhile, as in real life."""

    processes: list[subprocess.Popen[str]]
    info: dict[str, Any]
    admin_token: str

    @classmethod
    def start(cls, *, invoices: int, payments: int = 0, customers: int = 40) -> SandboxProcess:
        token = secrets.token_urlsafe(16)
        sizes = ["--invoices", str(invoices), "--payments", str(payments)]
        sizes += ["--customers", str(customers)]
        started = cls([], {}, token)
        try:
            for service in ("conductor", "salesforce"):
                started._start(service, sizes)
        except BaseException:
            started.stop()
            raise
        return started

    def _start(self, service: str, sizes: list[str]) -> None:
        data_dir = tempfile.mkdtemp(prefix="qbsf-bench-sbx-")
        command = [sys.executable, "-m", "app", "--data-dir", data_dir, "sandbox", *sizes]
        command += [
            f"--only={service}",
            f"--admin-token={self.admin_token}",  # a generated token may start with a dash
            # Checking every answer against the spec is for tests; here it would only add CPU
            # that the sandbox and the app, sharing this machine, compete for.
            "--no-strict",
        ]
        env = {**os.environ, "QBSF_NO_BOOTSTRAP": "1"}
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        self.processes.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {service} sandbox process did not start")
        self.info.update(json.loads(line))

    @property
    def conductor_root(self) -> str:
        return str(self.info["conductor_base_url"]).removesuffix("/v1")

    @property
    def salesforce_root(self) -> str:
        return str(self.info["salesforce_instance_url"])

    def _admin(self, root: str, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            f"{root}/__sandbox/{path}",
            json=body,
            headers={ADMIN_HEADER: self.admin_token},
            verify=self.info["ca_bundle"],
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def set_latency(self, qb_ms: float, sf_ms: float) -> None:
        self._admin(self.conductor_root, "POST", "config", {"latency_ms": qb_ms})
        self._admin(self.salesforce_root, "POST", "config", {"latency_ms": sf_ms})

    def set_cost(self, qb_model: str, sf_ms: float) -> None:
        """QuickBooks' cost model by name (flat, per_record, none); Salesforce's latency."""
        self._admin(self.conductor_root, "POST", "config", {"cost_model": qb_model})
        self._admin(self.salesforce_root, "POST", "config", {"latency_ms": sf_ms})

    def advance_qb_clock(self, seconds: float) -> None:
        """Time passes in the company file: its next write is stamped `seconds` later."""
        self._admin(self.conductor_root, "POST", "clock", {"advance_seconds": seconds})

    def qb_requests(self) -> list[dict[str, Any]]:
        return list(self._admin(self.conductor_root, "GET", "requests"))

    def sf_requests(self) -> list[dict[str, Any]]:
        return list(self._admin(self.salesforce_root, "GET", "requests"))

    def environment(self) -> dict[str, str]:
        return {
            "QBSF_CONDUCTOR_BASE_URL": self.info["conductor_base_url"],
            "QBSF_CONDUCTOR_SECRET_KEY": self.info["conductor_secret_key"],
            "QBSF_CONDUCTOR_END_USER_ID": self.info["conductor_end_user_id"],
            "QBSF_SALESFORCE_INSTANCE_URL": self.info["salesforce_instance_url"],
            "QBSF_SALESFORCE_ACCESS_TOKEN": self.info["salesforce_access_token"],
            "QBSF_CA_BUNDLE": self.info["ca_bundle"],
        }

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def scratch_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix))
