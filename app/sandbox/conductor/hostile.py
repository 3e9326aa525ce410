"""Records QuickBooks itself would never hold, for tests of what the app does with hostile input.

Conductor documents `id` only as a string; QuickBooks gives list ids such as 80000001-1234567890.
A customer stored under any other id lets a test check that the app refuses to pass such an id on
(to a URL, or to Salesforce) and names it as that record's problem.
"""

from __future__ import annotations

from typing import Any

from app.sandbox.conductor import lists
from app.sandbox.conductor.company import Company


def customer_under_id(company: Company, record_id: str, name: str, **fields: Any) -> dict[str, Any]:
    """A customer created as any other, then kept under `record_id` instead of its own id."""
    with company.store.transaction():
        body = lists.create(company, "customer", {"name": name, **fields})
        company.store.remove(body["id"])
        body["id"] = record_id
        company.add("customer", body)
    return company.render("customer", body)
