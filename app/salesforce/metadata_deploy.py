# ruff: noqa: S608 - SOQL, every value quoted by soql.literal
"""Adding the app's objects and fields to the org from the app.

May the signed-in user? The Metadata API needs Modify All Data or Modify Metadata Through Metadata
API Functions, and creating objects and fields needs Customize Application ("Metadata API Edit
Access", https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_metadata_perm.htm).
A user's permissions are those of the permission sets assigned to them, their profile's own among
them (PermissionSet.IsOwnedByProfile), so one PermissionSetAssignment query answers; a user who may
not even read assignments has no Setup access and so may not deploy either.

The deploy is simple-salesforce's Metadata API SOAP `deploy` of the package zip, then
`checkDeployStatus` until done (DeployResult: status, counts, componentFailures). Afterwards the
package's permission set is assigned to the user, so the new fields are visible to them.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree import ElementTree

from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as SdkError

from app.domain.salesforce_errors import WHO_CAN as WHO_CAN  # the UI names who may deploy
from app.domain.salesforce_errors import deploy_refused
from app.domain.user_error import UserError, UserFacingError
from app.salesforce.client import SalesforceClient
from app.salesforce.errors import SalesforceError, from_response
from app.salesforce.metadata_package import PERMISSION_SET
from app.salesforce.soql import literal

log = logging.getLogger(__name__)

_M = "{http://soap.sforce.com/2006/04/metadata}"
DEPLOY_PERMISSIONS = ("PermissionsModifyAllData", "PermissionsModifyMetadata")
CUSTOMIZE_APPLICATION = "PermissionsCustomizeApplication"
#: Refusals that mean "this user may not look at permissions", not "something broke".
_NOT_ALLOWED = {"INSUFFICIENT_ACCESS", "INSUFFICIENT_ACCESS_OR_READONLY", "INVALID_TYPE"}
FINISHED = {"Succeeded", "SucceededPartial", "Failed", "Canceled"}


@dataclass(frozen=True)
class ComponentFailure:
    component_type: str
    full_name: str
    problem: str

    def plain(self) -> str:
        kind = {"CustomField": "field", "CustomObject": "object", "PermissionSet": "permission set"}
        what = kind.get(self.component_type, self.component_type or "package")
        return f"{self.full_name or 'the package'} ({what}): {self.problem}"


@dataclass(frozen=True)
class DeployStatus:
    id: str
    done: bool
    status: str
    total: int
    deployed: int
    errors: int
    failures: tuple[ComponentFailure, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"

    def plain(self) -> str:
        """The deploy in a sentence, for the progress line and the result."""
        if not self.done:
            if self.status == "InProgress":
                return f"Salesforce is adding them ({self.deployed} of {self.total} done)…"
            return "Salesforce has the package and will start adding it in a moment…"
        if self.succeeded:
            return f"Salesforce added all {self.deployed} parts of the package."
        if self.status == "SucceededPartial":
            return (
                f"Salesforce added {self.deployed} of {self.total} parts; "
                f"{self.errors} could not be added."
            )
        if self.status == "Canceled":
            return "The deploy was cancelled in Salesforce; nothing was added."
        return f"Salesforce added nothing: {self.errors} part(s) of the package were refused."


@dataclass(frozen=True)
class DeployPermission:
    may_deploy: bool
    #: Which of the needed permissions the user lacks, as Salesforce names them.
    lacking: tuple[str, ...] = ()


def deploy_permission(client: SalesforceClient) -> DeployPermission:
    """Whether the signed-in user may add objects and fields through the Metadata API."""
    user_id = _user_id(client)
    columns = ", ".join(f"PermissionSet.{p}" for p in (*DEPLOY_PERMISSIONS, CUSTOMIZE_APPLICATION))
    soql = f"SELECT {columns} FROM PermissionSetAssignment WHERE AssigneeId = {literal(user_id)}"
    try:
        rows = client.query_all(soql)
    except SalesforceError as error:
        if error.code in _NOT_ALLOWED:
            return DeployPermission(False, (*DEPLOY_PERMISSIONS, CUSTOMIZE_APPLICATION))
        raise
    held = {
        name for row in rows for name, on in (row.get("PermissionSet") or {}).items() if on is True
    }
    lacking: list[str] = []
    if not held & set(DEPLOY_PERMISSIONS):
        lacking.extend(DEPLOY_PERMISSIONS)
    if CUSTOMIZE_APPLICATION not in held:
        lacking.append(CUSTOMIZE_APPLICATION)
    return DeployPermission(not lacking, tuple(lacking))


def _user_id(client: SalesforceClient) -> str:
    # The OpenID Connect userinfo endpoint names the user the token belongs to.
    response = client.session.get(f"{client.instance_url}/services/oauth2/userinfo")
    client.read_calls += 1
    if response.status_code >= 400:
        raise from_response(response)
    return str(response.json()["user_id"])


def deploy_package(
    client: SalesforceClient,
    package: bytes,
    on_status: Callable[[DeployStatus], None],
    *,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> DeployStatus:
    """Deploy the package zip and wait for Salesforce to finish; each poll's status is reported."""
    # A Salesforce object of its own: simple-salesforce's metadata calls rewrite its headers.
    sf = Salesforce(
        instance_url=client.instance_url,
        session_id=client.session.access_token,
        session=client.session,
        version=client.version,
    )
    try:
        # sandbox=False: rollbackOnError, as production orgs require; all or nothing.
        started = sf.deploy(io.BytesIO(package), sandbox=False)
    except SdkError as error:
        raise UserFacingError(refused(str(error.content))) from None
    async_id = str(started["asyncId"])
    while True:
        try:
            # The public checkDeployStatus drops each failure's fullName; the raw result keeps it.
            result = sf.mdapi._retrieve_deploy_result(async_id)
        except SdkError as error:
            raise UserFacingError(refused(str(error.content))) from None
        status = read_status(result)
        on_status(status)
        if status.done:
            break
        sleep(poll_s)
    if status.deployed:
        grant_package_access(client)
    return status


