"""What a Metadata API deploy zip holds, read into objects, fields and permission sets.

- The zip: a package.xml manifest and one file per component, `objects/<Object>.object` holding
  the object and its fields: Metadata API Developer Guide, "Deploying and Retrieving Metadata" and
  "Sample package.xml Manifest Files",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_deploy_retrieve.htm
- CustomObject (label, pluralLabel, nameField, sharingModel, deploymentStatus):
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customobject.htm
- CustomField (fullName, label, type; length for Text and LongTextArea, precision and scale for
  Number and Currency, referenceTo and relationshipName for Lookup, valueSet for Picklist;
  externalId, unique, caseSensitive):
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
- PermissionSet (label, fieldPermissions, objectPermissions):
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_permissionset.htm

A component that breaks these rules becomes a DeployMessage failure naming it (componentType,
fullName, fileName) and the problem, as checkDeployStatus reports it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree

from app.sandbox.salesforce.schema import FieldDef

NS = "http://soap.sforce.com/2006/04/metadata"
_Q = f"{{{NS}}}"
MAX_TEXT = 255
MAX_LONG_TEXT = 131_072
MAX_PRECISION = 18


class ComponentError(Exception):
    """A component the deploy cannot make: its problem, as Salesforce words it."""


@dataclass(frozen=True)
class Failure:
    component_type: str
    full_name: str
    file_name: str
    problem: str


@dataclass(frozen=True)
class FieldComponent:
    object_name: str
    file_name: str
    definition: FieldDef

    @property
    def full_name(self) -> str:
        return f"{self.object_name}.{self.definition.name}"


@dataclass(frozen=True)
class ObjectComponent:
    name: str
    file_name: str
    label: str
    plural: str
    name_field: FieldDef


@dataclass(frozen=True)
class PermissionSetComponent:
    name: str
    file_name: str
    label: str
    fields: tuple[str, ...]
    objects: tuple[str, ...]


@dataclass
class Contents:
    objects: list[ObjectComponent] = field(default_factory=list)
    fields: list[FieldComponent] = field(default_factory=list)
    permission_sets: list[PermissionSetComponent] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)

    @property
    def total(self) -> int:
        made = len(self.objects) + len(self.fields) + len(self.permission_sets)
        return made + len(self.failures)


def read_zip(data: bytes) -> Contents:
    """Every component of the zip, or the failures that stop one from being read."""
    contents = Contents()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [name for name in archive.namelist() if not name.endswith("/")]
        # singlePackage zips hold package.xml at the top; others one folder down.
        top = "package.xml" in entries
        files = {(n if top else n.split("/", 1)[-1]): archive.read(n) for n in entries}
    except zipfile.BadZipFile:
        contents.failures.append(Failure("", "", "", "The zip file is not valid"))
        return contents
    if "package.xml" not in files:
        contents.failures.append(Failure("", "package.xml", "package.xml", "No package.xml found"))
        return contents
    for name in sorted(files):
        if name.startswith("objects/") and name.endswith(".object"):
            _read_object(contents, name, files[name])
        elif name.startswith("permissionsets/") and name.endswith(".permissionset"):
            _read_permission_set(contents, name, files[name])
    return contents


def _root(file_name: str, data: bytes, kind: str) -> ElementTree.Element:
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 - expat refuses entity expansion bombs
    except ElementTree.ParseError as exc:
        raise ComponentError(f"Error parsing file: {exc}") from None
    if root.tag != _Q + kind:
        raise ComponentError(f"Error parsing file: the root element must be {kind}")
    return root


def _text(element: ElementTree.Element, name: str) -> str:
    found = element.find(_Q + name)
    return (found.text or "").strip() if found is not None else ""


def _read_object(contents: Contents, file_name: str, data: bytes) -> None:
    object_name = file_name.removeprefix("objects/").removesuffix(".object")
    try:
        root = _root(file_name, data, "CustomObject")
    except ComponentError as exc:
        contents.failures.append(Failure("CustomObject", object_name, file_name, str(exc)))
        return
    if object_name.endswith("__c"):
        try:
            contents.objects.append(_custom_object(object_name, file_name, root))
        except ComponentError as exc:
            contents.failures.append(Failure("CustomObject", object_name, file_name, str(exc)))
            return
    for element in root.findall(_Q + "fields"):
        full_name = f"{object_name}.{_text(element, 'fullName')}"
        try:
            definition = custom_field(element)
        except ComponentError as exc:
            contents.failures.append(Failure("CustomField", full_name, file_name, str(exc)))
            continue
        contents.fields.append(FieldComponent(object_name, file_name, definition))


def _custom_object(name: str, file_name: str, root: ElementTree.Element) -> ObjectComponent:
    label, plural = _text(root, "label"), _text(root, "pluralLabel")
    if not label:
        raise ComponentError("Must specify a non-empty label for the CustomObject")
    if not plural:
        raise ComponentError("Must specify a non-empty plural label for the CustomObject")
    name_field = root.find(_Q + "nameField")
    if name_field is None:
        raise ComponentError("Must specify a nameField for the CustomObject")
    kind = _text(name_field, "type")
    common = {"label": _text(name_field, "label") or "Name", "nillable": False, "name_field": True}
    if kind == "Text":
        made = FieldDef(name="Name", type="string", length=80, **common)
    elif kind == "AutoNumber":
        display = _text(name_field, "displayFormat")
        if not display:
            raise ComponentError("Must specify a displayFormat for an AutoNumber name field")
        made = FieldDef(
            name="Name",
            type="string",
            length=80,
            createable=False,
            updateable=False,
            auto_number=display,
            **common,
        )
    else:
        raise ComponentError(f"The name field must be Text or AutoNumber, not '{kind}'")
    return ObjectComponent(name, file_name, label, plural, made)


def custom_field(element: ElementTree.Element) -> FieldDef:
    """A CustomField element as the field the org gains, or the problem that stops it."""
    name, label, kind = (_text(element, k) for k in ("fullName", "label", "type"))
    if not name.endswith("__c"):
        raise ComponentError(f"Invalid fullName '{name}': a custom field's name ends in __c")
    if not label:
        raise ComponentError("Must specify a non-empty label for the CustomField")
    flags = {
        "external_id": _text(element, "externalId") == "true",
        "unique": _text(element, "unique") == "true",
        "case_sensitive": _text(element, "caseSensitive") == "true",
        "label": label,
    }
    if kind == "Text":
        return FieldDef(name=name, type="string", length=_length(element, kind, MAX_TEXT), **flags)
    if kind == "LongTextArea":
        length = _length(element, kind, MAX_LONG_TEXT)
        return FieldDef(name=name, type="textarea", length=length, label=label)
    if kind in {"Email", "Phone", "Url"}:
        lengths = {"Email": 80, "Phone": 40, "Url": 255}
        return FieldDef(name=name, type=kind.lower(), length=lengths[kind], label=label)
    if kind in {"Currency", "Number", "Percent"}:
        precision, scale = _number(element, kind)
        sql = {"Currency": "currency", "Number": "double", "Percent": "percent"}[kind]
        return FieldDef(
            name=name,
            type=sql,
            precision=precision,
            scale=scale,
            label=label,
            unique=flags["unique"],
        )
    if kind == "Checkbox":
        default = _text(element, "defaultValue")
        if default not in {"true", "false"}:
            raise ComponentError("Must specify a defaultValue of true or false for a Checkbox")
        return FieldDef(
            name=name, type="boolean", nillable=False, default=default == "true", label=label
        )
    if kind in {"Date", "DateTime"}:
        return FieldDef(name=name, type=kind.lower(), label=label)
    if kind == "Picklist":
        values = tuple(
            _text(v, "fullName") for v in element.iter(_Q + "value") if _text(v, "fullName")
        )
        if not values:
            raise ComponentError("Must specify at least one value for a Picklist field")
        return FieldDef(name=name, type="picklist", length=255, picklist=values, label=label)
    if kind == "Lookup":
        target, relationship = _text(element, "referenceTo"), _text(element, "relationshipName")
        if not target:
            raise ComponentError("Must specify 'referenceTo' for a CustomField of type Lookup")
        if not relationship:
            raise ComponentError("Must specify 'relationshipName' for a CustomField of type Lookup")
        return FieldDef(
            name=name,
            type="reference",
            length=18,
            reference_to=(target,),
            relationship_name=name.removesuffix("__c") + "__r",
            child_relationship=relationship + "__r",
            label=label,
        )
    raise ComponentError(
        f"Error parsing file: '{kind}' is not a valid value for the enum 'FieldType'"
    )


def _length(element: ElementTree.Element, kind: str, most: int) -> int:
    raw = _text(element, "length")
    if not raw:
        raise ComponentError(f"Must specify 'length' for a CustomField of type {kind}")
    if not raw.isdigit() or not 1 <= int(raw) <= most:
        raise ComponentError(f"Length must be between 1 and {most} for a {kind} field")
    return int(raw)


def _number(element: ElementTree.Element, kind: str) -> tuple[int, int]:
    raw_precision, raw_scale = _text(element, "precision"), _text(element, "scale")
    if not raw_precision:
        raise ComponentError(f"Must specify 'precision' for a CustomField of type {kind}")
    if not raw_scale:
        raise ComponentError(f"Must specify 'scale' for a CustomField of type {kind}")
    precision, scale = int(raw_precision), int(raw_scale)
    if not 1 <= precision <= MAX_PRECISION or not 0 <= scale <= precision:
        raise ComponentError(
            f"The sum of the length and decimal places must be an integer less than or equal "
            f"to {MAX_PRECISION}"
        )
    return precision, scale


def _read_permission_set(contents: Contents, file_name: str, data: bytes) -> None:
    name = file_name.removeprefix("permissionsets/").removesuffix(".permissionset")
    try:
        root = _root(file_name, data, "PermissionSet")
        label = _text(root, "label")
        if not label:
            raise ComponentError("Must specify a non-empty label for the PermissionSet")
    except ComponentError as exc:
        contents.failures.append(Failure("PermissionSet", name, file_name, str(exc)))
        return
    fields = tuple(_text(e, "field") for e in root.findall(_Q + "fieldPermissions"))
    objects = tuple(_text(e, "object") for e in root.findall(_Q + "objectPermissions"))
    contents.permission_sets.append(PermissionSetComponent(name, file_name, label, fields, objects))
