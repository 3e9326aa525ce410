"""What the sandbox promises about the Metadata API's file-based deploy, each from Salesforce's
Metadata API Developer Guide ("deploy()", "checkDeployStatus()", "DeployResult", "Metadata API
Edit Access", "CustomField"), reached through simple-salesforce's SOAP calls."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from sf_helpers import connect
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError, SalesforceResourceNotFound

from app.domain.workflows import ACCOUNT, CREDIT_MEMO, INVOICE, PAYMENT
from app.salesforce.metadata_package import package_zip
from app.sandbox.salesforce import SalesforceSandbox
from app.ui.resources import resource_path

PACKAGE = resource_path("salesforce")
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
META = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
PACKAGE_XML = (
    f"{HEAD}<Package {META}><types><members>*</members><name>CustomObject</name></types>"
    "<version>62.0</version></Package>"
)


@pytest.fixture
def bare() -> Iterator[SalesforceSandbox]:
    """An org without the app's objects and with an account field missing."""
    missing = [PAYMENT.name, CREDIT_MEMO.name, ACCOUNT.path(ACCOUNT.balance)]
    with SalesforceSandbox(
        seed=7, qb_customers=4, accounts_extra=2, items=2, opportunities=2, missing=missing
    ) as sb:
        yield sb


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {"package.xml": PACKAGE_XML, **files}.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def run(
    sf: Salesforce, data: bytes, *, sandbox: bool = False, **options: Any
) -> tuple[list[dict[str, Any]], str]:
    """Deploy and poll until done: every status seen, and the deploy id. `sandbox=False` is
    simple-salesforce's production mode: rollbackOnError true."""
    started = sf.deploy(io.BytesIO(data), sandbox=sandbox, **options)
    assert started["state"] == "Queued"
    seen = []
    for _ in range(10):
        status = sf.checkDeployStatus(started["asyncId"])
        seen.append(status)
        if status["state"] not in {"Pending", "InProgress"}:
            break
    return seen, str(started["asyncId"])


def field_names(sf: Salesforce, sobject: str) -> set[str]:
    return {f["name"] for f in getattr(sf, sobject).describe()["fields"]}


def test_a_deploy_adds_the_objects_and_fields_to_the_org(bare: SalesforceSandbox) -> None:
    """deploy() answers an AsyncResult; checkDeployStatus() is polled until done, reporting
    InProgress then Succeeded with the component counts; the org then has what was deployed.
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_checkdeploystatus.htm
    """
    sf = connect(bare)
    with pytest.raises(SalesforceResourceNotFound):
        sf.QuickBooks_Payment__c.describe()
    assert ACCOUNT.balance not in field_names(sf, "Account")

    seen, _ = run(sf, package_zip(PACKAGE))

    assert [s["state"] for s in seen] == ["InProgress", "Succeeded"]
    detail = seen[-1]["deployment_detail"]
    assert detail["failed_count"] == "0"
    assert detail["deployed_count"] == detail["total_count"]
    assert int(detail["total_count"]) > 40
    assert {PAYMENT.quickbooks_id, PAYMENT.amount} <= field_names(sf, PAYMENT.name)
    assert ACCOUNT.balance in field_names(sf, "Account")
    created = sf.QuickBooks_Payment__c.create({PAYMENT.quickbooks_id: "P-1", PAYMENT.amount: 5})
    assert created["success"] is True
    names = [p["Name"] for p in bare.records("PermissionSet")]
    assert "QuickBooks_Sync" in names


def test_a_user_without_metadata_permission_gets_insufficient_access(
    bare: SalesforceSandbox,
) -> None:
    """ "Metadata API Edit Access": Modify All Data or Modify Metadata Through Metadata API
    Functions is needed; without it the call is refused with INSUFFICIENT_ACCESS.
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_metadata_perm.htm
    """
    bare.set_config(user_profile="Standard User")
    sf = connect(bare)
    with pytest.raises(SalesforceGeneralError) as refused:
        sf.deploy(io.BytesIO(package_zip(PACKAGE)), sandbox=False)
    assert refused.value.status == 500
    assert "<faultcode>sf:INSUFFICIENT_ACCESS</faultcode>" in str(refused.value.content)
    assert PAYMENT.name.lower() in [m.lower() for m in bare.app.config["missing"]]


