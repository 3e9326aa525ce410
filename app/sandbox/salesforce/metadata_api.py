"""The Metadata API's file-based deploy over SOAP at /services/Soap/m/NN.N: deploy() and
checkDeployStatus().

- deploy(ZipFile base64, DeployOptions) answers an AsyncResult (id, done, state):
  Metadata API Developer Guide, "deploy()",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deploy.htm .
  rollbackOnError true: any failure deploys nothing; false: what can be deployed is, and the rest
  is reported. checkOnly: validated, nothing changes.
- checkDeployStatus(id, includeDetails) is called in a loop until `done`; it answers a
  DeployResult: id, done, status (Pending, InProgress, Succeeded, SucceededPartial, Failed,
  Canceling, Canceled), success, numberComponentsTotal, numberComponentsDeployed,
  numberComponentErrors, and details.componentFailures / componentSuccesses as DeployMessages
  (componentType, fullName, fileName, problem, problemType, success):
  "checkDeployStatus()",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_checkdeploystatus.htm
  and "DeployResult",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deployresult.htm
- The session travels in the SessionHeader; an unknown one is the INVALID_SESSION_ID fault. A user
  without Modify All Data or Modify Metadata Through Metadata API Functions gets the
  INSUFFICIENT_ACCESS fault: "Metadata API Edit Access",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_metadata_perm.htm
  (faults are HTTP 500 SOAP Faults, faultcode sf:<StatusCode>, as SOAP 1.1 prescribes).

The sandbox paces a deploy by the polls it gets: the first checkDeployStatus finds it InProgress,
the second finds it done. Deploys live in memory; what they changed is kept with the org.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

from app.sandbox.salesforce import ids, permissions
from app.sandbox.salesforce.default_org import custom_object
from app.sandbox.salesforce.metadata_components import (
    NS,
    Contents,
    Failure,
    FieldComponent,
    ObjectComponent,
    PermissionSetComponent,
    read_zip,
)
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import ObjectDef

PREFIX = "/services/Soap/m/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_M = f"{{{NS}}}"
_S = f"{{{SOAP_NS}}}"
#: Where the zips of applied deploys are kept, so a saved org has its deployed schema again.
_APPLIED_KEY = "metadata:applied_deploys"
_CHECKS_UNTIL_DONE = 2
ElementTree.register_namespace("soapenv", SOAP_NS)


class SoapFault(Exception):  # noqa: N818 - the SOAP term
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Deployment:
    id: str
    contents: Contents
    check_only: bool
    rollback_on_error: bool
    checks: int = 0
    failures: list[Failure] = field(default_factory=list)
    successes: list[tuple[str, str, str]] = field(default_factory=list)
    status: str = "Pending"

    @property
    def done(self) -> bool:
        return self.status in {"Succeeded", "SucceededPartial", "Failed", "Canceled"}


class MetadataApi:
    def __init__(
        self, org: Org, session_valid: Callable[[str], bool], on_change: Callable[[], None]
    ) -> None:
        self.org = org
        self.session_valid = session_valid
        self.on_change = on_change
        self._deployments: dict[str, Deployment] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.zips: dict[str, bytes] = {}

    # -- HTTP ---------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        if request.method != "POST":
            return _fault_response(SoapFault("soapenv:Client", "Only POST is supported"))
        try:
            envelope = ElementTree.fromstring(request.get_data())  # noqa: S314 - expat refuses bombs
        except ElementTree.ParseError:
            return _fault_response(SoapFault("soapenv:Client", "The request is not valid XML"))
        try:
            self._check_session(envelope)
            call = envelope.find(f"{_S}Body/*")
            if call is None:
                raise SoapFault("soapenv:Client", "The SOAP Body names no operation")
            if call.tag == _M + "deploy":
                return _envelope("deployResponse", self._deploy(call))
            if call.tag == _M + "checkDeployStatus":
                return _envelope("checkDeployStatusResponse", self._check(call))
            raise SoapFault("soapenv:Client", f"No operation available for request {call.tag}")
        except SoapFault as fault:
            return _fault_response(fault)

    def _check_session(self, envelope: ElementTree.Element) -> None:
        session = envelope.findtext(f"{_S}Header/{_M}SessionHeader/{_M}sessionId", "").strip()
        if not session or not self.session_valid(session):
            raise SoapFault(
                "sf:INVALID_SESSION_ID",
                "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader",
            )

    # -- deploy() -------------------------------------------------------------------------------
    def _deploy(self, call: ElementTree.Element) -> ElementTree.Element:
        if not permissions.may_use_metadata_api(self.org):
            raise SoapFault(
                "sf:INSUFFICIENT_ACCESS",
                "INSUFFICIENT_ACCESS: use of the Metadata API requires a user with the "
                "ModifyAllData or ModifyMetadata permission",
            )
        try:
            data = base64.b64decode(call.findtext(_M + "ZipFile", ""), validate=True)
        except (binascii.Error, ValueError):
            raise SoapFault("sf:INVALID_ZIP", "INVALID_ZIP: The ZipFile is not base64") from None
        options = call.find(_M + "DeployOptions")

        def option(name: str) -> bool:
            return options is not None and _true(options.findtext(_M + name, ""))

        deploy_id = ids.make("0Af", next(self._counter))
        deployment = Deployment(
            id=deploy_id,
            contents=read_zip(data),
            check_only=option("checkOnly"),
            rollback_on_error=option("rollbackOnError"),
        )
        with self._lock:
            self._deployments[deploy_id] = deployment
            self.zips[deploy_id] = data
        result = ElementTree.Element(_M + "result")
        _add(result, "done", "false")
        _add(result, "id", deploy_id)
        _add(result, "state", "Queued")
        return result

    # -- checkDeployStatus() --------------------------------------------------------------------
    def _check(self, call: ElementTree.Element) -> ElementTree.Element:
        deploy_id = ids.normalise(call.findtext(_M + "asyncProcessId", "").strip()) or ""
        details = _true(call.findtext(_M + "includeDetails", ""))
        with self._lock:
            deployment = self._deployments.get(deploy_id)
            if deployment is None:
                raise SoapFault("sf:INVALID_ID_FIELD", "INVALID_ID_FIELD: invalid deploy id")
            if not deployment.done:
                deployment.checks += 1
                if deployment.checks >= _CHECKS_UNTIL_DONE:
                    self._finish(deployment)
                else:
                    deployment.status = "InProgress"
        return _deploy_result(deployment, details)

    def _finish(self, deployment: Deployment) -> None:
        with self.org.store.lock:
            self._decide(deployment)

    def _decide(self, deployment: Deployment) -> None:
        plan = Plan(self.org, deployment.contents)
        deployment.failures = [*deployment.contents.failures, *plan.failures]
        deployment.successes = plan.successes
        if not deployment.successes and deployment.failures:
            deployment.status = "Failed"
            return
        if deployment.failures and deployment.rollback_on_error:
            deployment.status = "Failed"
            return
        if not deployment.check_only:
            plan.apply()
            self._remember(deployment.id)
            self.on_change()
        deployment.status = "SucceededPartial" if deployment.failures else "Succeeded"

    # -- keeping what was deployed ----------------------------------------------------------------
    def _remember(self, deploy_id: str) -> None:
        kept = json.loads(self.org.store.meta(_APPLIED_KEY, "[]") or "[]")
        kept.append(base64.b64encode(self.zips[deploy_id]).decode("ascii"))
        self.org.store.set_meta(_APPLIED_KEY, json.dumps(kept))

    def restore(self) -> None:
        """Apply again what earlier deploys applied to a saved org (schema lives in code)."""
        kept = json.loads(self.org.store.meta(_APPLIED_KEY, "[]") or "[]")
        for encoded in kept:
            Plan(self.org, read_zip(base64.b64decode(encoded))).apply()
        if kept:
            self.on_change()


class Plan:
    """What a deploy would change, checked against the org as it is and the deploy's own parts."""

    def __init__(self, org: Org, contents: Contents) -> None:
        self.org = org
        self.contents = contents
        self.failures: list[Failure] = []
        self.successes: list[tuple[str, str, str]] = []
        self.objects = list(contents.objects)
        self.fields: list[FieldComponent] = []
        self.permission_sets: list[PermissionSetComponent] = []
        made = {o.name.lower() for o in contents.objects}
        for obj in self.objects:
            self.successes.append(("CustomObject", obj.name, obj.file_name))
        for component in contents.fields:
            problem = self._field_problem(component, made)
            if self._sorted("CustomField", component.full_name, component.file_name, problem):
                self.fields.append(component)
        fields = {c.full_name.lower() for c in self.fields}
        for permission_set in contents.permission_sets:
            problem = self._permission_problem(permission_set, made, fields)
            if self._sorted(
                "PermissionSet", permission_set.name, permission_set.file_name, problem
            ):
                self.permission_sets.append(permission_set)

    def _sorted(self, kind: str, name: str, file_name: str, problem: str | None) -> bool:
        """Files the component as a failure or a success; True when it is to be made."""
        if problem:
            self.failures.append(Failure(kind, name, file_name, problem))
            return False
        self.successes.append((kind, name, file_name))
        return True

    def _known(self, name: str, made: set[str]) -> bool:
        return name.lower() in made or _stored(self.org, name)

    def _field_problem(self, component: FieldComponent, made: set[str]) -> str | None:
        if not self._known(component.object_name, made):
            return f"In field: fullName - no CustomObject named {component.object_name} found"
        definition = component.definition
        for target in definition.reference_to:
            if not self._known(target, made):
                return f"In field: referenceTo - no CustomObject named {target} found"
        if _stored(self.org, component.object_name):
            existing = self.org.schema.stored_object(component.object_name).get(definition.name)
            if existing is not None and existing.sql_type != definition.sql_type:
                return (
                    f"Cannot change the type of {definition.name} from {existing.type} to "
                    f"{definition.type}"
                )
        return None

    def _permission_problem(
        self, component: PermissionSetComponent, made: set[str], fields: set[str]
    ) -> str | None:
        for name in component.objects:
            if not self._known(name, made):
                return f"In field: object - no CustomObject named {name} found"
        for name in component.fields:
            object_name, _, field_name = name.partition(".")
            known = name.lower() in fields or (
                _stored(self.org, object_name)
                and self.org.schema.stored_object(object_name).get(field_name) is not None
            )
            if not known:
                return f"In field: field - no CustomField named {name} found"
        return None

    def apply(self) -> None:
        schema = self.org.schema
        for component in self.objects:
            schema.put_object(_object_def(self.org, component))
        for field_component in self.fields:
            obj = schema.stored_object(field_component.object_name)
            schema.put_field(obj, field_component.definition)
        self.org.store.sync_tables()
        for permission_set in self.permission_sets:
            _put_permission_set(self.org, permission_set)


