from __future__ import annotations

import pytest

from app.domain.fieldmap import FieldType, Side
from app.domain.mapping_file import (
    MappingFileError,
    check_mapping,
    default_mapping,
    default_mapping_text,
    parse_mapping,
)
from app.domain.workflows import WORKFLOWS

ROW = """
[[{table}]]
salesforce = {salesforce}
quickbooks = {quickbooks}
owner = "{owner}"
type = "{type}"
"""


def row(
    table: str = "customers.fields",
    salesforce: str = '"Name"',
    quickbooks: str = '"name"',
    owner: str = "salesforce",
    type: str = "text",
) -> str:
    return ROW.format(
        table=table, salesforce=salesforce, quickbooks=quickbooks, owner=owner, type=type
    )


def issues(text: str | bytes) -> list[str]:
    return [str(issue) for issue in check_mapping(text)]


def test_default_file_defines_every_workflow() -> None:
    config = default_mapping()
    assert set(config.maps) == set(WORKFLOWS)
    assert check_mapping(default_mapping_text()) == []


def test_default_owners_follow_the_design() -> None:
    customers = default_mapping().for_workflow("customers")
    owners = {rule.salesforce[0]: rule.owner for rule in customers.fields}
    assert owners["Name"] is Side.SALESFORCE
    assert owners["BillingStreet"] is Side.SALESFORCE
    assert owners["Phone"] is Side.SALESFORCE
    assert owners["QuickBooks_Balance__c"] is Side.QUICKBOOKS
    for workflow in ("items", "invoices", "payments"):
        rules = default_mapping().for_workflow(workflow).fields
        assert {rule.owner for rule in rules} == {Side.QUICKBOOKS}
    opportunities = default_mapping().for_workflow("opportunities")
    assert {r.owner for r in opportunities.fields + opportunities.line_fields} == {Side.SALESFORCE}


def test_a_field_owned_by_both_sides_is_refused_with_line_numbers() -> None:
    text = "version = 1\n" + row() + row(salesforce='"Other__c"', owner="quickbooks")
    with pytest.raises(MappingFileError) as caught:
        parse_mapping(text, source="my-map.toml")
    error = caught.value
    assert error.source == "my-map.toml"
    [issue] = error.issues
    assert "QuickBooks field 'name' is owned by Salesforce in row 1 and by QuickBooks in row 2" in (
        issue.message
    )
    assert "exactly one owner" in issue.message
    assert issue.line == 9
    assert "my-map.toml" in str(error)


def test_owner_both_is_refused() -> None:
    [message] = issues(row(owner="both"))
    assert message.startswith("line 5, customers.fields row 1, 'owner':")
    assert "exactly one owner" in message


def test_a_salesforce_field_owned_by_both_sides_is_refused() -> None:
    text = row() + row(quickbooks='"companyName"', owner="quickbooks")
    assert any("Salesforce field 'Name' is owned by Salesforce" in m for m in issues(text))


@pytest.mark.parametrize(
    "garbage",
    [
        "this is not toml at all",
        "[[customers.fields]\nsalesforce = 1",
        'version = "1\n',
        "= = =",
        "\x00\x01\x02",
    ],
)
def test_garbage_syntax_gives_a_plain_error(garbage: str) -> None:
    with pytest.raises(MappingFileError) as caught:
        parse_mapping(garbage)
    [issue] = caught.value.issues
    assert "not valid TOML" in issue.message
    assert issue.line == 1


def test_syntax_error_names_its_line() -> None:
    [issue] = check_mapping('version = 1\n\n[[customers.fields]\nsalesforce = "Name"\n')
    assert issue.line == 3


def test_bytes_that_are_not_utf8_give_a_plain_error() -> None:
    [message] = issues(b"\xff\xfe\x00garbage\x80")
    assert "not plain UTF-8 text" in message


def test_binary_garbage_never_raises_anything_but_mapping_file_error() -> None:
    for data in (bytes(range(256)), b"PK\x03\x04zipfile", b"[[["):
        with pytest.raises(MappingFileError):
            parse_mapping(data)


