"""Every Salesforce object and field name the app's code uses is named once, in the workflow
definitions; the rest of the app takes them from there.

The scan reads every string literal under app/ (docstrings aside) except the workflow definitions
themselves, the sandboxes (which play Salesforce) and data files such as the default field map.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from app.domain.workflows import (
    ACCOUNT,
    INVOICE,
    OPPORTUNITY,
    PAYMENT,
    PRODUCT,
    WORKFLOWS,
    WorkflowId,
)

APP = Path(__file__).resolve().parents[3] / "app"
SKIPPED = (APP / "sandbox", APP / "domain" / "workflows.py")
OBJECTS = tuple(
    sorted(
        {o.name for o in (ACCOUNT, PRODUCT, INVOICE, PAYMENT, OPPORTUNITY)}
        | {OPPORTUNITY.line_items.name}
    )
)
# A custom field or relationship: Balance_Remaining__c, Account__r.
CUSTOM_NAME = re.compile(r"[A-Za-z0-9]__[cr]\b")
# An object named in SOQL (FROM Account) or a path through it (Account.Name).
OBJECT_USE = re.compile(rf"\bFROM\s+({'|'.join(OBJECTS)})\b|\b({'|'.join(OBJECTS)})\.\w")
#: Words a person reads that happen to spell an object's name: (file under app/, text).
USER_WORDS = {("ui/windows/review.py", "Opportunity")}


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _literals(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and id(node) not in docstrings:
            yield node.lineno, node.value


def names_salesforce(text: str) -> bool:
    return bool(CUSTOM_NAME.search(text) or OBJECT_USE.search(text) or text.strip() in OBJECTS)


def salesforce_names_outside_the_definitions() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        if any(path == skipped or skipped in path.parents for skipped in SKIPPED):
            continue
        relative = path.relative_to(APP).as_posix()
        for line, text in _literals(path):
            if (relative, text) in USER_WORDS:
                continue
            if names_salesforce(text):
                found.append(f"app/{relative}:{line}: {text!r}")
    return found


def test_no_salesforce_name_is_typed_outside_the_workflow_definitions() -> None:
    assert salesforce_names_outside_the_definitions() == []


def test_the_scan_finds_a_name_typed_again(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""Reads QuickBooks_Invoice__c."""\n'
        'A = "Balance_Remaining__c"\n'
        'B = f"SELECT Id FROM Account WHERE {A} > 0"\n'
        'C = "Product2"\n'
        'D = "Account__r.Name"\n'
        'E = "Salesforce accounts"\n',
        encoding="utf-8",
    )
    hits = {text for _, text in _literals(sample) if names_salesforce(text)}
    assert hits == {
        "Balance_Remaining__c",
        "SELECT Id FROM Account WHERE ",
        "Product2",
        "Account__r.Name",
    }


def test_each_workflow_names_its_object_and_the_fields_its_code_uses() -> None:
    customers = WORKFLOWS[WorkflowId.CUSTOMERS]
    assert customers.salesforce is ACCOUNT
    assert customers.salesforce_scope == f"{ACCOUNT.sync_flag} = true"
    assert set(ACCOUNT.field_names()) == {
        "QuickBooks_Customer_Id__c",
        "QuickBooks_Balance__c",
        "Sync_To_QuickBooks__c",
        "Email__c",
        "ParentId",
    }
    assert ACCOUNT.parent_relationship == "Parent"
    assert WORKFLOWS[WorkflowId.INVOICES].status_field == INVOICE.status == "Status__c"
    assert INVOICE.account_relationship == "Account__r"
    assert INVOICE.account_customer_id == "Account__r.QuickBooks_Customer_Id__c"
    assert PAYMENT.amount == "Amount__c"
    assert WORKFLOWS[WorkflowId.ITEMS].status_field is None
    assert WORKFLOWS[WorkflowId.OPPORTUNITIES].quickbooks_id_field == "QuickBooks_Invoice_Id__c"
