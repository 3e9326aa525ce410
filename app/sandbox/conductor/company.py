"""The QuickBooks company file: records, their ids and stamps, references and balances.

Everything that changes data goes through here (HTTP handlers and the in-QuickBooks helpers
alike); the rules of each kind of record live in `lists`, `invoices` and `payments`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.sandbox.conductor import currency_amounts, errors
from app.sandbox.conductor.clock import Clock
from app.sandbox.conductor.spec import Spec
from app.sandbox.conductor.store import NAMESPACES, Store
from app.sandbox.conductor.values import cents, money, timestamp

OBJECT_TYPES = {
    "customer": "qbd_customer",
    "service_item": "qbd_service_item",
    "non_inventory_item": "qbd_non_inventory_item",
    "account": "qbd_account",
    "invoice": "qbd_invoice",
    "receive_payment": "qbd_receive_payment",
    "credit_memo": "qbd_credit_memo",
    "sales_tax_code": "qbd_sales_tax_code",
    "vendor": "qbd_vendor",
    "employee": "qbd_employee",
    "other_name": "qbd_other_name",
}
LABELS = {
    "customer": "Customer",
    "vendor": "Vendor",
    "employee": "Employee",
    "other_name": "OtherName",
    "service_item": "ItemService",
    "non_inventory_item": "ItemNonInventory",
    "account": "Account",
    "invoice": "Invoice",
    "receive_payment": "ReceivePayment",
    "credit_memo": "CreditMemo",
    "sales_tax_code": "SalesTaxCode",
}
#: `listType` of deleted-list-objects.
LIST_TYPES = {
    "customer": "customer",
    "vendor": "vendor",
    "employee": "employee",
    "other_name": "other_name",
    "service_item": "item_service",
    "non_inventory_item": "item_non_inventory",
    "account": "account",
}
ITEM_KINDS = ("service_item", "non_inventory_item")
LIST_KINDS = tuple(NAMESPACES)
TRANSACTION_KINDS = ("invoice", "receive_payment", "credit_memo")

_FIRST_LIST_ID = 0x80000001
_SETTINGS = "preferences"
#: The company preferences the sandbox acts on; the rest of Conductor's object is fixed.
DEFAULT_SETTINGS: dict[str, Any] = {
    "closingDate": None,
    "homeCurrency": None,
    "currencies": {},
    # Currency name -> units of home currency per unit (Company > Manage Currency).
    "exchangeRates": {},
}


class Company:
    def __init__(self, store: Store, clock: Clock, spec: Spec) -> None:
        self.store = store
        self.clock = clock
        self.spec = spec
        self._special: dict[str, dict[str, Any]] = {}
        self._deferred: set[str] | None = None
        self._bulk_lists: dict[str, tuple[str, dict[str, Any]]] | None = None

    # -- ids and stamps ---------------------------------------------------------------------
    def list_id(self, at: datetime) -> str:
        return f"{self.store.next_number('list_id', _FIRST_LIST_ID):08X}-{int(at.timestamp())}"

    def txn_id(self, at: datetime) -> str:
        return f"{self.store.next_number('txn_id', 1):X}-{int(at.timestamp())}"

    @staticmethod
    def stamp(body: dict[str, Any], at: datetime, *, created: bool = False) -> None:
        text = timestamp(at)
        if created:
            body["createdAt"] = text
        body["updatedAt"] = text
        body["revisionNumber"] = str(int(at.timestamp()))

    # -- records ----------------------------------------------------------------------------
    def find(self, record_id: str, kinds: tuple[str, ...]) -> dict[str, Any] | None:
        row = self._bulk_lists.get(record_id) if self._bulk_lists is not None else None
        if row is None:
            row = self.store.get(record_id)
            if row is not None and self._bulk_lists is not None and row[0] in LIST_KINDS:
                self._bulk_lists[record_id] = row
        if row is None or row[0] not in kinds:
            return None
        return row[1]

    def find_kind(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        return self.store.get(record_id)

    def require(self, record_id: str, kinds: tuple[str, ...]) -> dict[str, Any]:
        found = self.find(record_id, kinds)
        if found is None:
            raise errors.object_not_found(record_id)
        return found

    def add(self, kind: str, body: dict[str, Any]) -> None:
        self.store.insert(kind, body)

    def save(self, kind: str, body: dict[str, Any]) -> None:
        self.store.replace(kind, body)

    @staticmethod
    def reference(body: dict[str, Any]) -> dict[str, Any]:
        return {"id": body["id"], "fullName": body.get("fullName")}

    @staticmethod
    def check_revision(body: dict[str, Any], provided: str) -> None:
        if provided != body["revisionNumber"]:
            raise errors.stale_revision(provided)

    def check_name_free(self, kind: str, full_name: str, own_id: str | None = None) -> None:
        taken = self.store.find_name(NAMESPACES[kind], full_name)
        if taken is not None and taken[1]["id"] != own_id:
            raise errors.name_in_use(full_name)

    def special_account(self, special: str) -> dict[str, Any]:
        if special not in self._special:
            rows = self.store.select(
                "kind = 'account' AND json_extract(body, '$.specialAccountType') = ?", [special]
            )
            if not rows:
                raise errors.save_failed(
                    "transaction", f"The company file has no {special} account."
                )
            self._special[special] = self.reference(rows[0][2])
        return dict(self._special[special])

    def remove(self, kind: str, body: dict[str, Any], at: datetime) -> None:
        self.store.remove(body["id"])
        if kind in TRANSACTION_KINDS:
            self.store.add_deleted(
                "transaction",
                kind,
                body["id"],
                body["createdAt"],
                timestamp(at),
                body.get("refNumber"),
            )
        else:
            self.store.add_deleted(
                "list",
                LIST_TYPES[kind],
                body["id"],
                body["createdAt"],
                timestamp(at),
                body.get("fullName"),
            )

    # -- preferences and the rules they set --------------------------------------------------
    def settings(self) -> dict[str, Any]:
        stored = self.store.meta(_SETTINGS)
        return {**DEFAULT_SETTINGS, **(json.loads(stored) if stored else {})}

    def change_settings(self, **changes: Any) -> dict[str, Any]:
        settings = {**self.settings(), **changes}
        self.store.set_meta(_SETTINGS, json.dumps(settings))
        return settings

    def currency(self, name: str) -> dict[str, Any]:
        """A currency reference, minted the first time the name is used."""
        currencies = dict(self.settings()["currencies"])
        if name not in currencies:
            currencies[name] = self.list_id(self.clock.now())
            self.change_settings(currencies=currencies)
        return {"id": currencies[name], "fullName": name}

    def transaction_currency(self, customer: dict[str, Any], body: dict[str, Any]) -> None:
        """With multicurrency on, a transaction is in its customer's currency (the home currency
        unless the customer bills in another) and carries an exchange rate (1 at home)."""
        home = self.settings()["homeCurrency"]
        if not home:
            return
        currency = customer.get("currency") or self.currency(home)
        body["currency"] = currency
        if currency["fullName"] == home:
            body["exchangeRate"] = 1
        else:
            body.setdefault(
                "exchangeRate", self.settings()["exchangeRates"].get(currency["fullName"], 1)
            )

    def check_open_period(self, object_label: str, day: str | None) -> None:
        """QuickBooks refuses transactions dated on or before the closing date (3171)."""
        closing = self.settings()["closingDate"]
        if closing and day and day <= closing:
            raise errors.closed_period(object_label, day, closing)

    def check_credit_limit(self, customer: dict[str, Any], added: Decimal) -> None:
        limit = customer.get("creditLimit")
        if limit is None or added <= 0:
            return
        balance = Decimal(customer.get("totalBalance") or "0") + added
        if balance > Decimal(limit):
            raise errors.credit_limit_exceeded(customer["fullName"], money(balance), limit)

    # -- balances ---------------------------------------------------------------------------
    def refresh_balance(self, customer_id: str | None) -> None:
        """A customer's balance (and its parents' total balance) after a transaction changed.

        Balances are derived figures: QuickBooks does not count them as edits of the customer,
        so neither `updatedAt` nor `revisionNumber` moves.
        """
        if self._deferred is not None:
            if customer_id:
                self._deferred.add(customer_id)
            return
        while customer_id:
            customer = self.find(customer_id, ("customer",))
            if customer is None:
                return
            own = self.store.open_cents(customer_id)
            children = self.store.select(
                "kind = 'customer' AND json_extract(body, '$.parent.id') = ?", [customer_id]
            )
            total = own + sum(cents(child.get("totalBalance")) for _, _, child in children)
            customer["balance"] = money_cents(own)
            customer["totalBalance"] = money_cents(total)
            self.save("customer", customer)
            customer_id = (customer.get("parent") or {}).get("id")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Bulk writes (seeding) that only add transactions: customers and items are read once
        and each touched customer's balance is refreshed once, at the end."""
        self._deferred = set()
        self._bulk_lists = {}
        try:
            yield
        finally:
            pending, self._deferred, self._bulk_lists = self._deferred, None, None
        for customer_id in sorted(pending):
            self.refresh_balance(customer_id)

    # -- responses --------------------------------------------------------------------------
    def render(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        lines: bool = True,
        linked: bool = True,
        alternate_addresses: bool = True,
    ) -> dict[str, Any]:
        """The full response object: every schema property, in order."""
        shown = dict(body)
        shown.setdefault("objectType", OBJECT_TYPES[kind])
        shown.update(currency_amounts.home_amounts(self, kind, body))
        if kind in ("invoice", "credit_memo"):
            if not lines:
                shown["lines"] = []
                shown["lineGroups"] = []
            if not linked:
                shown["linkedTransactions"] = []
        elif kind == "receive_payment":
            shown["appliedToTransactions"] = (
                [self._current(applied) for applied in body.get("appliedToTransactions", [])]
                if lines
                else []
            )
        elif kind == "customer" and not alternate_addresses:
            shown["alternateShippingAddresses"] = None
        return self.spec.complete(OBJECT_TYPES[kind], shown)

    def _current(self, applied: dict[str, Any]) -> dict[str, Any]:
        """A payment's target shows the invoice's balance as it is now."""
        invoice = self.find(applied["transactionId"], ("invoice",))
        if invoice is None:
            return applied
        return {**applied, "balanceRemaining": invoice.get("balanceRemaining")}


def money_cents(amount: int) -> str:
    return money(Decimal(amount) / 100)