def test_a_malformed_component_is_a_component_failure(bare: SalesforceSandbox) -> None:
    """CustomField: a Text field must give its length. The failure names the component
    (componentType, fullName) and the problem; with rollbackOnError nothing is deployed.
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
    """
    broken = (
        f"{HEAD}<CustomObject {META}><fields><fullName>Nickname__c</fullName>"
        "<label>Nickname</label><type>Text</type></fields>"
        "<fields><fullName>Tier__c</fullName><label>Tier</label><length>20</length>"
        "<type>Text</type></fields></CustomObject>"
    )
    sf = connect(bare)
    seen, async_id = run(sf, zip_of({"objects/Account.object": broken}))

    final = seen[-1]
    assert final["state"] == "Failed"
    detail = final["deployment_detail"]
    assert detail["failed_count"] == "1"
    assert detail["errors"] == [
        {
            "type": "CustomField",
            "file": "objects/Account.object",
            "status": "Error",
            "message": "Must specify 'length' for a CustomField of type Text",
        }
    ]
    raw = sf.mdapi._retrieve_deploy_result(async_id)
    ns = "{http://soap.sforce.com/2006/04/metadata}"
    assert raw.findtext(f"{ns}details/{ns}componentFailures/{ns}fullName") == "Account.Nickname__c"
    assert "Tier__c" not in field_names(sf, "Account")


def test_without_rollback_the_good_components_are_deployed(bare: SalesforceSandbox) -> None:
    """deploy(): rollbackOnError false deploys what can be deployed and reports the rest
    (status SucceededPartial).
    https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deploy.htm
    """
    mixed = (
        f"{HEAD}<CustomObject {META}><fields><fullName>Rank__c</fullName><label>Rank</label>"
        "<type>Number</type></fields>"
        "<fields><fullName>Tier__c</fullName><label>Tier</label><length>20</length>"
        "<type>Text</type></fields></CustomObject>"
    )
    sf = connect(bare)
    seen, _ = run(sf, zip_of({"objects/Account.object": mixed}), sandbox=True)
    assert seen[-1]["state"] == "SucceededPartial"
    assert seen[-1]["deployment_detail"]["errors"][0]["message"] == (
        "Must specify 'precision' for a CustomField of type Number"
    )
    assert "Tier__c" in field_names(sf, "Account")
    assert sf.Account.create({"Name": "Tiered", "Tier__c": "Gold"})["success"] is True


def test_check_only_changes_nothing(bare: SalesforceSandbox) -> None:
    """deploy(): checkOnly validates the files without changing the org."""
    sf = connect(bare)
    seen, _ = run(sf, package_zip(PACKAGE), checkOnly=True)
    assert seen[-1]["state"] == "Succeeded"
    with pytest.raises(SalesforceResourceNotFound):
        sf.QuickBooks_Payment__c.describe()


def test_an_unknown_session_is_refused(bare: SalesforceSandbox) -> None:
    """The SessionHeader must carry a valid session: INVALID_SESSION_ID."""
    sf = connect(bare, token="00Dnot-a-session")
    with pytest.raises(SalesforceGeneralError) as refused:
        sf.deploy(io.BytesIO(package_zip(PACKAGE)), sandbox=False)
    assert "INVALID_SESSION_ID" in str(refused.value.content)


def test_a_saved_org_keeps_what_was_deployed(tmp_path: Any) -> None:
    state = tmp_path / "org.sqlite"
    missing = [INVOICE.name]
    with SalesforceSandbox(
        seed=3, qb_customers=2, items=1, opportunities=1, state_file=state, missing=missing
    ) as first:
        run(connect(first), package_zip(PACKAGE))
        assert INVOICE.name not in first.app.config["missing"]
    first.org.store.close()
    with SalesforceSandbox(seed=3, state_file=state, missing=missing) as again:
        assert INVOICE.quickbooks_id in field_names(connect(again), INVOICE.name)
        again.org.store.close()