def _stored(org: Org, name: str) -> bool:
    return any(o.name.lower() == name.lower() for o in org.schema.all_objects())


def _object_def(org: Org, component: ObjectComponent) -> ObjectDef:
    if _stored(org, component.name):
        return org.schema.stored_object(component.name)
    return custom_object(
        component.name,
        _free_prefix(org),
        component.label,
        component.plural,
        [component.name_field],
    )


def _free_prefix(org: Org) -> str:
    """Custom objects' key prefixes start with a: the first one no object of the org has."""
    taken = {o.key_prefix for o in org.schema.all_objects()}
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return next(p for a in alphabet for b in alphabet if (p := f"a{a}{b}") not in taken)


def _put_permission_set(org: Org, component: PermissionSetComponent) -> None:
    obj = org.schema.stored_object(permissions.PERMISSION_SET)
    found = org.store.find(obj, obj.fields["name"], component.name)
    if found:
        org.store.update(obj, found[0], {"Label": component.label, "SystemModstamp": org.stamp()})
        return
    row = {f.name: 0 for f in obj.fields.values() if f.type == "boolean"}
    row |= {"Name": component.name, "Label": component.label} | org.new_record(obj)
    org.store.insert(obj, row)


# -- XML ------------------------------------------------------------------------------------------
def _add(parent: ElementTree.Element, name: str, value: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, _M + name)
    element.text = value
    return element


