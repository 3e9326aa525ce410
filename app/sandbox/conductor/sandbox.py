"""`ConductorSandbox`: a seeded QuickBooks company behind the Conductor API on 127.0.0.1."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.sandbox._http import Fault, ServerThread
from app.sandbox.conductor.app import ConductorApp
from app.sandbox.conductor.clock import Clock
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.connections import Directory
from app.sandbox.conductor.qb import QuickBooks
from app.sandbox.conductor.seed import DEFAULT_ANCHOR, HISTORY_DAYS, Size, seed
from app.sandbox.conductor.spec import Spec, shared_spec
from app.sandbox.conductor.store import Store
from app.sandbox.conductor.values import parse_timestamp

_SEEDED = "seeded"


class ConductorSandbox:
    """The Conductor emulator with its company file, end users and keys.

    `start_time`: None makes the sandbox clock follow the wall clock (UTC); a datetime makes it
    virtual, starting there and moving one second per write, so two runs with the same seed
    and the same writes dump identically. The seeded history ends at `start_time` (or
    2025-06-30 17:00 UTC). With `state_file`, everything persists in that SQLite file and a
    restart continues where it stopped (seeding and keys happen once).
    """

    def __init__(
        self,
        seed: int = 7,
        customers: int = 40,
        items: int = 20,
        invoices: int = 300,
        payments: int = 150,
        strict: bool = True,
        port: int = 0,
        admin_token: str | None = None,
        secret_key: str | None = None,
        state_file: str | Path | None = None,
        *,
        publishable_key: str | None = None,
        start_time: datetime | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.seed = seed
        self.host = host
        self._port = port
        self._server: ServerThread | None = None
        spec = shared_spec()
        self._store = Store(str(state_file) if state_file is not None else None)
        anchor = (start_time or DEFAULT_ANCHOR).astimezone(UTC).replace(microsecond=0)
        if self._store.meta(_SEEDED) is None:
            self._seed(spec, seed, Size(customers, items, invoices, payments), anchor)
        latest = self._store.latest_timestamp()
        clock = Clock(last=anchor, virtual=start_time is not None)
        if latest:
            clock.observe(parse_timestamp(latest))
        self.company = Company(self._store, clock, spec)
        self.directory = Directory(self._store, clock, spec, seed)
        self.qb = QuickBooks(self.company)
        self.secret_key = self._key("secret_key", secret_key, "sk_test_")
        self.publishable_key = self._key("publishable_key", publishable_key, "pk_test_")
        self.end_user_id = self._default_end_user()
        self.app = ConductorApp(
            company=self.company,
            directory=self.directory,
            spec=spec,
            secret_key=self.secret_key,
            publishable_key=self.publishable_key,
            strict=strict,
            admin_token=admin_token,
            fault_seed=seed,
        )
        self.admin_token = self.app.admin_token

    def _seed(self, spec: Spec, seed_value: int, size: Size, anchor: datetime) -> None:
        history_start = anchor - timedelta(days=HISTORY_DAYS + 35)
        seeding = Company(self._store, Clock(last=history_start, virtual=True), spec)
        seed(seeding, seed_value, size, anchor)
        self._store.set_meta(
            _SEEDED, json.dumps({"seed": seed_value, **size.__dict__, "anchor": anchor.isoformat()})
        )

    def _key(self, name: str, given: str | None, prefix: str) -> str:
        key = given or self._store.meta(name) or f"{prefix}{secrets.token_hex(16)}"
        self._store.set_meta(name, key)
        return key

    def _default_end_user(self) -> str:
        stored = self._store.meta("default_end_user")
        if stored is not None:
            return stored
        body = self.directory.create_end_user(
            "Sample Company", "sandbox-company", "owner@sample-company.example.com", connected=True
        )
        self._store.set_meta("default_end_user", body["id"])
        return str(body["id"])

    # -- server -----------------------------------------------------------------------------
    def start(self) -> ConductorSandbox:
        if self._server is None:
            self._server = ServerThread(self.app, host=self.host, port=self._port).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def close(self) -> None:
        self.stop()
        self._store.close()

    def __enter__(self) -> ConductorSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not started")
        return self._server.port

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/v1"

    # -- control ----------------------------------------------------------------------------
    def add_fault(self, kind: str, **fields: Any) -> Fault:
        fault = Fault.from_json({"kind": kind, **fields})
        self.app.faults.add(fault)
        return fault

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def set_config(self, **changes: Any) -> dict[str, Any]:
        self.app.apply_config(changes)
        return dict(self.app.config)

    def requests(self) -> list[dict[str, Any]]:
        return self.app.requests_log()

    @property
    def schema_violations(self) -> list[dict[str, Any]]:
        return self.app.schema_violations

    @property
    def internal_errors(self) -> list[dict[str, Any]]:
        return self.app.internal_errors

    def set_connection(self, end_user_id: str, *, active: bool) -> None:
        """Marks an end user's QuickBooks connection set up (or not), skipping the auth flow."""
        self.directory.set_active(end_user_id, active)

    def dump(self) -> dict[str, Any]:
        """All data in a stable order (records in creation order, then deletions, end users)."""
        rows = self._store.dump_rows()
        records: dict[str, list[dict[str, Any]]] = {}
        for kind, body in rows["records"]:
            records.setdefault(kind, []).append(body)
        objects: dict[str, list[dict[str, Any]]] = {}
        for kind, body in rows["objects"]:
            objects.setdefault(kind, []).append(body)
        return {"records": records, "deleted": rows["deleted"], "conductor": objects}
