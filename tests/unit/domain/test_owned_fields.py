from __future__ import annotations

from app.domain.owned_fields import ConflictKind, FieldGroup, edits_in_quickbooks, plan_update

PHONE = FieldGroup("Phone", ("phone",), "Phone")
NAME = FieldGroup("Account name", ("name",), "Name")
STREET = FieldGroup("Billing street", ("a.line1", "a.line2"), "BillingStreet", street=True)


def test_an_empty_salesforce_field_sends_nothing() -> None:
    plan = plan_update([PHONE], {}, {"phone": "555"}, {"phone": "555"})
    assert plan.changes == {} and plan.conflicts == ()


def test_a_field_quickbooks_still_holds_as_written_is_sent() -> None:
    plan = plan_update([PHONE], {"phone": "777"}, {"phone": "555"}, {"phone": "555"})
    assert plan.changes == {"phone": "777"} and plan.conflicts == ()


def test_a_field_edited_in_quickbooks_is_a_conflict_with_both_values() -> None:
    plan = plan_update([PHONE], {"phone": "777"}, {"phone": "999"}, {"phone": "555"})
    assert plan.changes == {}
    [conflict] = plan.conflicts
    assert conflict.kind is ConflictKind.EDITED
    assert (conflict.quickbooks_text, conflict.salesforce_text) == ("999", "777")


def test_a_name_never_written_is_not_changed_without_the_bookkeeper() -> None:
    plan = plan_update([NAME], {"name": "Acme Inc"}, {"name": "ACME"}, None)
    assert plan.changes == {}
    assert [c.kind for c in plan.conflicts] == [ConflictKind.NEW_NAME]


def test_a_street_is_one_field_and_fills_what_was_never_written() -> None:
    plan = plan_update([STREET], {"a.line1": "1 Elm", "a.line2": ""}, {"a.line1": "Co"}, None)
    assert plan.changes == {"a.line1": "1 Elm", "a.line2": ""}


def test_edits_are_noticed_only_against_values_written() -> None:
    assert edits_in_quickbooks([PHONE], {"phone": "1"}, {"phone": ""}) == ()
    [edit] = edits_in_quickbooks([PHONE], {"phone": "1"}, {"phone": "2"})
    assert edit.salesforce == {"phone": "2"}
