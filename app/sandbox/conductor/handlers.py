"""One function per served operation: a validated call in, a response body out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.sandbox.conductor import (
    credit_memos,
    errors,
    invoices,
    listing,
    lists,
    payments,
    preferences,
)
from app.sandbox.conductor.company import Company
from app.sandbox.conductor.connections import Directory
from app.sandbox.conductor.spec import Operation
from app.sandbox.conductor.values import bound, timestamp

DELETED_WINDOW_DAYS = 90


@dataclass
class Call:
    op: Operation
    company: Company
    directory: Directory
    publishable_key: str
    root_url: str
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def record_id(self) -> str:
        return self.path["id"]


Handler = Callable[[Call], dict[str, Any]]


# -- Conductor ----------------------------------------------------------------------------------


def health_check(call: Call) -> dict[str, Any]:
    started = time.perf_counter()
    call.company.store.count("kind = 'account'", [])
    return {"duration": round((time.perf_counter() - started) * 1000, 3), "status": "ok"}


def create_end_user(call: Call) -> dict[str, Any]:
    body = call.directory.create_end_user(
        call.body["companyName"], call.body["sourceId"], call.body["email"]
    )
    return call.directory.render(body)


def list_end_users(call: Call) -> dict[str, Any]:
    data = [call.directory.render(u) for u in call.directory.end_users()]
    return {"objectType": "list", "url": "/v1/end-users", "data": data}


def get_end_user(call: Call) -> dict[str, Any]:
    return call.directory.render(call.directory.end_user(call.record_id))


def delete_end_user(call: Call) -> dict[str, Any]:
    return call.directory.delete_end_user(call.record_id)


def create_auth_session(call: Call) -> dict[str, Any]:
    key = call.body["publishableKey"]
    if key != call.publishable_key:
        raise errors.invalid_request(
            f"Invalid publishable key provided: '{key}'.", code="PUBLISHABLE_KEY_INVALID"
        )
    return call.directory.create_auth_session(
        end_user_id=call.body["endUserId"],
        publishable_key=key,
        link_expiry_mins=call.body.get("linkExpiryMins", 30),
        redirect_url=call.body.get("redirectUrl"),
        root_url=call.root_url,
    )


def get_preferences(call: Call) -> dict[str, Any]:
    return preferences.render(call.company)


# -- QuickBooks lists and transactions ----------------------------------------------------------


def list_records(call: Call) -> dict[str, Any]:
    return listing.list_records(call.company, call.op.template, call.query)


def retrieve(kind: str) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        body = call.company.find(call.record_id, (kind,))
        if body is None:
            raise errors.not_found_in_query(call.record_id)
        return call.company.render(kind, body)

    return handler


def create_list_object(kind: str) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        return call.company.render(kind, lists.create(call.company, kind, call.body))

    return handler


def update_list_object(kind: str) -> Handler:
    def handler(call: Call) -> dict[str, Any]:
        body = lists.update(call.company, kind, call.record_id, call.body)
        return call.company.render(kind, body)

    return handler


def create_invoice(call: Call) -> dict[str, Any]:
    return call.company.render("invoice", invoices.create_invoice(call.company, call.body))


def update_invoice(call: Call) -> dict[str, Any]:
    body = invoices.update_invoice(call.company, call.record_id, call.body)
    return call.company.render("invoice", body)


def void_invoice(call: Call) -> dict[str, Any]:
    body = invoices.void_invoice(call.company, call.record_id)
    return {
        "id": body["id"],
        "objectType": "qbd_invoice",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "refNumber": body.get("refNumber"),
        "voided": True,
    }


def delete_invoice(call: Call) -> dict[str, Any]:
    body = invoices.delete_invoice(call.company, call.record_id)
    return _deleted("qbd_invoice", body)


def create_payment(call: Call) -> dict[str, Any]:
    body = payments.create_payment(call.company, call.body)
    return call.company.render("receive_payment", body)


def update_payment(call: Call) -> dict[str, Any]:
    body = payments.update_payment(call.company, call.record_id, call.body)
    return call.company.render("receive_payment", body)


def delete_payment(call: Call) -> dict[str, Any]:
    body = payments.delete_payment(call.company, call.record_id)
    return _deleted("qbd_receive_payment", body)


def create_credit_memo(call: Call) -> dict[str, Any]:
    body = credit_memos.create_credit_memo(call.company, call.body)
    return call.company.render("credit_memo", body)


def void_credit_memo(call: Call) -> dict[str, Any]:
    body = credit_memos.void_credit_memo(call.company, call.record_id)
    return {
        "id": body["id"],
        "objectType": "qbd_credit_memo",
        "createdAt": body["createdAt"],
        "updatedAt": body["updatedAt"],
        "refNumber": body.get("refNumber"),
        "voided": True,
    }


def delete_credit_memo(call: Call) -> dict[str, Any]:
    body = credit_memos.delete_credit_memo(call.company, call.record_id)
    return _deleted("qbd_credit_memo", body)


def _deleted(object_type: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": body["id"],
        "objectType": object_type,
        "refNumber": body.get("refNumber"),
        "deleted": True,
    }


# -- deletions ----------------------------------------------------------------------------------


def _window(call: Call) -> tuple[str, str | None]:
    """QuickBooks only remembers deletions of the last 90 days: an older `deletedAfter` is clipped
    to the window ("within the last 90 days (QuickBooks limit)", GET
    /quickbooks-desktop/deleted-transactions, reference/conductor/openapi.yml)."""
    oldest = timestamp(call.company.clock.now() - timedelta(days=DELETED_WINDOW_DAYS))
    after = oldest
    if "deletedAfter" in call.query:
        after = max(oldest, bound("deletedAfter", call.query["deletedAfter"], end=False))
    before = None
    if "deletedBefore" in call.query:
        before = bound("deletedBefore", call.query["deletedBefore"], end=True)
    return after, before


def deleted_transactions(call: Call) -> dict[str, Any]:
    after, before = _window(call)
    data = []
    for kind in dict.fromkeys(call.query["transactionTypes"]):
        for row in call.company.store.deleted("transaction", [kind], after, before):
            data.append(
                {
                    "transactionType": row["type"],
                    "id": row["id"],
                    "objectType": "qbd_deleted_transaction",
                    "createdAt": row["created_at"],
                    "deletedAt": row["deleted_at"],
                    "refNumber": row["label"],
                }
            )
    url = "/v1/quickbooks-desktop/deleted-transactions"
    return {"objectType": "list", "url": url, "data": data}


def deleted_list_objects(call: Call) -> dict[str, Any]:
    after, before = _window(call)
    data = []
    for list_type in dict.fromkeys(call.query["objectTypes"]):
        for row in call.company.store.deleted("list", [list_type], after, before):
            data.append(
                {
                    "listType": row["type"],
                    "id": row["id"],
                    "objectType": "qbd_deleted_list_object",
                    "createdAt": row["created_at"],
                    "deletedAt": row["deleted_at"],
                    "fullName": row["label"],
                }
            )
    url = "/v1/quickbooks-desktop/deleted-list-objects"
    return {"objectType": "list", "url": url, "data": data}


def _resource_handlers(resource: str, kind: str) -> dict[str, Handler]:
    base = f"/quickbooks-desktop/{resource}"
    return {
        f"GET {base}": list_records,
        f"POST {base}": create_list_object(kind),
        f"GET {base}/{{id}}": retrieve(kind),
        f"POST {base}/{{id}}": update_list_object(kind),
    }


HANDLERS: dict[str, Handler] = {
    "GET /quickbooks-desktop/health-check": health_check,
    "POST /end-users": create_end_user,
    "GET /end-users": list_end_users,
    "GET /end-users/{id}": get_end_user,
    "DELETE /end-users/{id}": delete_end_user,
    "POST /auth-sessions": create_auth_session,
    "GET /quickbooks-desktop/accounts": list_records,
    "GET /quickbooks-desktop/accounts/{id}": retrieve("account"),
    **_resource_handlers("customers", "customer"),
    **_resource_handlers("service-items", "service_item"),
    **_resource_handlers("non-inventory-items", "non_inventory_item"),
    "GET /quickbooks-desktop/invoices": list_records,
    "POST /quickbooks-desktop/invoices": create_invoice,
    "GET /quickbooks-desktop/invoices/{id}": retrieve("invoice"),
    "POST /quickbooks-desktop/invoices/{id}": update_invoice,
    "DELETE /quickbooks-desktop/invoices/{id}": delete_invoice,
    "POST /quickbooks-desktop/invoices/{id}/void": void_invoice,
    "GET /quickbooks-desktop/receive-payments": list_records,
    "POST /quickbooks-desktop/receive-payments": create_payment,
    "GET /quickbooks-desktop/receive-payments/{id}": retrieve("receive_payment"),
    "POST /quickbooks-desktop/receive-payments/{id}": update_payment,
    "DELETE /quickbooks-desktop/receive-payments/{id}": delete_payment,
    "GET /quickbooks-desktop/credit-memos": list_records,
    "POST /quickbooks-desktop/credit-memos": create_credit_memo,
    "GET /quickbooks-desktop/credit-memos/{id}": retrieve("credit_memo"),
    "DELETE /quickbooks-desktop/credit-memos/{id}": delete_credit_memo,
    "POST /quickbooks-desktop/credit-memos/{id}/void": void_credit_memo,
    "GET /quickbooks-desktop/sales-tax-codes": list_records,
    "GET /quickbooks-desktop/sales-tax-codes/{id}": retrieve("sales_tax_code"),
    "GET /quickbooks-desktop/deleted-transactions": deleted_transactions,
    "GET /quickbooks-desktop/deleted-list-objects": deleted_list_objects,
    "GET /quickbooks-desktop/preferences": get_preferences,
    "GET /quickbooks-desktop/vendors": list_records,
    "GET /quickbooks-desktop/employees": list_records,
    "GET /quickbooks-desktop/other-names": list_records,
}
