"""A Salesforce org emulator that the real simple-salesforce and requests talk to over HTTPS.

OAuth web server flow with PKCE and refresh-token rotation, the REST API (SOQL query with paging,
describe, records, external-id upsert), sObject Collections, Composite, Bulk API 2.0 ingest, limits
and `Sforce-Limit-Info`, a schema enforced on writes, seeded sample data, and injectable faults
(see `faults` for every kind).
"""

from app.sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
