"""Who the org's user is allowed to be: a profile, held as the permission set the profile owns.

- Every profile owns a permission set (PermissionSet.IsOwnedByProfile) assigned to each of its
  users through PermissionSetAssignment: Object Reference, "PermissionSet",
  https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionset.htm
- Metadata API needs Modify All Data or Modify Metadata Through Metadata API Functions, and
  creating metadata needs Customize Application: Metadata API Developer Guide, "Metadata API
  Edit Access",
  https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_metadata_perm.htm
"""

from __future__ import annotations

from typing import Any

from app.sandbox.salesforce import ids
from app.sandbox.salesforce.org import Org

PERMISSION_SET = "PermissionSet"
ASSIGNMENT = "PermissionSetAssignment"
MODIFY_ALL_DATA = "PermissionsModifyAllData"
MODIFY_METADATA = "PermissionsModifyMetadata"
CUSTOMIZE_APPLICATION = "PermissionsCustomizeApplication"
ADMINISTRATOR = "System Administrator"
STANDARD_USER = "Standard User"
#: The permissions each profile the sandbox offers grants.
PROFILES: dict[str, dict[str, bool]] = {
    ADMINISTRATOR: {MODIFY_ALL_DATA: True, MODIFY_METADATA: True, CUSTOMIZE_APPLICATION: True},
    STANDARD_USER: {MODIFY_ALL_DATA: False, MODIFY_METADATA: False, CUSTOMIZE_APPLICATION: False},
}
# Fixed ids keep the record counter, and so every other id of a seeded org, unchanged.
_PROFILE_SET_IDS = {
    ADMINISTRATOR: ids.make("0PS", 1),
    STANDARD_USER: ids.make("0PS", 2),
}
_USER_ASSIGNMENT_ID = ids.make("0Pa", 1)


def ensure(org: Org) -> None:
    """The profiles' permission sets and the user's assignment, made once (administrator)."""
    permission_set = org.schema.stored_object(PERMISSION_SET)
    assignment = org.schema.stored_object(ASSIGNMENT)
    user = org.store.get(org.schema.stored_object("User"), org.user_id)
    if user is None or org.store.get(assignment, _USER_ASSIGNMENT_ID) is not None:
        return
    stamp = user["CreatedDate"]
    with org.store.transaction():
        for name, granted in PROFILES.items():
            org.store.insert(
                permission_set,
                _system(org, _PROFILE_SET_IDS[name], stamp)
                | {"Name": _api_name(name), "Label": name, "IsOwnedByProfile": 1}
                | {flag: int(on) for flag, on in granted.items()},
            )
        org.store.insert(
            assignment,
            _system(org, _USER_ASSIGNMENT_ID, stamp)
            | {"AssigneeId": org.user_id, "PermissionSetId": _PROFILE_SET_IDS[ADMINISTRATOR]},
        )


def profile(org: Org) -> str:
    row = org.store.get(org.schema.stored_object(ASSIGNMENT), _USER_ASSIGNMENT_ID) or {}
    return next((n for n, i in _PROFILE_SET_IDS.items() if i == row.get("PermissionSetId")), "")


def set_profile(org: Org, name: str) -> str:
    """Give the org's user another profile (Setup > Users > Edit > Profile)."""
    if name not in PROFILES:
        raise ValueError(f"user_profile must be one of {', '.join(PROFILES)}")
    ensure(org)
    org.store.update(
        org.schema.stored_object(ASSIGNMENT),
        _USER_ASSIGNMENT_ID,
        {"PermissionSetId": _PROFILE_SET_IDS[name], "SystemModstamp": org.stamp()},
    )
    return name


def granted(org: Org, permission: str) -> bool:
    """Whether any permission set assigned to the org's user grants `permission`."""
    rows = org.store.select(
        f'SELECT MAX(p."{permission}") FROM "{PERMISSION_SET}" p '  # noqa: S608 - fixed names
        f'JOIN "{ASSIGNMENT}" a ON a.PermissionSetId = p.Id '
        "WHERE a.AssigneeId = ? AND a.IsDeleted = 0 AND p.IsDeleted = 0",
        (org.user_id,),
    )
    return bool(rows and rows[0][0])


def may_use_metadata_api(org: Org) -> bool:
    return granted(org, MODIFY_ALL_DATA) or granted(org, MODIFY_METADATA)


def _api_name(label: str) -> str:
    return label.replace(" ", "")


def _system(org: Org, record_id: str, stamp: str) -> dict[str, Any]:
    return {
        "Id": record_id,
        "IsDeleted": 0,
        "CreatedDate": stamp,
        "CreatedById": org.user_id,
        "LastModifiedDate": stamp,
        "LastModifiedById": org.user_id,
        "SystemModstamp": stamp,
    }
