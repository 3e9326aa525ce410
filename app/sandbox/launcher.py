"""Starting the sandboxes, together or one at a time, for demo mode, headless trials, tests and
benchmarks."""

from __future__ import annotations

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
        return {**conductor_info(self.conductor), **salesforce_info(self.salesforce)}

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
    conductor = start_conductor(
        seed=seed,
        size=size,
        state_dir=state_dir,
        port=conductor_port,
        admin_token=admin_token,
        strict=strict,
    )
    try:
        salesforce = start_salesforce(
            seed=seed,
            size=size,
            state_dir=state_dir,
            port=salesforce_port,
            login_port=login_port,
            admin_token=admin_token,
            missing=missing,
        )
    except BaseException:
        conductor.stop()
        raise
    return Sandboxes(conductor, salesforce)


def start_conductor(
    *,
    seed: int = 7,
    size: SandboxSize | None = None,
    state_dir: Path | None = None,
    port: int = 0,
    admin_token: str | None = None,
    strict: bool = True,
) -> ConductorSandbox:
    size = size or SandboxSize()
    return ConductorSandbox(
        seed=seed,
        customers=size.customers,
        items=size.items,
        invoices=size.invoices,
        payments=size.payments,
        strict=strict,
        port=port,
        admin_token=admin_token,
        state_file=_state_file(state_dir, "conductor"),
    ).start()


def start_salesforce(
    *,
    seed: int = 7,
    size: SandboxSize | None = None,
    state_dir: Path | None = None,
    port: int = 0,
    login_port: int | None = None,
    admin_token: str | None = None,
    missing: tuple[str, ...] = (),
) -> SalesforceSandbox:
    """The Salesforce sandbox whose sample org matches the Conductor sandbox of the same seed and
    size (alone, it can run in a process of its own)."""
    size = size or SandboxSize()
    return SalesforceSandbox(
        seed=seed,
        qb_customers=size.customers,
        accounts_extra=size.extra_accounts,
        items=size.items,
        opportunities=size.opportunities,
        port=port,
        http_login_port=login_port,
        admin_token=admin_token,
        state_file=_state_file(state_dir, "salesforce"),
        missing=missing,
    ).start()


def _state_file(state_dir: Path | None, name: str) -> Path | None:
    if state_dir is None:
        return None
    state_dir.mkdir(parents=True, exist_ok=True)
    return state_dir / f"{name}.sqlite3"


def conductor_info(conductor: ConductorSandbox) -> dict[str, Any]:
    return {
        "conductor_base_url": conductor.base_url,
        "conductor_secret_key": conductor.secret_key,
        "conductor_publishable_key": conductor.publishable_key,
        "conductor_end_user_id": conductor.end_user_id,
        "admin_token": conductor.admin_token,
    }


def salesforce_info(salesforce: SalesforceSandbox) -> dict[str, Any]:
    return {
        "salesforce_login_url": salesforce.http_login_url or salesforce.login_url,
        "salesforce_instance_url": salesforce.instance_url,
        "salesforce_client_id": salesforce.client_id,
        "salesforce_access_token": salesforce.issue_access_token(),
        "ca_bundle": str(salesforce.ca_pem_path),
        "salesforce_admin_token": salesforce.admin_token,
    }
