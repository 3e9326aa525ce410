"""A Conductor (QuickBooks Desktop API) emulator that the real `conductor-py` client talks to.

    sb = ConductorSandbox(seed=7).start()
    client = conductor.Conductor(api_key=sb.secret_key, base_url=sb.base_url)
    client.qbd.invoices.list(conductor_end_user_id=sb.end_user_id)

Modules: `sandbox` (the Python API), `app` (HTTP), `handlers` (one per operation), `spec`
(validation against `schema.json`, derived by `derive_schema`), `company` / `lists` /
`invoices` / `payments` (QuickBooks rules), `listing` (filters, pagination), `connections` (end
users, auth sessions), `setup_page` (the auth flow page), `faults`, `seed`, `qb` (acting inside
QuickBooks), `store` (SQLite), `clock`, `values`, `errors`, `fields`.
"""

from app.sandbox.conductor.sandbox import ConductorSandbox

__all__ = ["ConductorSandbox"]
