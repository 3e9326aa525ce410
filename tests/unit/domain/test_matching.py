from __future__ import annotations

from typing import Any

import pytest

from app.domain.matching import (
    MatchBasis,
    normalise_name,
    normalise_phone,
    propose_links,
)


def acct(sf_id: str, name: str, email: str | None = None, phone: str | None = None,
         **more: Any) -> dict[str, Any]:  # fmt: skip
    return {"Id": sf_id, "Name": name, "Email__c": email, "Phone": phone, **more}


def cust(qb_id: str, name: str, email: str | None = None, phone: str | None = None,
         **more: Any) -> dict[str, Any]:  # fmt: skip
    return {"id": qb_id, "name": name, "email": email, "phone": phone, "parent": None,
            "sublevel": 0, **more}  # fmt: skip


@pytest.mark.parametrize(
    ("one", "two"),
    [
        ("Acme Inc.", "ACME, Inc"),
        ("Acme Inc.", "acme"),
        ("Acme LLC", "Acme L.L.C."),
        ("Acme Co.", "Acme Company"),
        ("Acme Ltd", "Acme Limited"),
        ("Smith & Sons", "Smith and Sons"),
        ("The Blue  Ridge Bakery", "blue ridge bakery"),
        ("Café Noir", "Cafe Noir"),
        ("Acme Corp.", "Acme Corporation"),
    ],
)
def test_names_that_normalise_alike(one: str, two: str) -> None:
    assert normalise_name(one) == normalise_name(two)


def test_names_that_stay_apart() -> None:
    assert normalise_name("Acme Plumbing") != normalise_name("Acme Roofing")
    assert normalise_name("Inc.") == "inc"  # a name made only of a legal form is kept


def test_phone_digits_only_and_country_code() -> None:
    assert normalise_phone("+1 (555) 123-4567") == normalise_phone("555.123.4567")
    assert normalise_phone("12") == ""


def test_unique_name_email_and_phone_matches() -> None:
    accounts = [
        acct("A1", "Acme Inc."),
        acct("A2", "Blue Ridge Bakery LLC", email="AP@blueridge.example.com"),
        acct("A3", "Cedar Dental", phone="(555) 000-1111"),
        acct("A4", "No Match Ltd"),
    ]
    customers = [
        cust("Q1", "ACME"),
        cust("Q2", "Blue Ridge Bakeries", email="ap@blueridge.example.com"),
        cust("Q3", "Cedar Dental Care", phone="+1 555 000 1111"),
        cust("Q4", "Somebody Else"),
    ]
    proposal = propose_links(accounts, customers)
    assert {(link.account_id, link.customer_id, link.basis) for link in proposal.links} == {
        ("A1", "Q1", MatchBasis.NAME),
        ("A2", "Q2", MatchBasis.EMAIL),
        ("A3", "Q3", MatchBasis.PHONE),
    }
    assert proposal.ambiguous == ()
    assert proposal.unmatched_account_ids == ("A4",)
    assert proposal.unmatched_customer_ids == ("Q4",)


def test_ambiguous_names_are_listed_not_linked() -> None:
    accounts = [acct("A1", "Acme Inc."), acct("A2", "Acme LLC")]
    customers = [cust("Q1", "Acme")]
    proposal = propose_links(accounts, customers)
    assert proposal.links == ()
    [ambiguous] = proposal.ambiguous
    assert ambiguous.basis is MatchBasis.NAME
    assert ambiguous.key == "acme"
    assert ambiguous.account_ids == ("A1", "A2")
    assert ambiguous.customer_ids == ("Q1",)


def test_ambiguous_on_the_quickbooks_side_too() -> None:
    proposal = propose_links([acct("A1", "Acme")], [cust("Q1", "Acme Inc"), cust("Q2", "ACME")])
    assert proposal.links == ()
    assert proposal.ambiguous[0].customer_ids == ("Q1", "Q2")


def test_a_later_pass_can_settle_a_name_ambiguity_when_unique_on_both_sides() -> None:
    accounts = [acct("A1", "Acme", email="one@acme.example"), acct("A2", "Acme Inc")]
    customers = [cust("Q1", "Acme", email="one@acme.example")]
    proposal = propose_links(accounts, customers)
    assert [(link.account_id, link.customer_id, link.basis) for link in proposal.links] == [
        ("A1", "Q1", MatchBasis.EMAIL)
    ]
    assert proposal.ambiguous == ()
    assert proposal.unmatched_account_ids == ("A2",)


def test_shared_email_is_ambiguous() -> None:
    accounts = [acct("A1", "One", email="x@y.example"), acct("A2", "Two", email="X@y.example")]
    customers = [cust("Q1", "Three", email="x@y.example")]
    proposal = propose_links(accounts, customers)
    assert proposal.links == ()
    assert proposal.ambiguous[0].basis is MatchBasis.EMAIL


def test_linked_accounts_and_jobs_are_left_out() -> None:
    accounts = [acct("A1", "Acme", QuickBooks_Customer_Id__c="Q1"), acct("A2", "Beta")]
    customers = [
        cust("Q1", "Acme"),
        cust("Q2", "Beta", parent={"id": "Q9", "fullName": "Parent"}, sublevel=1),
    ]
    proposal = propose_links(accounts, customers)
    assert proposal.links == ()
    assert proposal.unmatched_account_ids == ("A2",)
    assert proposal.unmatched_customer_ids == ()


def test_junk_records_do_not_break_matching() -> None:
    proposal = propose_links(
        [acct("A1", None), {"Id": None}, "junk", acct("A2", "Acme")],  # type: ignore[list-item]
        [cust("Q1", None), 5, cust("Q2", "Acme")],  # type: ignore[list-item]
    )
    assert [(link.account_id, link.customer_id) for link in proposal.links] == [("A2", "Q2")]