def _deploy_result(deployment: Deployment, details: bool) -> ElementTree.Element:
    result = ElementTree.Element(_M + "result")
    _add(result, "checkOnly", _bool(deployment.check_only))
    if details and deployment.done:
        holder = _add(result, "details", "")
        for failure in deployment.failures:
            _message(
                holder,
                "componentFailures",
                failure.component_type,
                failure.full_name,
                failure.file_name,
                failure.problem,
            )
        for kind, name, file_name in deployment.successes:
            _message(holder, "componentSuccesses", kind, name, file_name, None)
    deployed = len(deployment.successes) if deployment.status != "Failed" else 0
    total = deployment.contents.total
    _add(result, "done", _bool(deployment.done))
    _add(result, "id", deployment.id)
    _add(result, "ignoreWarnings", "false")
    _add(result, "numberComponentErrors", str(len(deployment.failures)))
    _add(result, "numberComponentsDeployed", str(deployed if deployment.done else 0))
    _add(result, "numberComponentsTotal", str(total))
    _add(result, "numberTestErrors", "0")
    _add(result, "numberTestsCompleted", "0")
    _add(result, "numberTestsTotal", "0")
    _add(result, "rollbackOnError", _bool(deployment.rollback_on_error))
    _add(result, "runTestsEnabled", "false")
    _add(result, "status", deployment.status)
    _add(result, "success", _bool(deployment.status in {"Succeeded", "SucceededPartial"}))
    return result


