"""The reliability runner: small sandboxes, the CLI in a subprocess, kills, and the audit.

The audit reads both sandboxes and the ledger and lists every record lost or doubled, every link
that disagrees with either side, and every cursor that has moved past a record not committed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from app.domain.salesforce_ids import external_id_for
from app.domain.workflows import STATUS_DELETED
from app.engine.context import parse_stamp
from app.sandbox._http import Fault
from app.sandbox.launcher import Sandboxes, SandboxSize, start_sandboxes

ROOT = Path(__file__).resolve().parents[2]
SMALL = SandboxSize(
    customers=6, items=4, invoices=24, payments=12, opportunities=6, extra_accounts=4
)
ITEM_KINDS = ("service_item", "non_inventory_item")
#: The ledger's cursors, and what each one walks over.
QB_CURSORS = {
    "items": ITEM_KINDS,
    "invoices": ("invoice",),
    "payments": ("receive_payment",),
    "customers:balance": ("customer",),
}


@contextmanager
def small_world(seed: int, size: SandboxSize = SMALL) -> Iterator[Sandboxes]:
    with start_sandboxes(seed=seed, size=size) as sandboxes:
        yield sandboxes


# -- the CLI in a subprocess -----------------------------------------------------------------
def cli_env(sandboxes: Sandboxes, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBSF_")}
    env.update(sandboxes.environment())
    env["QBSF_NO_BOOTSTRAP"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def cli_command(data_dir: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "app", "--data-dir", str(data_dir), *args]


def run_cli(
    env: dict[str, str], data_dir: Path, *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(data_dir, *args),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# -- kills ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class KillPoint:
    """Where a run dies: during the `skip`+1-th matching request (before or after the sandbox
    carries it out), or `seconds` after the process starts."""

    label: str
    sandbox: str | None = None  # "conductor" or "salesforce"; None: at a moment in time
    path: str | None = None
    method: str | None = None
    skip: int = 0
    after_commit: bool = False
    seconds: float = 0.0

    @classmethod
    def at_random(cls, rng: random.Random, label: str, points: list[KillPoint]) -> KillPoint:
        point = rng.choice(points)
        return cls(
            f"{label}: {point.label}",
            point.sandbox,
            point.path,
            point.method,
            rng.randint(0, max(point.skip, 0)),
            rng.random() < 0.5 if point.sandbox else False,
            rng.uniform(0.05, point.seconds) if point.seconds else 0.0,
        )


#: How long a request pinned for a kill is held; the kill comes within a few milliseconds.
HOLD_S = 0.5


class Runner:
    """Starts `python -m app` in a new process, one kept warmed up (imports done) ahead.

    Each run gets the QBSF_* variables of the env last given, so a process warmed up for one
    world serves the next."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self._next: subprocess.Popen[str] | None = None

    def use(self, env: dict[str, str]) -> None:
        self.env = env

    def prepare(self) -> None:
        if self._next is None:
            self._next = subprocess.Popen(
                [sys.executable, "-m", "tests.reliability.warm_cli"],
                env=self.env,
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

    def start(self, data_dir: Path, *args: str) -> subprocess.Popen[str]:
        self.prepare()
        process, self._next = self._next, None
        assert process is not None and process.stdin is not None and process.stdout is not None
        ready = process.stdout.readline()
        assert ready.strip() == "ready", ready + (process.stderr.read() if process.stderr else "")
        told = {
            "argv": ["--data-dir", str(data_dir), *args],
            "env": {k: v for k, v in self.env.items() if k.startswith("QBSF_")},
        }
        process.stdin.write(json.dumps(told) + "\n")
        process.stdin.flush()
        return process

    def close(self) -> None:
        if self._next is not None:
            self._next.communicate("", timeout=30)  # an empty line: nothing to run
            self._next = None


def run_and_kill(
    sandboxes: Sandboxes, runner: Runner, data_dir: Path, args: tuple[str, ...], at: KillPoint
) -> bool:
    """Starts the CLI and SIGKILLs it at `at`; False when the run ended first."""
    fault: Fault | None = None
    if at.sandbox is not None:
        fault = Fault(
            "delay",
            path=at.path,
            method=at.method,
            times=1,
            skip=at.skip,
            after_commit=at.after_commit,
            params={"seconds": HOLD_S},
        )
        app = sandboxes.conductor.app if at.sandbox == "conductor" else sandboxes.salesforce.app
        app.faults.add(fault)
    process = runner.start(data_dir, *args)
    started = time.monotonic()
    try:
        while process.poll() is None:
            if fault is not None and fault.fired:
                # After commit the handler runs first; it takes milliseconds on this data.
                time.sleep(0.15 if at.after_commit else 0.02)
                break
            if fault is None and time.monotonic() - started >= at.seconds:
                break
            if time.monotonic() - started > 60:
                break
            time.sleep(0.005)
        if process.poll() is not None:
            return False
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.communicate()
        if fault is not None:
            app.faults.clear()
            if fault.fired:
                time.sleep(HOLD_S)  # let the held request finish before the next run starts
        runner.prepare()


# -- the ledger ----------------------------------------------------------------------------
@dataclass
class Ledger:
    links: dict[str, dict[str, str | None]]  # workflow -> qb id -> sf id
    cursors: dict[tuple[str, str], str]
    decisions: dict[str, str]
    runs: list[dict[str, Any]]

    @classmethod
    def read(cls, database: Path) -> Ledger:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        conn.row_factory = sqlite3.Row
        try:
            links: dict[str, dict[str, str | None]] = {}
            for row in conn.execute("SELECT workflow, qb_id, sf_id, content_hash FROM links"):
                links.setdefault(row["workflow"], {})[row["qb_id"]] = row["sf_id"]
            cursors = {
                (r["workflow"], r["source"]): r["value"]
                for r in conn.execute("SELECT workflow, source, value FROM cursors")
            }
            decisions = {
                r[0]: r[1]
                for r in conn.execute("SELECT sf_opportunity_id, decision FROM review_decisions")
            }
            runs = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
        finally:
            conn.close()
        return cls(links, cursors, decisions, runs)


# -- the audit -----------------------------------------------------------------------------
@dataclass
class Audit:
    duplicates: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    inconsistent: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return self.duplicates + self.lost + self.inconsistent

    def __str__(self) -> str:
        return "\n".join(self.problems) or "clean"


def _once(
    audit: Audit, what: str, expected: set[str], found: Counter[str], gone: set[str] = frozenset()
) -> None:
    """Each of `expected` found once; anything else found must be a mirror of a deleted record."""
    for key in sorted(expected):
        if found[key] == 0:
            audit.lost.append(f"{what} {key} is missing")
        elif found[key] > 1:
            audit.duplicates.append(f"{what} {key} is there {found[key]} times")
    for key, n in sorted(found.items()):
        if key not in expected and key not in gone:
            audit.inconsistent.append(f"{what} {key} ({n}x) has no QuickBooks record")


def audit(sandboxes: Sandboxes, database: Path, *, complete: bool = True) -> Audit:
    """Both sides and the ledger; `complete`: a run has just finished, so all must be in step."""
    qb, sf = sandboxes.conductor.qb, sandboxes.salesforce
    ledger = Ledger.read(database)
    result = Audit()
    items = {i["id"] for kind in ITEM_KINDS for i in qb.all(kind)}
    invoices = qb.all("invoice")
    payments = {p["id"] for p in qb.all("receive_payment")}
    customers = qb.all("customer")
    accounts = sf.records("Account")
    opportunities = {o["Id"]: o for o in sf.records("Opportunity")}
    mirrors = {
        "items": ("Product2", "QuickBooks_Item_Id__c", items),
        "invoices": (
            "QuickBooks_Invoice__c",
            "QuickBooks_Invoice_Id__c",
            {i["id"] for i in invoices},
        ),
        "payments": ("QuickBooks_Payment__c", "QuickBooks_Payment_Id__c", payments),
    }
    deleted = {row[2] for row in sandboxes.conductor.dump()["deleted"]}
    sf_by_id: dict[str, dict[str, Any]] = {}
    for workflow, (sobject, external, qb_ids) in mirrors.items():
        rows = sf.records(sobject)
        sf_by_id.update({r["Id"]: r for r in rows})
        found = Counter(r[external] for r in rows if r.get(external))
        if complete:
            _once(result, sobject, qb_ids, found, deleted)
            for row in rows:
                if row.get(external) in deleted and row.get("Status__c") != STATUS_DELETED:
                    result.lost.append(f"{sobject} {row[external]}: deletion not marked")
        else:
            for key, n in found.items():
                if n > 1:
                    result.duplicates.append(f"{sobject} {key} is there {n} times")
        if sobject == "Product2":  # item names are unique in QuickBooks, and were in Salesforce
            names = Counter(r["Name"] for r in rows)
            result.duplicates += [f"Product2 {k!r} {n} times" for k, n in names.items() if n > 1]
        else:
            for row in rows:
                if not row.get(external):
                    result.duplicates.append(f"{sobject} {row['Id']} has no QuickBooks id")
        _links_agree(result, ledger, workflow, sf_by_id, external, qb_ids, complete=complete)

    # Accounts <-> customers, both ways.
    account_ids = Counter(
        a["QuickBooks_Customer_Id__c"] for a in accounts if a.get("QuickBooks_Customer_Id__c")
    )
    for key, n in account_ids.items():
        if n > 1:
            result.duplicates.append(f"QuickBooks customer {key} is on {n} accounts")
    customer_ids = {c["id"] for c in customers}
    names = Counter(c["name"] for c in customers)
    result.duplicates += [f"customer name {k!r} {n} times" for k, n in names.items() if n > 1]
    external = Counter(c.get("externalId") for c in customers if c.get("externalId"))
    result.duplicates += [
        f"customer externalId {k} {n} times" for k, n in external.items() if n > 1
    ]
    in_scope = [a for a in accounts if a.get("Sync_To_QuickBooks__c")]
    for account in in_scope:
        qb_id = account.get("QuickBooks_Customer_Id__c")
        if complete and (not qb_id or qb_id not in customer_ids):
            result.lost.append(f"in-scope account {account['Name']!r} has no QuickBooks customer")
    by_account = {a["Id"]: a for a in accounts}
    for qb_id, sf_id in ledger.links.get("customers", {}).items():
        account = by_account.get(sf_id or "")
        if qb_id not in customer_ids:
            result.inconsistent.append(f"customers link {qb_id}: no such QuickBooks customer")
        if account is None:
            result.inconsistent.append(f"customers link {qb_id}: no account {sf_id}")
        elif complete and account.get("QuickBooks_Customer_Id__c") != qb_id:
            result.inconsistent.append(f"customers link {qb_id}: account {sf_id} says otherwise")
    if complete:
        _once(result, "Account for customer", customer_ids, account_ids)
        for qb_id, sf_id in ledger.links.get("customers:balance", {}).items():
            account = by_account.get(sf_id or "")
            if account is None or account.get("QuickBooks_Customer_Id__c") != qb_id:
                result.inconsistent.append(f"balance link {qb_id}: account {sf_id} disagrees")

    # Opportunities -> invoices.
    by_external = Counter(i.get("externalId") for i in invoices if i.get("externalId"))
    invoice_ids = {i["id"] for i in invoices}
    for opportunity_id, opportunity in opportunities.items():
        n = by_external[external_id_for(opportunity_id)]
        if n > 1:
            result.duplicates.append(f"opportunity {opportunity['Name']!r} has {n} invoices")
        approved = ledger.decisions.get(opportunity_id) == "approved"
        if complete and approved:
            if n == 0:
                result.lost.append(f"approved opportunity {opportunity['Name']!r} has no invoice")
            stored = opportunity.get("QuickBooks_Invoice_Id__c")
            if stored not in invoice_ids:
                result.inconsistent.append(
                    f"approved opportunity {opportunity['Name']!r} holds invoice id {stored!r}"
                )
    for qb_id, sf_id in ledger.links.get("opportunities", {}).items():
        if qb_id not in invoice_ids:
            result.inconsistent.append(f"opportunity link {qb_id}: no such invoice")
        opportunity = opportunities.get(sf_id or "")
        if complete and (
            opportunity is None or opportunity.get("QuickBooks_Invoice_Id__c") != qb_id
        ):
            result.inconsistent.append(f"opportunity link {qb_id}: {sf_id} disagrees")

    _cursors_behind_commits(result, sandboxes, ledger, sf_by_id)
    if complete:
        stuck = [r["id"] for r in ledger.runs if r["finished_at"] is None]
        if stuck:
            result.inconsistent.append(f"runs {stuck} still show as running")
    return result


def _links_agree(
    result: Audit,
    ledger: Ledger,
    workflow: str,
    sf_by_id: dict[str, dict[str, Any]],
    external: str,
    qb_ids: set[str],
    *,
    complete: bool,
) -> None:
    links = ledger.links.get(workflow, {})
    for qb_id, sf_id in links.items():
        row = sf_by_id.get(sf_id or "")
        if row is None or row.get(external) != qb_id:
            result.inconsistent.append(f"{workflow} link {qb_id} -> {sf_id}: Salesforce disagrees")
    if complete:
        missing = sorted(qb_ids - set(links))
        if missing:
            result.inconsistent.append(f"{workflow}: {len(missing)} records not in the ledger")


def _cursors_behind_commits(
    result: Audit, sandboxes: Sandboxes, ledger: Ledger, sf_by_id: dict[str, dict[str, Any]]
) -> None:
    """Every record at or before a cursor is committed: linked, and there in Salesforce."""
    qb = sandboxes.conductor.qb
    for link_key, kinds in QB_CURSORS.items():
        cursor = ledger.cursors.get((link_key, "qb"))
        if cursor is None:
            continue
        links = ledger.links.get(link_key, {})
        for kind in kinds:
            for record in qb.all(kind):
                if parse_stamp(record["updatedAt"]) > parse_stamp(cursor):
                    continue
                if record["id"] not in links:
                    result.lost.append(
                        f"cursor {link_key} at {cursor} is past uncommitted {kind} {record['id']}"
                    )
    cursor = ledger.cursors.get(("customers", "sf"))
    if cursor is not None:
        linked = set(ledger.links.get("customers", {}).values())
        for account in sandboxes.salesforce.records("Account"):
            if not account.get("Sync_To_QuickBooks__c"):
                continue
            if parse_stamp(account["SystemModstamp"]) <= parse_stamp(cursor) and (
                account["Id"] not in linked
            ):
                result.lost.append(
                    f"cursor customers/sf at {cursor} is past unpushed account {account['Name']!r}"
                )
    cursor = ledger.cursors.get(("deletions", "qb"))
    if cursor is not None:
        for category, kind, qb_id, _, deleted_at, _ in sandboxes.conductor.dump()["deleted"]:
            workflow = {"invoice": "invoices", "receive_payment": "payments"}.get(kind)
            if category != "transaction" or workflow is None:
                continue
            sf_id = ledger.links.get(workflow, {}).get(qb_id)
            if sf_id is None or parse_stamp(deleted_at) > parse_stamp(cursor):
                continue
            row = sf_by_id.get(sf_id)
            if row is None or row.get("Status__c") != STATUS_DELETED:
                result.lost.append(f"cursor deletions at {cursor} is past unmarked {kind} {qb_id}")


# -- comparing two worlds by natural keys -------------------------------------------------
_VOLATILE = {
    "id",
    "Id",
    "createdAt",
    "updatedAt",
    "revisionNumber",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
    "CreatedById",
    "LastModifiedById",
    "OwnerId",
    "deletedAt",
    "QuickBooks_Updated_At__c",
}


def natural_state(sandboxes: Sandboxes) -> dict[str, list[str]]:
    """Both sides with every generated id replaced by the natural key of what it names."""
    qb_dump = sandboxes.conductor.dump()
    sf_dump = sandboxes.salesforce.dump(system_fields=False)
    names: dict[str, str] = {}
    for kind, rows in qb_dump["records"].items():
        for body in rows:
            key = body.get("fullName") or body.get("name") or body.get("refNumber")
            names[body["id"]] = f"qb:{kind}:{key or body.get('transactionDate')}"
    for _, kind, qb_id, _, _, label in qb_dump["deleted"]:
        names.setdefault(qb_id, f"qb:deleted:{kind}:{label}")
    for obj, rows in sf_dump.items():
        for row in rows:
            names[row["Id"]] = f"sf:{obj}:{row.get('Name')}"
    # Records created from Salesforce carry a uuid of the Salesforce id.
    for rows in sf_dump.values():
        for row in rows:
            names[external_id_for(row["Id"])] = f"ext:{names[row['Id']]}"

    def norm(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: norm(v) for k, v in sorted(value.items()) if k not in _VOLATILE}
        if isinstance(value, list):
            return sorted((norm(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(value, str) and value in names:
            return names[value]
        return value

    state: dict[str, list[str]] = {}
    for kind, rows in qb_dump["records"].items():
        state[f"qb:{kind}"] = sorted(json.dumps(norm(b), sort_keys=True) for b in rows)
    state["qb:deleted"] = sorted(
        f"{c}:{k}:{names.get(i, i)}" for c, k, i, _, _, _ in qb_dump["deleted"]
    )
    for obj, rows in sf_dump.items():
        state[f"sf:{obj}"] = sorted(json.dumps(norm(r), sort_keys=True) for r in rows)
    return state


def state_difference(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    out = []
    for key in sorted(set(a) | set(b)):
        left, right = Counter(a.get(key, [])), Counter(b.get(key, []))
        for row in sorted((left - right).elements()):
            out.append(f"{key} only in the first: {row[:400]}")
        for row in sorted((right - left).elements()):
            out.append(f"{key} only in the second: {row[:400]}")
    return out


# -- acting as the people at either end -----------------------------------------------------
class SalesforceUser:
    """Someone editing records in Salesforce (through its REST API, as the UI would)."""

    def __init__(self, sandboxes: Sandboxes) -> None:
        import requests

        self._sf = sandboxes.salesforce
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {self._sf.issue_access_token()}"
        self._verify = self._sf.ca_pem_path
        self._base = f"{self._sf.instance_url}/services/data/v62.0/sobjects"

    def create(self, sobject: str, **fields: Any) -> str:
        response = self._http.post(
            f"{self._base}/{sobject}/", json=fields, timeout=10, verify=self._verify
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def update(self, sobject: str, record_id: str, **fields: Any) -> None:
        response = self._http.patch(
            f"{self._base}/{sobject}/{record_id}", json=fields, timeout=10, verify=self._verify
        )
        assert response.status_code == 204, response.text

    def won_opportunity(self, account_id: str, products: list[tuple[str, float]], name: str) -> str:
        opportunity = self.create(
            "Opportunity",
            Name=name,
            AccountId=account_id,
            StageName="Closed Won",
            CloseDate=datetime.now().date().isoformat(),
        )
        for product_id, price in products:
            self.create(
                "OpportunityLineItem",
                OpportunityId=opportunity,
                PricebookEntryId=self.standard_price(product_id, price),
                Quantity=2,
                UnitPrice=price,
            )
        return opportunity

    def standard_price(self, product_id: str, price: float) -> str:
        """The product's standard price book entry, added first if it has none (Salesforce prices
        opportunity products from price book entries)."""
        book = next(b["Id"] for b in self._sf.records("Pricebook2") if b["IsStandard"])
        for entry in self._sf.records("PricebookEntry"):
            if entry["Product2Id"] == product_id and entry["Pricebook2Id"] == book:
                return str(entry["Id"])
        fields = {"Pricebook2Id": book, "Product2Id": product_id, "UnitPrice": price}
        return self.create("PricebookEntry", IsActive=True, **fields)


# -- an engine in this process -------------------------------------------------------------
def engine_for(
    sandboxes: Sandboxes, data_dir: Path, *, timeout_s: float = 10.0, settings: Any = None
) -> Any:
    """The engine the CLI builds, with a refreshing Salesforce sign-in and short timeouts."""
    import requests

    from app.domain.mapping_file import default_mapping
    from app.engine.context import EngineSettings
    from app.engine.engine import SyncEngine
    from app.quickbooks import QuickBooks, QuickBooksConfig
    from app.salesforce.client import SalesforceClient
    from app.salesforce.session import TokenSession
    from app.store import open_store
    from app.store.settings import GO_LIVE_DATE

    info = sandboxes.info()
    qb = QuickBooks(
        QuickBooksConfig(
            info["conductor_base_url"],
            info["conductor_secret_key"],
            info["conductor_end_user_id"],
            timeout_s=timeout_s,
            read_retries=2,
        )
    )
    tokens = sandboxes.salesforce.issue_tokens()
    refresh_token = {"value": tokens["refresh_token"]}

    def refresh() -> str:
        response = requests.post(
            f"{sandboxes.salesforce.login_url}/services/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token["value"],
                "client_id": sandboxes.salesforce.client_id,
            },
            verify=info["ca_bundle"],
            timeout=10,
        )
        response.raise_for_status()
        body = response.json()
        refresh_token["value"] = body.get("refresh_token", refresh_token["value"])
        return str(body["access_token"])

    session = TokenSession(
        tokens["access_token"], refresher=refresh, verify=info["ca_bundle"], timeout_s=timeout_s
    )
    sf = SalesforceClient(info["salesforce_instance_url"], session)
    store = open_store(data_dir / "sync.sqlite3")
    # Setup chose a go-live date before the sample org's won deals.
    store.set(GO_LIVE_DATE, "2025-01-01")
    return SyncEngine(
        store,
        qb,
        sf,
        default_mapping(),
        data_dir / "sync.lock",
        settings or EngineSettings(bulk_poll_s=0.05),
    )
