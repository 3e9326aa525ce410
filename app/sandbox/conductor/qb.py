"""Acting inside QuickBooks Desktop, as the bookkeeper at the machine would: no HTTP, no
revision numbers, no connection checks. Tests use it to change data behind the app's back.

Field names are the API's (camelCase) so a change reads like the update request it mirrors:
`qb.edit_invoice(invoice_id, memo="Paid by phone", refNumber="A-17")`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.sandbox.conductor import credit_memos, errors, invoices, lists, payments
from app.sandbox.conductor.company import ITEM_KINDS, LIST_KINDS, Company
from app.sandbox.conductor.values import money

KINDS = (
    "customer",
    "service_item",
    "non_inventory_item",
    "account",
    "invoice",
    "receive_payment",
    "credit_memo",
    "sales_tax_code",
)


class QuickBooks:
    def __init__(self, company: Company) -> None:
        self._company = company

    # -- reading ----------------------------------------------------------------------------
    def count(self, kind: str, *, active_only: bool = False) -> int:
        """How many records of a kind ("invoice", "customer", "service_item", ...) exist."""
        where = "kind = ?" + (" AND is_active = 1" if active_only else "")
        return self._company.store.count(where, [kind])

    def ids(self, kind: str) -> list[str]:
        return [body["id"] for _, _, body in self._company.store.select("kind = ?", [kind])]

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every record of a kind as the API shows it (full shape, lines and links included)."""
        rows = self._company.store.select("kind = ?", [kind])
        return [self._company.render(kind, body) for _, _, body in rows]

    def get(self, record_id: str) -> dict[str, Any]:
        found = self._company.find_kind(record_id)
        if found is None:
            raise KeyError(record_id)
        kind, body = found
        return self._company.render(kind, body) if kind in KINDS else dict(body)

    def kind_of(self, record_id: str) -> str | None:
        found = self._company.find_kind(record_id)
        return found[0] if found else None

    # -- lists ------------------------------------------------------------------------------
    def add_customer(self, name: str, **fields: Any) -> dict[str, Any]:
        return self._write(
            lambda: lists.create(self._company, "customer", {"name": name, **fields})
        )

    def add_job(self, customer_id: str, name: str, **fields: Any) -> dict[str, Any]:
        """A job (sub-customer) of a customer: fullName "Customer:Job", sublevel one deeper."""
        return self.add_customer(name, parentId=customer_id, **fields)

    def add_item(
        self, name: str, *, kind: str = "service_item", price: str = "100.00", **fields: Any
    ) -> dict[str, Any]:
        if kind not in ITEM_KINDS:
            raise ValueError(f"kind must be one of {ITEM_KINDS}")
        details = fields.pop("salesOrPurchaseDetails", None) or {
            "price": price,
            "postingAccountId": self.account_id("Service Income"),
        }
        request = {"name": name, "salesOrPurchaseDetails": details, **fields}
        return self._write(lambda: lists.create(self._company, kind, request))

    def add_vendor(self, name: str) -> dict[str, Any]:
        return self._write(lambda: lists.add_other(self._company, "vendor", name))

    def add_employee(self, name: str) -> dict[str, Any]:
        return self._write(lambda: lists.add_other(self._company, "employee", name))

    def add_other_name(self, name: str) -> dict[str, Any]:
        return self._write(lambda: lists.add_other(self._company, "other_name", name))

    def set_customer_currency(self, customer_id: str, currency: str) -> dict[str, Any]:
        """Bills the customer in another currency (Edit Customer > Currency, multicurrency on)."""

        def change() -> dict[str, Any]:
            body = self._company.require(customer_id, ("customer",))
            body["currency"] = self._company.currency(currency)
            self._company.stamp(body, self._company.clock.tick())
            self._company.save("customer", body)
            return body

        return self._write(change, kind="customer")

    # -- preferences (Edit > Preferences, Company > Set Closing Date) -------------------------
    def set_closing_date(self, day: str | None) -> None:
        """Nothing dated on or before `day` can be added or changed any more (3171)."""
        self._write(lambda: self._company.change_settings(closingDate=day))

    def use_multicurrency(self, home_currency: str = "US Dollar") -> None:
        self._write(lambda: self._company.change_settings(homeCurrency=home_currency))

    def set_exchange_rate(self, currency: str, exchange_rate: float) -> None:
        """Home-currency units per unit of `currency` for new transactions (Manage Currency)."""

        def change() -> None:
            rates = {**self._company.settings()["exchangeRates"], currency: exchange_rate}
            self._company.change_settings(exchangeRates=rates)

        self._write(change)

    def edit_customer(self, customer_id: str, **changes: Any) -> dict[str, Any]:
        return self._edit_list("customer", customer_id, changes)

    def edit_item(self, item_id: str, **changes: Any) -> dict[str, Any]:
        kind = self.kind_of(item_id)
        if kind not in ITEM_KINDS:
            raise KeyError(item_id)
        return self._edit_list(kind, item_id, changes)

    def delete_list_object(self, record_id: str) -> None:
        """Deletes a customer, item or account that no transaction uses (QuickBooks' rule)."""
        found = self._company.find_kind(record_id)
        if found is None or found[0] not in LIST_KINDS:
            raise KeyError(record_id)
        kind, body = found
        users = self._company.store.count(
            "customer_id = ? OR json_extract(body, '$.parent.id') = ? OR instr(body, ?) > 0",
            [record_id, record_id, f'"item":{{"id":"{record_id}"'],
        )
        if users:
            raise errors.qbxml(
                3170,
                f'There was an error when deleting a {kind} "{record_id}". QuickBooks error '
                "message: This object cannot be deleted because it is used by other records.",
            )

        def remove() -> None:
            self._company.remove(kind, body, self._company.clock.tick())

        self._write(remove)

    def account_id(self, name: str) -> str:
        row = self._company.store.find_name("account", name)
        if row is None:
            raise KeyError(name)
        return str(row[1]["id"])

    # -- transactions -----------------------------------------------------------------------
    def add_invoice(
        self,
        customer_id: str,
        lines: list[dict[str, Any]] | None = None,
        *,
        transaction_date: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """`lines` as in the API (`{"itemId": ..., "quantity": 2}`); one default line if None."""
        if lines is None:
            lines = [{"itemId": self.ids("service_item")[0], "quantity": 1}]
        day = transaction_date or self._company.clock.now().date().isoformat()
        request = {"customerId": customer_id, "transactionDate": day, "lines": lines, **fields}
        return self._write(lambda: invoices.create_invoice(self._company, request), kind="invoice")

    def edit_invoice(self, invoice_id: str, **changes: Any) -> dict[str, Any]:
        current = self._company.require(invoice_id, ("invoice",))
        request = {"revisionNumber": current["revisionNumber"], **changes}
        return self._write(
            lambda: invoices.update_invoice(self._company, invoice_id, request),
            kind="invoice",
        )

    def void_invoice(self, invoice_id: str) -> dict[str, Any]:
        return self._write(lambda: invoices.void_invoice(self._company, invoice_id), kind="invoice")

    def delete_invoice(self, invoice_id: str) -> None:
        self._write(lambda: invoices.delete_invoice(self._company, invoice_id))

    def receive_payment(
        self,
        customer_id: str,
        amount: str | Decimal,
        *,
        apply_to: dict[str, str | Decimal] | None = None,
        auto_apply: bool = False,
        transaction_date: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "customerId": customer_id,
            "transactionDate": transaction_date or self._company.clock.now().date().isoformat(),
            "totalAmount": money(Decimal(amount)),
            **fields,
        }
        if apply_to:
            request["applyToTransactions"] = [
                {"transactionId": txn, "paymentAmount": money(Decimal(value))}
                for txn, value in apply_to.items()
            ]
        else:
            request["isAutoApply"] = auto_apply
        return self._write(
            lambda: payments.create_payment(self._company, request), kind="receive_payment"
        )

    def add_credit_memo(
        self,
        customer_id: str,
        lines: list[dict[str, Any]] | None = None,
        *,
        transaction_date: str | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """`lines` as in the API; one line of the first service item if None."""
        if lines is None:
            lines = [{"itemId": self.ids("service_item")[0], "quantity": 1}]
        day = transaction_date or self._company.clock.now().date().isoformat()
        request = {"customerId": customer_id, "transactionDate": day, "lines": lines, **fields}
        return self._write(
            lambda: credit_memos.create_credit_memo(self._company, request), kind="credit_memo"
        )

    def apply_credit(
        self, credit_memo_id: str, invoice_id: str, amount: str | Decimal
    ) -> dict[str, Any]:
        """Applies part or all of a credit memo to an open invoice (Use credit to apply)."""
        return self._write(
            lambda: credit_memos.apply_credit(
                self._company, credit_memo_id, invoice_id, Decimal(amount)
            ),
            kind="credit_memo",
        )

    def void_credit_memo(self, credit_memo_id: str) -> dict[str, Any]:
        return self._write(
            lambda: credit_memos.void_credit_memo(self._company, credit_memo_id),
            kind="credit_memo",
        )

    def delete_credit_memo(self, credit_memo_id: str) -> None:
        self._write(lambda: credit_memos.delete_credit_memo(self._company, credit_memo_id))

    def delete_payment(self, payment_id: str) -> None:
        self._write(lambda: payments.delete_payment(self._company, payment_id))

    # -- plumbing ---------------------------------------------------------------------------
    def _edit_list(self, kind: str, record_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        current = self._company.require(record_id, (kind,))
        request = {"revisionNumber": current["revisionNumber"], **changes}
        return self._write(lambda: lists.update(self._company, kind, record_id, request), kind=kind)

    def _write(self, action: Any, kind: str | None = None) -> Any:
        with self._company.store.transaction():
            result = action()
        if kind is not None:
            return self._company.render(kind, result)
        if isinstance(result, dict) and result.get("objectType", "").startswith("qbd_"):
            return self._company.render(result["objectType"][4:], result)
        return result