def read_status(result: ElementTree.Element) -> DeployStatus:
    """A DeployResult element as a DeployStatus."""

    def text(element: ElementTree.Element, name: str) -> str:
        return (element.findtext(_M + name) or "").strip()

    def number(name: str) -> int:
        value = text(result, name)
        return int(value) if value.isdigit() else 0

    failures = tuple(
        ComponentFailure(
            text(f, "componentType"), text(f, "fullName") or text(f, "fileName"), text(f, "problem")
        )
        for f in result.findall(f"{_M}details/{_M}componentFailures")
    )
    status = text(result, "status")
    return DeployStatus(
        id=text(result, "id"),
        done=text(result, "done") == "true" or status in FINISHED,
        status=status,
        total=number("numberComponentsTotal"),
        deployed=number("numberComponentsDeployed"),
        errors=number("numberComponentErrors"),
        failures=failures,
    )


def grant_package_access(client: SalesforceClient) -> None:
    """Assign the package's permission set to the signed-in user, once."""
    found = client.query_all(f"SELECT Id FROM PermissionSet WHERE Name = {literal(PERMISSION_SET)}")
    if not found:
        log.warning("The deployed package's permission set %s was not found", PERMISSION_SET)
        return
    user_id = _user_id(client)
    permission_set_id = found[0]["Id"]
    assigned = client.query_all(
        "SELECT Id FROM PermissionSetAssignment WHERE AssigneeId = "
        f"{literal(user_id)} AND PermissionSetId = {literal(permission_set_id)}"
    )
    if not assigned:
        client.create(
            "PermissionSetAssignment",
            [{"AssigneeId": user_id, "PermissionSetId": permission_set_id}],
        )


def refused(fault_text: str) -> UserError:
    """A deploy Salesforce refused outright (a SOAP fault), in plain words."""
    return deploy_refused(_fault_code(fault_text))


def _fault_code(fault_text: str) -> str:
    try:
        root = ElementTree.fromstring(fault_text)  # noqa: S314 - Salesforce's own answer
    except ElementTree.ParseError:
        return ""
    code = next((e.text or "" for e in root.iter() if e.tag == "faultcode"), "")
    return code.rpartition(":")[2].strip()
