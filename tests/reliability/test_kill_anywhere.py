"""Kill anywhere: a sync (or an approval) SIGKILLed at a seeded random moment loses nothing and
doubles nothing; the next run finishes the work.

Each kill runs `python -m app --data-dir D sync` (or `review approve ID` after `review list`) in
its own process against the sandboxes in this one, and kills it either while a chosen request is
held by the sandbox (before it is carried out, or after: the write happened, the answer never
arrives) or at a moment in time. The run after each kill must succeed, and the audit must find
both systems and the ledger in step: every QuickBooks record once in Salesforce, every in-scope
account once in QuickBooks, every approved opportunity one invoice, no cursor past an
uncommitted record.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import pytest

from app import cli
from app.commands.exit_codes import ExitCode
from app.sandbox.launcher import Sandboxes
from tests.reliability.harness import (
    ITEM_KINDS,
    KillPoint,
    Ledger,
    Runner,
    SalesforceUser,
    audit,
    cli_env,
    run_and_kill,
    small_world,
)

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("QBSF_RELIABILITY_SEED", "20250701"))

QB = "conductor"
SF = "salesforce"
FIRST_SYNC = [
    KillPoint("creating a customer", QB, r"/customers$", "POST", skip=2),
    KillPoint("updating a customer", QB, r"/customers/.", "POST", skip=4),
    KillPoint("reading customers", QB, r"/customers", "GET", skip=6),
    KillPoint("linking accounts", SF, r"composite/sobjects$", "PATCH", skip=2),
    KillPoint("creating accounts", SF, r"sobjects/Account/", "PATCH"),
    KillPoint("mirroring items", SF, r"sobjects/Product2/", "PATCH"),
    KillPoint("mirroring invoices", SF, r"QuickBooks_Invoice__c", "PATCH"),
    KillPoint("mirroring payments", SF, r"QuickBooks_Payment__c", "PATCH"),
    KillPoint("reading invoices", QB, r"/invoices", "GET"),
    KillPoint("reading deletions", QB, r"deleted-transactions", "GET"),
    KillPoint("querying Salesforce", SF, r"/query", "GET", skip=4),
    KillPoint("a moment", seconds=1.2),
]
INCREMENTAL = [
    KillPoint("creating a customer", QB, r"/customers$", "POST"),
    KillPoint("updating a customer", QB, r"/customers/.", "POST", skip=1),
    KillPoint("writing back a customer id", SF, r"composite/sobjects$", "PATCH", skip=1),
    KillPoint("creating accounts", SF, r"sobjects/Account/", "PATCH"),
    KillPoint("mirroring items", SF, r"sobjects/Product2/", "PATCH"),
    KillPoint("mirroring invoices", SF, r"QuickBooks_Invoice__c", "PATCH", skip=1),
    KillPoint("marking deletions", QB, r"deleted-transactions", "GET"),
    KillPoint("a moment", seconds=0.9),
]
PAYMENTS = [
    KillPoint("reading payments", QB, r"receive-payments", "GET"),
    KillPoint("mirroring payments", SF, r"QuickBooks_Payment__c", "PATCH"),
    KillPoint("mirroring paid invoices", SF, r"QuickBooks_Invoice__c", "PATCH"),
    KillPoint("a moment", seconds=0.7),
]
APPROVAL = [
    KillPoint("creating the invoice", QB, r"/invoices$", "POST"),
    KillPoint("writing the invoice id back", SF, r"composite/sobjects$", "PATCH"),
    KillPoint("reading the opportunity", SF, r"/query", "GET", skip=1),
    KillPoint("a moment", seconds=0.6),
]


class KillRig:
    """Kills runs in one world, runs the next one to completion, audits after each."""

    def __init__(
        self,
        sandboxes: Sandboxes,
        data_dir: Path,
        rng: random.Random,
        figures: Counter[str],
        monkeypatch: pytest.MonkeyPatch,
        runner: Runner | None = None,
    ) -> None:
        self.sandboxes = sandboxes
        self.data_dir = data_dir
        self.rng = rng
        self.figures = figures
        #: A runner of the caller's outlives this world; its warmed process serves the next.
        self.own_runner = runner is None
        self.runner = runner or Runner(cli_env(sandboxes))
        self.runner.use(cli_env(sandboxes))
        for name, value in sandboxes.environment().items():
            monkeypatch.setenv(name, value)
        self.kills: list[str] = []

    def __enter__(self) -> KillRig:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.own_runner:
            self.runner.close()

    @property
    def database(self) -> Path:
        return self.data_dir / "sync.sqlite3"

    def complete(self, *args: str) -> None:
        """The next run, in this process (the same code the CLI runs), must succeed."""
        code = cli.main(["--data-dir", str(self.data_dir), *args])
        assert code == ExitCode.OK, f"{args} after kills {self.kills} ended with {code}"

    def check(self, *, complete: bool) -> None:
        found = audit(self.sandboxes, self.database, complete=complete)
        self.figures["duplicates found"] += len(found.duplicates)
        self.figures["records lost"] += len(found.lost)
        assert not found.problems, f"after kills {self.kills}:\n{found}"

    def kill(self, args: tuple[str, ...], points: list[KillPoint], label: str) -> bool:
        point = KillPoint.at_random(self.rng, label, points)
        killed = run_and_kill(self.sandboxes, self.runner, self.data_dir, args, point)
        if killed:
            self.kills.append(
                f"{point.label} #{point.skip + 1}" + (" after commit" * point.after_commit)
            )
            self.figures["kills survived"] += 1
            if point.sandbox == QB and point.method == "POST" and point.after_commit:
                self.figures["  of them after a QuickBooks write, before its answer"] += 1
            if self.database.exists():
                self.check(complete=False)
        return killed

    def cycle(self, args: tuple[str, ...], points: list[KillPoint], label: str) -> bool:
        killed = self.kill(args, points, label)
        self.complete("sync")
        if args[0] != "sync":
            # The person approves again what still waits; the sync after it mirrors the
            # invoice an approval made (approvals run after the invoice mirror).
            self.complete(*args)
            self.complete("sync")
        self.check(complete=True)
        return killed


def test_kill_during_first_sync(
    tmp_path: Path, figures: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kills = worlds = 0
    runner = Runner({k: v for k, v in os.environ.items() if not k.startswith("QBSF_")})
    try:
        while kills < 10:  # a run that ends before its kill point counts for nothing
            worlds += 1
            assert worlds <= 16, f"only {kills} kills landed in {worlds - 1} first syncs"
            rng = random.Random(f"{SEED}:first:{worlds}")
            with small_world(seed=SEED % 1000 + worlds) as sandboxes:
                data_dir = tmp_path / f"first-{worlds}"
                with KillRig(sandboxes, data_dir, rng, figures, monkeypatch, runner) as rig:
                    kills += rig.cycle(("sync",), FIRST_SYNC, "first sync")
    finally:
        runner.close()


def _mutate(sandboxes: Sandboxes, user: SalesforceUser, rng: random.Random, n: int) -> None:
    """What a working day brings: new and changed invoices, items, customers and accounts."""
    qb = sandboxes.conductor.qb
    customers = qb.ids("customer")
    items = [i for kind in ITEM_KINDS for i in qb.ids(kind)]
    for _ in range(2):
        lines = [{"itemId": rng.choice(items), "quantity": rng.randint(1, 4)}]
        qb.add_invoice(rng.choice(customers), lines)
    invoice = rng.choice(qb.all("invoice"))
    qb.edit_invoice(invoice["id"], memo=f"Changed in cycle {n}")
    if n % 2 == 0:
        qb.add_item(f"Kit {n}", price=f"{rng.randint(10, 99)}.50")
    if n % 3 == 0:
        qb.add_customer(f"Walk-in Customer {n}")
    user.create(
        "Account",
        Name=f"New Account {n}",
        BillingStreet=f"{n} Harbour Road",
        BillingCity="Salem",
        Sync_To_QuickBooks__c=True,
    )
    in_scope = [a for a in sandboxes.salesforce.records("Account") if a["Sync_To_QuickBooks__c"]]
    user.update("Account", rng.choice(in_scope)["Id"], BillingCity=f"Eugene {n}")
    unpaid = [
        i for i in qb.all("invoice") if not i.get("linkedTransactions") and not i.get("isPaid")
    ]
    if n % 2 == 1 and unpaid:
        qb.delete_invoice(rng.choice(unpaid)["id"])


def _pay(sandboxes: Sandboxes, rng: random.Random) -> None:
    qb = sandboxes.conductor.qb
    open_invoices = [i for i in qb.all("invoice") if not i.get("isPaid")]
    for invoice in rng.sample(open_invoices, k=min(2, len(open_invoices))):
        qb.receive_payment(
            invoice["customer"]["id"],
            invoice["balanceRemaining"],
            apply_to={invoice["id"]: invoice["balanceRemaining"]},
        )


def test_kill_during_incremental_syncs_and_payments(
    tmp_path: Path, figures: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(f"{SEED}:incremental")
    with (
        small_world(seed=SEED % 1000 + 50) as sandboxes,
        KillRig(sandboxes, tmp_path / "incremental", rng, figures, monkeypatch) as rig,
    ):
        rig.complete("sync")
        user = SalesforceUser(sandboxes)
        kills = cycles = 0
        while kills < 8:
            cycles += 1
            assert cycles <= 14, f"only {kills} kills landed in {cycles - 1} syncs"
            _mutate(sandboxes, user, rng, cycles)
            kills += rig.cycle(("sync",), INCREMENTAL, "incremental sync")
        kills = cycles = 0
        while kills < 6:
            cycles += 1
            assert cycles <= 12, f"only {kills} kills landed in {cycles - 1} payment syncs"
            _pay(sandboxes, rng)
            kills += rig.cycle(("sync",), PAYMENTS, "payments")


def test_kill_during_opportunity_approval(
    tmp_path: Path, figures: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(f"{SEED}:approval")
    with (
        small_world(seed=SEED % 1000 + 70) as sandboxes,
        KillRig(sandboxes, tmp_path / "approval", rng, figures, monkeypatch) as rig,
    ):
        rig.complete("sync")
        user = SalesforceUser(sandboxes)
        accounts = [
            a["Id"]
            for a in sandboxes.salesforce.records("Account")
            if a.get("QuickBooks_Customer_Id__c")
        ]
        products = [
            (p["Id"], float(rng.randint(20, 300)))
            for p in sandboxes.salesforce.records("Product2")
            if p.get("QuickBooks_Item_Id__c")
        ]
        kills = cycles = 0
        while kills < 8:
            cycles += 1
            assert cycles <= 14, f"only {kills} kills landed in {cycles - 1} approvals"
            opportunity = user.won_opportunity(
                rng.choice(accounts), rng.sample(products, k=2), f"Approved order {cycles}"
            )
            rig.complete("review", "list")  # approving signs the invoice as listed
            kills += rig.cycle(("review", "approve", opportunity), APPROVAL, "approval")
            assert Ledger.read(rig.database).decisions[opportunity] == "approved"


def test_kill_after_a_create_then_the_record_changes_before_the_next_run(
    tmp_path: Path, figures: Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer to a create is lost; before the next run someone edits the source record.

    The next run must find what the first one created (by what it sent), not create another.
    """
    rng = random.Random(f"{SEED}:changed")
    with (
        small_world(seed=SEED % 1000 + 90) as sandboxes,
        KillRig(sandboxes, tmp_path / "changed", rng, figures, monkeypatch) as rig,
    ):
        rig.complete("sync")
        user = SalesforceUser(sandboxes)
        account = user.create("Account", Name="Lost Answer Ltd", Sync_To_QuickBooks__c=True)
        create = KillPoint("creating a customer", QB, r"/customers$", "POST", after_commit=True)
        assert rig.kill(("sync",), [create], "renamed account")
        user.update("Account", account, Name="Lost Answer Limited")
        rig.complete("sync")
        rig.check(complete=True)
        names = [c["name"] for c in sandboxes.conductor.qb.all("customer")]
        assert "Lost Answer Limited" in names and "Lost Answer Ltd" not in names

        accounts = [
            a["Id"]
            for a in sandboxes.salesforce.records("Account")
            if a.get("QuickBooks_Customer_Id__c")
        ]
        products = [
            (p["Id"], 99.0)
            for p in sandboxes.salesforce.records("Product2")
            if p.get("QuickBooks_Item_Id__c")
        ]
        opportunity = user.won_opportunity(accounts[0], products[:1], "Redated order")
        invoice = KillPoint("creating the invoice", QB, r"/invoices$", "POST", after_commit=True)
        rig.complete("review", "list")
        assert rig.kill(("review", "approve", opportunity), [invoice], "redated opportunity")
        user.update("Opportunity", opportunity, CloseDate="2025-01-15")
        rig.complete("sync")
        rig.complete("sync")
        rig.check(complete=True)
