"""The pure parts: ids, SOQL parsing, date literals, value conversion, schema switches."""

from __future__ import annotations

from datetime import date

import pytest

from app.sandbox.salesforce import ids, soql, values
from app.sandbox.salesforce.default_org import default_schema
from app.sandbox.salesforce.errors import ApiError, RecordError
from app.sandbox.salesforce.query import date_range
from app.sandbox.salesforce.schema import FieldDef, ValidationRule


def test_id_suffix_matches_salesforce() -> None:
    assert ids.suffix("a0D30000001n7Pi") == "EAI"
    made = ids.make("001", 3_000_000_123)
    assert len(made) == 18 and made.startswith("0018d0")
    assert ids.normalise(made[:15]) == made
    assert ids.normalise(made[:15] + made[15:].lower()) == made
    wrong = "AAA" if not made.endswith("AAA") else "BBB"
    assert ids.normalise(made[:15] + wrong) is None
    assert ids.normalise("001-bad") is None


def test_soql_parses_the_supported_subset() -> None:
    query = soql.parse(
        "select Account.Name, SUM(Amount) total, count(Id) from Opportunity "
        "where (StageName = 'Closed Won' or Amount > -1.5) and not CloseDate = LAST_N_DAYS:30 "
        "group by Account.Name having sum(Amount) > 10 order by Account.Name desc nulls last "
        "limit 5 offset 2"
    )
    assert query.object == "Opportunity"
    assert query.select[0] == soql.Field(("Account", "Name"), 8)
    assert query.select[1] == soql.Aggregate("SUM", soql.Field(("Amount",), 26), "total")
    assert isinstance(query.where, soql.BoolOp) and query.where.op == "AND"
    assert query.order_by[0].descending is True and query.order_by[0].nulls_last is True
    assert (query.limit, query.offset) == (5, 2)
    literal = query.where.items[1].item.value
    assert (literal.kind, literal.value) == ("date_range", ("LAST_N_DAYS", 30))


def test_soql_string_escapes_and_like_patterns() -> None:
    query = soql.parse(r"SELECT Id FROM Account WHERE Name LIKE 'O\'Neil\_%' AND Phone = 'a\\b'")
    like, equal = query.where.items
    assert like.value.value == "O'Neil_%"
    assert like.value.like_pattern == "O'Neil\\_%"
    assert equal.value.value == "a\\b"


def test_soql_errors_are_malformed_query() -> None:
    with pytest.raises(ApiError) as info:
        soql.parse("SELECT Id FROM Account WHERE Name = 'x\\q'")
    assert info.value.code == "MALFORMED_QUERY"
    with pytest.raises(ApiError) as info:
        soql.parse("SELECT Id FROM Account ORDER Name")
    assert "unexpected token: 'Name'" in info.value.message


def test_date_literals() -> None:
    wednesday = date(2026, 11, 25)
    assert date_range("TODAY", 0, wednesday) == (wednesday, date(2026, 11, 26))
    assert date_range("LAST_N_DAYS", 7, wednesday) == (date(2026, 11, 18), date(2026, 11, 26))
    assert date_range("THIS_WEEK", 0, wednesday) == (date(2026, 11, 22), date(2026, 11, 29))
    assert date_range("LAST_MONTH", 0, wednesday) == (date(2026, 10, 1), date(2026, 11, 1))
    assert date_range("NEXT_N_MONTHS", 2, date(2026, 12, 3)) == (date(2027, 1, 1), date(2027, 3, 1))


def test_values_between_json_storage_and_csv() -> None:
    stamp = FieldDef("When__c", "datetime")
    stored = values.to_storage(stamp, "2026-01-01T10:00:00.5-05:00")
    assert stored == "2026-01-01T15:00:00.500Z"
    assert values.to_json(stamp, stored) == "2026-01-01T15:00:00.500+0000"
    money = FieldDef("Amount__c", "currency", precision=5, scale=2)
    assert values.to_storage(money, "12.345") == 12.35
    with pytest.raises(RecordError) as info:
        values.to_storage(money, 1000)
    assert info.value.code == "NUMBER_OUTSIDE_VALID_RANGE"
    flag = FieldDef("Flag__c", "boolean", nillable=False)
    assert values.to_storage(flag, "TRUE") == 1
    assert values.to_storage(flag, None) == 0
    assert values.to_csv(flag, 1) == "true"


def test_schema_switches() -> None:
    schema = default_schema()
    with pytest.raises(ValueError, match="no such object"):
        schema.set_missing(["Account.Nope__c"])
    with pytest.raises(ValueError, match="cannot be removed"):
        schema.set_missing(["Account.Name"])
    schema.set_missing(["quickbooks_payment__c", "account.quickbooks_balance__c"])
    assert schema.object("QuickBooks_Payment__c") is None
    account = schema.object("account")
    assert account is not None
    assert schema.field(account, "QuickBooks_Balance__c") is None
    assert schema.missing == ["account.quickbooks_balance__c", "quickbooks_payment__c"]
    with pytest.raises(ValueError, match="op must be one of"):
        ValidationRule.from_json({"object": "A", "field": "B", "op": "~", "message": "m"})
