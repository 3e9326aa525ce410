"""The usual integration, for comparison: list invoices 100 at a time from QuickBooks and send one
Salesforce upsert per invoice, in sequence (the pattern of Conductor's own sync article).

It maps with the same field maps, so the records written are the same as the engine's.
"""

from __future__ import annotations

import time

from app.domain.mapping_file import default_mapping
from app.domain.record_mapping import map_quickbooks_record, salesforce_json
from app.quickbooks import QuickBooks
from app.salesforce.client import SalesforceClient


def naive_loop(qb: QuickBooks, sf: SalesforceClient, limit: int | None = None) -> tuple[int, float]:
    """(records sent, seconds). With `limit`, stops after that many records."""
    mapping = default_mapping()
    started = time.perf_counter()
    sent = 0
    for page in _pages_of_100(qb):
        for invoice in page:
            mapped = map_quickbooks_record(mapping, "invoices", invoice)
            if mapped.record is None:
                continue
            record = salesforce_json(mapped.record)
            external_id = record.pop("QuickBooks_Invoice_Id__c")
            sf.sf.QuickBooks_Invoice__c.upsert(f"QuickBooks_Invoice_Id__c/{external_id}", record)
            sent += 1
            if limit is not None and sent >= limit:
                return sent, time.perf_counter() - started
    return sent, time.perf_counter() - started


def _pages_of_100(qb: QuickBooks):  # type: ignore[no-untyped-def]
    client = qb._client  # the loop uses the SDK directly, as that article does
    page = client.qbd.invoices.list(
        conductor_end_user_id=qb.config.end_user_id, limit=100, include_line_items=False
    )
    while True:
        yield [item.to_dict(mode="json") for item in page.data]
        if not page.has_next_page():
            return
        page = page.get_next_page()
