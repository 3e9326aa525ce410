"""`SalesforceSandbox`: the emulator served over HTTPS on localhost, with a Python handle for tests,
scripts and demo mode."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from app.sandbox._http import Fault, ServerThread
from app.sandbox.salesforce import faults, values
from app.sandbox.salesforce.default_org import default_schema
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.sample_data import DEMO_PASSWORD, DEMO_USERNAME, SampleSize, seed_org
from app.sandbox.salesforce.schema import FieldDef, Schema
from app.sandbox.salesforce.service import SalesforceApp
from app.sandbox.salesforce.tls import server_context

BASE_FAULTS = ("delay", "drop")


class SalesforceSandbox:
    """A seeded org behind a real HTTPS server.

    `state_file` keeps the org (records, tokens, API usage) in SQLite, and the test CA beside it,
    so demo mode survives a restart; without it everything lives in memory and a temporary folder.
    Bulk 2.0 jobs, query cursors and authorization codes are short-lived and kept in memory only.
    `missing` hides objects or fields: ("Account.QuickBooks_Balance__c", "QuickBooks_Payment__c").
    """

    username = DEMO_USERNAME
    password = DEMO_PASSWORD

    def __init__(
        self,
        seed: int = 7,
        qb_customers: int = 40,
        accounts_extra: int = 8,
        items: int = 20,
        opportunities: int = 12,
        port: int = 0,
        http_login_port: int | None = None,
        admin_token: str | None = None,
        state_file: str | Path | None = None,
        rotate_refresh_tokens: bool = False,
        missing: tuple[str, ...] | list[str] = (),
    ) -> None:
        self._port = port
        self._http_port = http_login_port
        self._state_file = Path(state_file) if state_file is not None else None
        schema = default_schema()
        schema.set_missing(missing)
        self.org = Org.open(schema, self._state_file)
        if self.org.store.meta("seed") is None:
            seed_org(
                self.org,
                seed,
                SampleSize(
                    qb_customers=qb_customers,
                    accounts_extra=accounts_extra,
                    items=items,
                    opportunities=opportunities,
                ),
            )
        self.app = SalesforceApp(
            self.org,
            seed=seed,
            admin_token=admin_token,
            rotate_refresh_tokens=rotate_refresh_tokens,
        )
        self._servers: list[ServerThread] = []
        self._tmp: Path | None = None
        self.instance_url = ""
        self.http_login_url: str | None = None
        self.ca_pem_path = ""

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> SalesforceSandbox:
        if self._state_file is not None:
            ca_pem = self._state_file.with_name(self._state_file.name + ".ca.pem")
        else:
            self._tmp = Path(tempfile.mkdtemp(prefix="sf-sandbox-"))
            ca_pem = self._tmp / "ca.pem"
        context = server_context(ca_pem, keep_ca=self._state_file is not None)
        self.ca_pem_path = str(ca_pem)
        https = ServerThread(self.app, port=self._port, ssl_context=context).start()
        self._servers.append(https)
        self.instance_url = f"https://localhost:{https.port}"
        self.app.apply_config({"instance_url": self.instance_url, "login_url": self.instance_url})
        if self._http_port is not None:
            plain = ServerThread(self.app, port=self._http_port).start()
            self._servers.append(plain)
            self.http_login_url = f"http://localhost:{plain.port}"
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.stop()
        self._servers.clear()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def close(self) -> None:
        """Stop serving and release the database; the data stays readable after `stop` alone."""
        self.stop()
        self.org.store.close()

    def __enter__(self) -> SalesforceSandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- identity ------------------------------------------------------------------------------
    @property
    def login_url(self) -> str:
        return self.instance_url

    @property
    def admin_token(self) -> str:
        return self.app.admin_token

    @property
    def client_id(self) -> str:
        return self.app.oauth.client_id

    @property
    def redirect_uris(self) -> list[str]:
        return self.app.oauth.redirect_uris

    @property
    def org_id(self) -> str:
        return self.org.org_id

    @property
    def user_id(self) -> str:
        return self.org.user_id

    @property
    def schema(self) -> Schema:
        return self.org.schema

    def issue_tokens(self) -> dict[str, Any]:
        """What the token endpoint answers after a sign-in: access and refresh token and more."""
        return self.app.oauth.issue()

    def issue_access_token(self) -> str:
        return str(self.issue_tokens()["access_token"])

    def expire_tokens(self, *, refresh_too: bool = False) -> None:
        self.app.oauth.expire_access_tokens(refresh_too=refresh_too)

    # -- behaviour -----------------------------------------------------------------------------
    def add_fault(self, kind: str, **fields: Any) -> None:
        if kind not in faults.KINDS + BASE_FAULTS:
            raise ValueError(f"unknown fault kind {kind!r}")
        self.app.faults.add(Fault.from_json({"kind": kind, **fields}))

    def clear_faults(self) -> None:
        self.app.faults.clear()

    def set_config(self, **changes: Any) -> None:
        self.app.apply_config(changes)

    def alter_field(self, path: str, **changes: Any) -> FieldDef:
        """Change a field's definition, e.g. ("Product2.QuickBooks_Item_Id__c", unique=False)."""
        return self.org.schema.alter_field(path, **changes)

    @property
    def api_usage(self) -> int:
        return self.app.usage.used

    def requests(self) -> list[dict[str, Any]]:
        return self.app.requests_log()

    # -- data ----------------------------------------------------------------------------------
    def records(self, object_name: str, *, include_deleted: bool = False) -> list[dict[str, Any]]:
        """The object's records, every stored field in JSON form, oldest first.

        Objects and fields switched off with `missing` are included: this is the org's storage,
        not what the API shows.
        """
        obj = self.org.schema.stored_object(object_name)
        rows = self.org.store.rows(obj, include_deleted=include_deleted)
        return [
            {f.name: values.to_json(f, row.get(f.name)) for f in obj.fields.values()}
            for row in rows
        ]

    def dump(self, *, system_fields: bool = True) -> dict[str, list[dict[str, Any]]]:
        """Every record of every object, deleted ones included, in a stable order.

        Without `system_fields` the timestamps and audit fields are left out, so two runs that
        wrote the same data at different times compare equal.
        """
        system = {
            "CreatedDate",
            "LastModifiedDate",
            "SystemModstamp",
            "CreatedById",
            "LastModifiedById",
        }
        out: dict[str, list[dict[str, Any]]] = {}
        for obj in sorted(self.org.schema.all_objects(), key=lambda o: o.name):
            fields = [f for f in obj.fields.values() if system_fields or f.name not in system]
            out[obj.name] = [
                {f.name: values.to_json(f, row.get(f.name)) for f in fields}
                for row in self.org.store.rows(obj)
            ]
        return out
