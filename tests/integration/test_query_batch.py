"""`SalesforceClient.query_many`: several queries in Composite calls of at most five queries
each, answered in the order asked, every record of a long answer read through its locator,
and a refused query raised as the error Salesforce gave."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from app.salesforce.client import COMPOSITE_QUERIES, QUERY_BATCH, SalesforceClient
from app.salesforce.errors import SalesforceError
from app.salesforce.session import TokenSession
from app.sandbox.salesforce import SalesforceSandbox

INVOICE = "QuickBooks_Invoice__c"
INVOICE_ID = "QuickBooks_Invoice_Id__c"


@pytest.fixture
def sandbox() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(seed=7, qb_customers=12, accounts_extra=4, items=6) as running:
        yield running


@pytest.fixture
def client(sandbox: SalesforceSandbox) -> SalesforceClient:
    session = TokenSession(sandbox.issue_access_token(), verify=sandbox.ca_pem_path)
    return SalesforceClient(sandbox.instance_url, session)


def _invoices(client: SalesforceClient, count: int) -> None:
    records = [
        {INVOICE_ID: f"INV-{n:05d}", "Name": f"{n:05d}", "Balance_Remaining__c": n % 7}
        for n in range(count)
    ]
    for result in client.upsert(INVOICE, INVOICE_ID, records):
        assert result["success"], result


def test_seven_queries_take_two_composite_calls_and_answer_in_order(
    client: SalesforceClient, sandbox: SalesforceSandbox
) -> None:
    _invoices(client, 30)
    soqls = [
        f"SELECT COUNT(Id) n FROM {INVOICE} WHERE Balance_Remaining__c = {remainder}"  # noqa: S608
        for remainder in range(7)
    ]
    expected = [client.query_all(soql) for soql in soqls]
    before, calls_before = len(sandbox.requests()), client.read_calls

    answers = client.query_many(soqls)

    assert answers == expected
    assert [rows[0]["n"] for rows in answers] == [5, 5, 4, 4, 4, 4, 4]
    logged = sandbox.requests()[before:]
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in logged] == [
        ("POST", "composite")
    ] * 2
    asked = sorted(
        parse_qs(urlsplit(part.split(" ", 1)[1]).query)["q"][0]
        for call in logged
        for part in call["parts"]
    )
    assert asked == sorted(soqls)
    assert max(len(call["parts"]) for call in logged) == COMPOSITE_QUERIES
    assert client.read_calls - calls_before == 2


def test_an_answer_longer_than_a_batch_is_read_whole_through_its_locator(
    client: SalesforceClient, sandbox: SalesforceSandbox
) -> None:
    _invoices(client, QUERY_BATCH + 150)
    ids, count = client.query_many(
        [f"SELECT {INVOICE_ID} FROM {INVOICE}", f"SELECT COUNT(Id) n FROM {INVOICE}"]  # noqa: S608
    )
    assert len(ids) == QUERY_BATCH + 150 == count[0]["n"]
    assert len({row[INVOICE_ID] for row in ids}) == len(ids)
    more = [r for r in sandbox.requests() if "/query/" in r["path"] and r["method"] == "GET"]
    assert len(more) == 1, "the rest of the long answer is one locator page"


def test_a_refused_query_raises_what_salesforce_said(client: SalesforceClient) -> None:
    with pytest.raises(SalesforceError) as refused:
        client.query_many(
            [f"SELECT COUNT(Id) n FROM {INVOICE}", f"SELECT No_Such_Field__c FROM {INVOICE}"]  # noqa: S608
        )
    assert refused.value.code == "INVALID_FIELD"
    assert refused.value.http_status == 400
