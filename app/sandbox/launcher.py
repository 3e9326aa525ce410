"""Starting both sandboxes together, for demo mode, headless trials, tests and benchmarks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.sandbox.conductor import ConductorSandbox
from app.sandbox.salesforce import SalesforceSandbox


@dataclass(frozen=True)
class SandboxSize:
    customers: int = 40
    items: int = 20
    invoices: int = 300
    payments: int = 150
    opportunities: int = 12
    extra_accounts: int = 8


@dataclass
class Sandboxes:
    conductor: ConductorSandbox
    salesforce: SalesforceSandbox

    def info(self) -> dict[str, Any]:
        """Everything a client needs, as `python -m app sandbox` prints it."""
        return {
            "conductor_base_url": self.conductor.base_url,
            "conductor_secret_key": self.conductor.secret_key,
            "conductor_publishable_key": self.conductor.publishable_key,
            "conductor_end_user_id": self.conductor.end_user_id,
            "salesforce_login_url": self.salesforce.http_login_url or self.salesforce.login_url,
            "salesforce_instance_url": self.salesforce.instance_url,
            "salesforce_client_id": self.salesforce.client_id,
            "salesforce_access_token": self.salesforce.issue_access_token(),
            "ca_bundle": str(self.salesforce.ca_pem_path),
            "admin_token": self.conductor.admin_token,
            "salesforce_admin_token": self.salesforce.admin_token,
        }

    def environment(self) -> dict[str, str]:
        """The QBSF_* variables that point a headless sync at these sandboxes."""
        info = self.info()
        return {
            "QBSF_CONDUCTOR_BASE_URL": info["conductor_base_url"],
            "QBSF_CONDUCTOR_SECRET_KEY": info["conductor_secret_key"],
            "QBSF_CONDUCTOR_END_USER_ID": info["conductor_end_user_id"],
            "QBSF_SALESFORCE_INSTANCE_URL": info["salesforce_instance_url"],
            "QBSF_SALESFORCE_ACCESS_TOKEN": info["salesforce_access_token"],
            "QBSF_CA_BUNDLE": info["ca_bundle"],
        }

    def stop(self) -> None:
        self.conductor.stop()
        self.salesforce.stop()

    def __enter__(self) -> Sandboxes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_sandboxes(
    *,
    seed: int = 7,
    size: SandboxSize | None = None,
    state_dir: Path | None = None,
    conductor_port: int = 0,
    salesforce_port: int = 0,
    login_port: int | None = None,
    admin_token: str | None = None,
    strict: bool = True,
    missing: tuple[str, ...] = (),
) -> Sandboxes:
    size = size or SandboxSize()
    if state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
    conductor = ConductorSandbox(
        seed=seed,
        customers=size.customers,
        items=size.items,
        invoices=size.invoices,
        payments=size.payments,
        strict=strict,
        port=conductor_port,
        admin_token=admin_token,
        state_file=state_dir / "conductor.sqlite3" if state_dir else None,
    ).start()
    try:
        salesforce = SalesforceSandbox(
            seed=seed,
            qb_customers=size.customers,
            accounts_extra=size.extra_accounts,
            items=size.items,
            opportunities=size.opportunities,
            port=salesforce_port,
            http_login_port=login_port,
            admin_token=admin_token,
            state_file=state_dir / "salesforce.sqlite3" if state_dir else None,
            missing=missing,
        ).start()
    except BaseException:
        conductor.stop()
        raise
    return Sandboxes(conductor, salesforce)


def info_line(sandboxes: Sandboxes) -> str:
    return json.dumps(sandboxes.info(), separators=(",", ":"))