def test_misspelt_keys_get_a_suggestion() -> None:
    text = row().replace('type = "text"', 'typ = "text"')
    messages = issues(text)
    assert any("'typ' is not a known setting (did you mean 'type'?)" in m for m in messages)
    assert any("'type' is missing" in m for m in messages)


def test_unknown_type_and_workflow_are_named() -> None:
    messages = issues(row(type="txt") + row(table="invoice.fields"))
    assert any("'txt' is unknown (did you mean 'text'?)" in m for m in messages)
    assert any("'invoice' is not a workflow (did you mean 'invoices'?)" in m for m in messages)


def test_quickbooks_owned_workflows_refuse_salesforce_owners() -> None:
    text = row(table="items.fields", quickbooks='"fullName"')
    assert any("QuickBooks owns every field" in m for m in issues(text))


def test_type_that_needs_the_other_owner_is_refused() -> None:
    text = row(type="street")
    assert issues(text) == []
    text = row(table="invoices.fields", owner="quickbooks", type="street")
    assert any("only works for fields owned by Salesforce" in m for m in issues(text))


def test_mirror_side_must_name_one_field() -> None:
    text = row(quickbooks='["name", "companyName"]')
    assert any("must name one field" in m for m in issues(text))


def test_owner_side_may_list_fallbacks() -> None:
    text = row(
        table="items.fields",
        salesforce='"Name"',
        quickbooks='["fullName", "name"]',
        owner="quickbooks",
    )
    config = parse_mapping(text)
    assert config.for_workflow("items").fields[0].quickbooks == ("fullName", "name")


def test_the_id_fields_are_managed_by_the_app() -> None:
    text = row(
        table="invoices.fields",
        salesforce='"QuickBooks_Invoice_Id__c"',
        quickbooks='"id"',
        owner="quickbooks",
    )
    text += row(table="invoices.fields", quickbooks='"refNumber"', owner="quickbooks")
    assert any("managed by the app" in m for m in issues(text))
    assert any("managed by the app" in m for m in issues(row(quickbooks='"externalId"')))


def test_a_field_filled_twice_is_refused() -> None:
    text = row() + row(salesforce='"Legal_Name__c"')
    assert any("is filled by row 1 and again by row 2" in m for m in issues(text))


def test_customers_need_a_row_for_the_quickbooks_name() -> None:
    text = row(salesforce='"Phone"', quickbooks='"phone"')
    assert any("'name'" in m and "refuses records without it" in m for m in issues(text))


def test_lookup_rows_need_a_key() -> None:
    text = row(
        table="payments.fields",
        salesforce='"Account__r"',
        quickbooks='"customer.id"',
        owner="quickbooks",
        type="lookup",
    )
    assert any("needs 'lookup_key'" in m for m in issues(text))


def test_bad_values_for_optional_settings() -> None:
    text = row() + 'required = "yes"\nmax_length = -3\nlabel = 5\n'
    messages = issues(text)
    assert any("'required' must be true or false" in m for m in messages)
    assert any("'max_length' must be a whole number above 0" in m for m in messages)
    assert any("'label' must be text" in m for m in messages)


def test_version_must_be_one() -> None:
    assert issues("version = 2\n" + row()) == ["line 1, version: 'version' must be 1, not 2."]


def test_a_user_file_replaces_only_the_workflows_it_lists() -> None:
    text = row() + "max_length = 30\n"
    config = parse_mapping(text, source="custom.toml")
    assert config.source == "custom.toml"
    [rule] = config.for_workflow("customers").fields
    assert rule.max_length == 30 and rule.type is FieldType.TEXT
    assert config.for_workflow("invoices") == default_mapping().for_workflow("invoices")


def test_every_issue_is_reported_at_once() -> None:
    text = row(owner="both") + row(type="txt") + row(table="nope.fields")
    assert len(check_mapping(text)) == 3
