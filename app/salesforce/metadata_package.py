"""The Salesforce metadata package the app ships (resources/salesforce, Metadata API format):
what it adds, and the zip a deploy sends."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

NS = "{http://soap.sforce.com/2006/04/metadata}"
#: Where the package lives under resources/.
PACKAGE_FOLDER = ("salesforce",)
ZIP_NAME = "quickbooks-sync-salesforce-package.zip"
#: The permission set in the package that lets its holder read and edit what it adds.
PERMISSION_SET = "QuickBooks_Sync"


@dataclass(frozen=True)
class PackageContents:
    #: Object -> the custom fields the package gives it.
    fields: dict[str, tuple[str, ...]]
    #: The custom objects the package creates.
    objects: tuple[str, ...]


def contents(root: Path) -> PackageContents:
    """What the package's component files add; `root` is the package folder."""
    fields: dict[str, tuple[str, ...]] = {}
    objects: list[str] = []
    for path in sorted((root / "objects").glob("*.object")):
        name = path.stem
        xml = ElementTree.parse(path).getroot()  # noqa: S314 - the app's own file
        if name.endswith("__c"):
            objects.append(name)
        fields[name] = tuple(
            (element.findtext(f"{NS}fullName") or "").strip()
            for element in xml.findall(f"{NS}fields")
        )
    return PackageContents(fields=fields, objects=tuple(objects))


def package_zip(root: Path) -> bytes:
    """The zip the Metadata API deploys: package.xml at the top (singlePackage)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(root).as_posix())
    return buffer.getvalue()


def write_zip(root: Path, destination: Path) -> Path:
    """The package as one zip file an administrator can deploy (Workbench, the Salesforce CLI)."""
    destination.mkdir(parents=True, exist_ok=True)
    target = destination / ZIP_NAME
    target.write_bytes(package_zip(root))
    return target
