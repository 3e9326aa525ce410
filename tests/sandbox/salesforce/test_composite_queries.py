"""Query subrequests in Composite: at most five query or sObject Collections subrequests in one
call (Composite limits: "up to 25 subrequests ... up to 5 of which can be sObject Collections or
query operations", https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm),
each answered as the Query resource answers, and the call counted once toward the API limits."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from sf_helpers import API_VERSION, first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.sandbox.salesforce import SalesforceSandbox


def _query(soql: str, ref: str) -> dict[str, Any]:
    url = f"/services/data/v{API_VERSION}/query/?{urlencode({'q': soql})}"
    return {"method": "GET", "url": url, "referenceId": ref}


def _composite(sf: Salesforce, subrequests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answer = sf.restful(
        "composite", method="POST", json={"allOrNone": False, "compositeRequest": subrequests}
    )
    return list(answer["compositeResponse"])


def test_six_queries_in_one_call_are_refused(sf: Salesforce) -> None:
    six = [_query("SELECT COUNT(Id) n FROM Account", f"q{n}") for n in range(6)]
    with pytest.raises(SalesforceMalformedRequest) as refused:
        _composite(sf, six)
    assert first_error(refused.value)["errorCode"] == "INVALID_BATCH_REQUEST"


def test_five_queries_answer_as_the_query_resource_does_and_count_once(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    soql = "SELECT Id, Name FROM Account ORDER BY Name"
    direct = sf.query(soql)
    before = sandbox.api_usage
    answers = _composite(sf, [_query(soql, f"q{n}") for n in range(5)])
    assert sandbox.api_usage == before + 1
    assert [a["httpStatusCode"] for a in answers] == [200] * 5
    for answer in answers:
        body = answer["body"]
        assert (body["totalSize"], body["done"]) == (direct["totalSize"], True)
        assert [r["Id"] for r in body["records"]] == [r["Id"] for r in direct["records"]]
    (logged,) = [r for r in sandbox.requests() if r["path"].endswith("/composite")]
    assert logged["parts"] == [f"GET {sub['url']}" for sub in [_query(soql, "x")] * 5]


def test_a_refused_query_subrequest_answers_with_its_own_error(sf: Salesforce) -> None:
    good, bad = _composite(
        sf,
        [
            _query("SELECT COUNT(Id) n FROM Account", "good"),
            _query("SELECT No_Such_Field__c FROM Account", "bad"),
        ],
    )
    assert good["httpStatusCode"] == 200
    assert bad["httpStatusCode"] == 400
    assert bad["body"][0]["errorCode"] == "INVALID_FIELD"