def _message(
    holder: ElementTree.Element,
    tag: str,
    kind: str,
    name: str,
    file_name: str,
    problem: str | None,
) -> None:
    message = _add(holder, tag, "")
    _add(message, "changed", _bool(problem is None))
    _add(message, "componentType", kind)
    _add(message, "created", _bool(problem is None))
    _add(message, "deleted", "false")
    _add(message, "fileName", file_name)
    _add(message, "fullName", name)
    if problem is not None:
        _add(message, "problem", problem)
        _add(message, "problemType", "Error")
    _add(message, "success", _bool(problem is None))


def _true(text: str) -> bool:
    """An xsd:boolean; Salesforce also takes True and False, which simple-salesforce sends."""
    return text.strip().lower() in {"true", "1"}


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _envelope(response: str, result: ElementTree.Element) -> Response:
    envelope = ElementTree.Element(_S + "Envelope")
    body = ElementTree.SubElement(envelope, _S + "Body")
    ElementTree.SubElement(body, _M + response).append(result)
    return _xml(envelope, 200)


def _fault_response(fault: SoapFault) -> Response:
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns:sf="{NS}"><soapenv:Body>'
        f"<soapenv:Fault><faultcode>{escape(fault.code)}</faultcode>"
        f"<faultstring>{escape(fault.message)}</faultstring></soapenv:Fault>"
        "</soapenv:Body></soapenv:Envelope>"
    )
    return Response(text, status=500, content_type="text/xml; charset=utf-8")


def _xml(envelope: ElementTree.Element, status: int) -> Response:
    text = ElementTree.tostring(
        envelope, encoding="utf-8", xml_declaration=True, default_namespace=NS
    )
    return Response(text, status=status, content_type="text/xml; charset=utf-8")
