"""Conformance: the limit on a REST call's URI and headers.

Salesforce Help, "Maximum number of rows returned by SOQL queries over the REST API" (knowledge
article 000386264, https://help.salesforce.com/s/articleView?id=000386264&type=1): URI and headers
together at most 16,384 bytes; over it 431 Request Header Fields Too Large; a URI alone over it
414 URI Too Long. Every call goes over real HTTPS through simple-salesforce, as the app's does.
"""

from __future__ import annotations

from urllib.parse import quote_plus

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError

from app.sandbox.salesforce import SalesforceSandbox
from app.sandbox.salesforce.uri_limits import MAX_URI_AND_HEADERS


def _names_query(count: int, width: int) -> str:
    names = ",".join(f"'{str(n).zfill(width)}'" for n in range(count))
    return f"SELECT Id FROM Account WHERE Name IN ({names})"  # noqa: S608


def _uri_bytes(sf: Salesforce, soql: str) -> int:
    path = sf.base_url.split("/", 3)[3]
    return len(f"/{path}query/?q={quote_plus(soql)}")


def _query_status(sf: Salesforce, soql: str) -> int:
    try:
        sf.query(soql)
    except SalesforceError as exc:
        return exc.status
    return 200


def test_a_uri_longer_than_16384_bytes_is_refused_with_414(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    soql = _names_query(800, 24)
    assert _uri_bytes(sf, soql) > MAX_URI_AND_HEADERS
    used = sandbox.api_usage
    assert _query_status(sf, soql) == 414
    assert sandbox.api_usage == used  # refused before the API counted the call


def test_uri_and_headers_over_16384_bytes_together_are_refused_with_431(
    sf: Salesforce,
) -> None:
    soql = _names_query(500, 14)
    uri = _uri_bytes(sf, soql)
    assert uri < MAX_URI_AND_HEADERS
    padding = "x" * (MAX_URI_AND_HEADERS - uri)
    with pytest.raises(SalesforceError) as info:
        sf.query(soql, headers={"X-Padding": padding})
    assert info.value.status == 431


def test_a_request_within_16384_bytes_of_uri_and_headers_is_served(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    name = sandbox.records("Account")[0]["Name"]
    soql = _names_query(400, 14).replace("IN (", f"IN ('{name}',")
    assert _uri_bytes(sf, soql) < MAX_URI_AND_HEADERS - 2_000
    result = sf.query(soql)
    assert [r["Id"] for r in result["records"]]
