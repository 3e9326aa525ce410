# ruff: noqa: S314 - the app's own package files
"""The shipped Salesforce package adds exactly what the schema check requires, so the two
cannot drift apart; and its zip is what a Metadata API deploy expects."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from app.domain.workflows import CREDIT_MEMO, INVOICE, PAYMENT
from app.salesforce.metadata_package import PERMISSION_SET, contents, package_zip
from app.salesforce.schema_check import external_id_fields, required_fields
from app.ui.resources import resource_path

PACKAGE = resource_path("salesforce")
NS = "{http://soap.sforce.com/2006/04/metadata}"


def _custom(name: str) -> bool:
    return name.endswith("__c")


def test_the_package_adds_exactly_the_custom_objects_and_fields_the_check_requires() -> None:
    required = required_fields()
    shipped = contents(PACKAGE)
    wanted_fields = {
        (sobject, name) for sobject, names in required.items() for name in names if _custom(name)
    }
    shipped_fields = {
        (sobject, name) for sobject, names in shipped.fields.items() for name in names
    }
    assert shipped_fields == wanted_fields
    assert set(shipped.objects) == {sobject for sobject in required if _custom(sobject)}
    assert {INVOICE.name, PAYMENT.name, CREDIT_MEMO.name} <= set(shipped.objects)


def test_package_xml_lists_every_component_of_the_files() -> None:
    manifest = ElementTree.parse(PACKAGE / "package.xml").getroot()
    listed = {
        types.findtext(f"{NS}name"): {m.text for m in types.findall(f"{NS}members")}
        for types in manifest.findall(f"{NS}types")
    }
    shipped = contents(PACKAGE)
    fields = {f"{sobject}.{name}" for sobject, names in shipped.fields.items() for name in names}
    assert listed["CustomField"] == fields
    assert listed["CustomObject"] == set(shipped.objects)
    assert listed["PermissionSet"] == {PERMISSION_SET}


def test_the_quickbooks_id_fields_are_unique_case_sensitive_external_ids() -> None:
    for sobject, id_field in external_id_fields().items():
        root = ElementTree.parse(PACKAGE / "objects" / f"{sobject}.object").getroot()
        element = next(
            f for f in root.findall(f"{NS}fields") if f.findtext(f"{NS}fullName") == id_field
        )
        flags = {k: element.findtext(f"{NS}{k}") for k in ("externalId", "unique", "caseSensitive")}
        assert flags == {"externalId": "true", "unique": "true", "caseSensitive": "true"}, sobject


def test_the_permission_set_opens_every_field_and_object_of_the_package() -> None:
    root = ElementTree.parse(PACKAGE / "permissionsets" / f"{PERMISSION_SET}.permissionset")
    granted = {e.findtext(f"{NS}field") for e in root.getroot().findall(f"{NS}fieldPermissions")}
    shipped = contents(PACKAGE)
    assert granted == {f"{o}.{f}" for o, names in shipped.fields.items() for f in names}
    objects = {e.findtext(f"{NS}object") for e in root.getroot().findall(f"{NS}objectPermissions")}
    assert objects == set(shipped.objects)


def test_the_zip_holds_package_xml_at_the_top() -> None:
    names = zipfile.ZipFile(io.BytesIO(package_zip(PACKAGE))).namelist()
    assert "package.xml" in names
    assert f"objects/{PAYMENT.name}.object" in names
    assert f"permissionsets/{PERMISSION_SET}.permissionset" in names
