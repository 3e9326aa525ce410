"""SOQL through simple-salesforce: paging, filters, ordering, parent fields, aggregates, errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sf_helpers import connect, first_error
from simple_salesforce import Salesforce, format_soql
from simple_salesforce.exceptions import SalesforceMalformedRequest

from app.sandbox.salesforce import SalesforceSandbox


@pytest.fixture(scope="module")
def big() -> Iterator[SalesforceSandbox]:
    with SalesforceSandbox(
        seed=3, qb_customers=2400, accounts_extra=100, items=4, opportunities=0
    ) as sb:
        yield sb


def test_default_page_is_2000_and_query_more_follows_next_records_url(
    big: SalesforceSandbox,
) -> None:
    sf = connect(big)
    first = sf.query("SELECT Id, Name FROM Account")
    assert first["totalSize"] == 2500
    assert first["done"] is False
    assert len(first["records"]) == 2000
    assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
    rest = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    assert rest["done"] is True
    assert "nextRecordsUrl" not in rest
    ids = [r["Id"] for r in first["records"] + rest["records"]]
    assert len(set(ids)) == 2500


def test_batch_size_header_and_query_all_collects_every_page(big: SalesforceSandbox) -> None:
    sf = connect(big)
    page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=200"})
    assert len(page["records"]) == 200
    assert page["nextRecordsUrl"].endswith("-200")
    tiny = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(tiny["records"]) == 200  # Salesforce never pages below 200
    everything = sf.query_all("SELECT Id FROM Account WHERE Name LIKE 'A%'")
    assert everything["totalSize"] == len(everything["records"]) > 0
    assert everything["done"] is True


def test_unknown_query_locator_is_rejected(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query_more("01g8d000000XXXXAAA-2000")
    assert first_error(info.value)["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_filters_with_and_or_not_in_like_and_null(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    accounts = sandbox.records("Account")
    synced = [a for a in accounts if a["Sync_To_QuickBooks__c"]]
    result = sf.query("SELECT Id FROM Account WHERE Sync_To_QuickBooks__c = true")
    assert {r["Id"] for r in result["records"]} == {a["Id"] for a in synced}

    names = [accounts[0]["Name"], accounts[1]["Name"]]
    result = sf.query(format_soql("SELECT Name FROM Account WHERE Name IN {}", names))
    assert sorted(r["Name"] for r in result["records"]) == sorted(names)

    prefix = accounts[0]["Name"][:4].lower()
    result = sf.query(format_soql("SELECT Name FROM Account WHERE Name LIKE '{:like}%'", prefix))
    assert result["totalSize"] >= 1
    assert all(r["Name"].lower().startswith(prefix) for r in result["records"])

    result = sf.query("SELECT Id FROM Account WHERE QuickBooks_Customer_Id__c = null")
    assert result["totalSize"] == len(accounts)
    result = sf.query(
        "SELECT Id FROM Account WHERE (Sync_To_QuickBooks__c = true OR Type = 'Prospect') "
        "AND NOT Name = 'nobody'"
    )
    expected = {a["Id"] for a in accounts if a["Sync_To_QuickBooks__c"] or a["Type"] == "Prospect"}
    assert {r["Id"] for r in result["records"]} == expected
    result = sf.query("SELECT Id FROM Account WHERE Type != 'Prospect'")
    assert result["totalSize"] == sum(1 for a in accounts if a["Type"] != "Prospect")


def test_string_equality_ignores_case(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    name = sandbox.records("Account")[0]["Name"]
    result = sf.query(format_soql("SELECT Id FROM Account WHERE Name = {}", name.upper()))
    assert result["totalSize"] >= 1


def test_not_equal_and_not_in_ignore_case_as_equality_does_ascii_or_not(sf: Salesforce) -> None:
    # ASCII values are compared by SQLite's NOCASE, others by the full case folding: both agree.
    names = ["VOIDED CO", "\u212aELVIN", "\u00c9T\u00c9 CO", "Plain Co"]
    for name in names:
        sf.Account.create({"Name": name})
    ours = "SELECT Name FROM Account WHERE Name IN {names} AND "
    unlisted = sf.query(
        format_soql(
            ours + "Name NOT IN {}", ["voided co", "kelvin", "\u00e9t\u00e9 co"], names=names
        )
    )
    assert [r["Name"] for r in unlisted["records"]] == ["Plain Co"]
    for literal, left_out in [("voided co", "VOIDED CO"), ("kelvin", "\u212aELVIN")]:
        others = sf.query(format_soql(ours + "Name != {}", literal, names=names))
        assert sorted(r["Name"] for r in others["records"]) == sorted(set(names) - {left_out})


def test_numbers_dates_datetimes_and_date_literals(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    opportunities = sandbox.records("Opportunity")
    result = sf.query(
        "SELECT Id, Amount FROM Opportunity WHERE Amount >= 100.5 AND CloseDate < 2026-01-05"
    )
    expected = {
        o["Id"] for o in opportunities if o["Amount"] >= 100.5 and o["CloseDate"] < "2026-01-05"
    }
    assert {r["Id"] for r in result["records"]} == expected
    assert sf.query("SELECT COUNT() FROM Account WHERE CreatedDate > 2026-01-05T09:00:00Z")[
        "totalSize"
    ] == len(sandbox.records("Account"))
    assert (
        sf.query("SELECT COUNT() FROM Account WHERE CreatedDate = LAST_N_DAYS:7")["totalSize"] == 0
    )
    sf.Account.create({"Name": "Fresh Co"})
    fresh = sf.query("SELECT Name FROM Account WHERE CreatedDate = LAST_N_DAYS:7")
    assert [r["Name"] for r in fresh["records"]] == ["Fresh Co"]
    assert sf.query("SELECT COUNT() FROM Account WHERE SystemModstamp >= TODAY")["totalSize"] == 1


def test_order_by_several_fields_nulls_and_limit_offset(
    sf: Salesforce, sandbox: SalesforceSandbox
) -> None:
    sf.Account.create({"Name": "Zed Null Phone"})
    result = sf.query("SELECT Name, Phone FROM Account ORDER BY Phone ASC NULLS LAST, Name DESC")
    phones = [r["Phone"] for r in result["records"]]
    assert phones[-1] is None
    assert phones[:-1] == sorted(phones[:-1])
    first = sf.query("SELECT Name, Phone FROM Account ORDER BY Phone NULLS FIRST")
    assert first["records"][0]["Phone"] is None
    names = [r["Name"] for r in sf.query("SELECT Name FROM Account ORDER BY Name DESC")["records"]]
    assert names == sorted(names, key=str.casefold, reverse=True)
    page = sf.query("SELECT Name FROM Account ORDER BY Name DESC LIMIT 3 OFFSET 2")
    assert [r["Name"] for r in page["records"]] == names[2:5]
    assert page["totalSize"] == 3


def test_parent_fields_come_back_nested(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    accounts = {a["Id"]: a["Name"] for a in sandbox.records("Account")}
    result = sf.query(
        "SELECT Id, Name, Account.Name, Account.Owner.Username FROM Opportunity ORDER BY Name"
    )
    assert result["totalSize"] == len(sandbox.records("Opportunity"))
    record = result["records"][0]
    assert record["attributes"]["type"] == "Opportunity"
    account = record["Account"]
    assert account["attributes"]["type"] == "Account"
    assert account["Name"] == accounts[account["attributes"]["url"].rsplit("/", 1)[1]]
    assert account["Owner"]["Username"] == sandbox.username
    line = sf.query(
        "SELECT Opportunity.Account.Name, Product2.Name FROM OpportunityLineItem LIMIT 1"
    )
    assert line["records"][0]["Opportunity"]["Account"]["Name"] in accounts.values()

    sf.restful(
        "composite/sobjects",
        method="POST",
        json={"records": [{"attributes": {"type": "QuickBooks_Invoice__c"}, "Name": "1"}]},
    )
    orphan = sf.query(
        "SELECT Name, Account__r.Name, Account__r.Owner.Username FROM QuickBooks_Invoice__c"
    )
    assert orphan["records"][0]["Account__r"] is None
    by_parent = sf.query(
        format_soql("SELECT Id FROM Opportunity WHERE Account.Name = {}", account["Name"])
    )
    assert by_parent["totalSize"] >= 1


def test_count_sum_and_group_by(sf: Salesforce, sandbox: SalesforceSandbox) -> None:
    opportunities = sandbox.records("Opportunity")
    assert sf.query("SELECT COUNT() FROM Opportunity")["totalSize"] == len(opportunities)
    result = sf.query(
        "SELECT StageName, COUNT(Id), SUM(Amount) total FROM Opportunity GROUP BY StageName "
        "ORDER BY StageName"
    )
    stages = sorted({o["StageName"] for o in opportunities})
    assert [r["StageName"] for r in result["records"]] == stages
    for record in result["records"]:
        rows = [o for o in opportunities if o["StageName"] == record["StageName"]]
        assert record["attributes"] == {"type": "AggregateResult"}
        assert record["expr0"] == len(rows)
        assert record["total"] == pytest.approx(round(sum(o["Amount"] for o in rows), 2))
    overall = sf.query("SELECT COUNT(Id), SUM(Amount), MAX(CloseDate) FROM Opportunity")
    only = overall["records"][0]
    assert only["expr0"] == len(opportunities)
    assert only["expr2"] == max(o["CloseDate"] for o in opportunities)
    having = sf.query(
        "SELECT AccountId, COUNT(Id) n FROM Opportunity GROUP BY AccountId HAVING COUNT(Id) > 1"
    )
    assert all(r["n"] > 1 for r in having["records"])


def test_query_all_includes_deleted_rows(sf: Salesforce) -> None:
    created = sf.Account.create({"Name": "Short Lived"})
    sf.Account.delete(created["id"])
    live = sf.query("SELECT Id FROM Account WHERE Name = 'Short Lived'")
    assert live["totalSize"] == 0
    everything = sf.query_all(
        "SELECT Id, IsDeleted FROM Account WHERE Name = 'Short Lived'", include_deleted=True
    )
    assert everything["records"][0]["IsDeleted"] is True
    deleted = sf.query_all("SELECT Id FROM Account WHERE IsDeleted = true", include_deleted=True)
    assert [r["Id"] for r in deleted["records"]] == [created["id"]]


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Account WHERE", "MALFORMED_QUERY"),
        ("SELECT Id Account", "MALFORMED_QUERY"),
        (
            "SELECT Id FROM Account WHERE Name = 'a' AND Phone = 'b' OR Type = 'c'",
            "MALFORMED_QUERY",
        ),
        ("SELECT Name, COUNT(Id) FROM Account", "MALFORMED_QUERY"),
        ("SELECT Id FROM Account WHERE Name = 'it''s'", "MALFORMED_QUERY"),
        ("SELECT Nope__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id, Nobody__r.Name FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity WHERE Amount = '5'", "INVALID_FIELD"),
        ("SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z", "INVALID_FIELD"),
        ("SELECT Id FROM Account WHERE Sync_To_QuickBooks__c = 'true'", "INVALID_FIELD"),
        ("SELECT Id FROM Nothing__c", "INVALID_TYPE"),
    ],
)
def test_bad_queries_are_400_with_salesforce_codes(sf: Salesforce, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query(soql)
    assert info.value.status == 400
    error = first_error(info.value)
    assert error["errorCode"] == code


def test_parse_errors_point_at_the_token(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as info:
        sf.query("SELECT Id FROM Account WHERE Name = 'a' AND Phone = 'b' OR Type = 'c'")
    message = first_error(info.value)["message"]
    assert "ERROR at Row:1:Column:57" in message
    assert message.endswith("unexpected token: 'OR'")
