"""The Standard Account Duplicate Rule: active in every org, it refuses an API create that matches
an existing account unless the caller acknowledges the alert.

- The rule and its defaults: Salesforce Help, "Standard Account Duplicate Rule"
  (https://help.salesforce.com/s/articleView?id=sales.duplicate_rules_standard_account_rule.htm):
  activated by default; action on create "Allow: the user is alerted but allowed to create the
  record"; action on edit "Allow" with a report only, so edits are never refused; alert text "Use
  one of these records?".
- The header: REST API Developer Guide, "Duplicate Rule Header"
  (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_duplicaterules.htm):
  `Sforce-Duplicate-Rule-Header: allowSave=true; includeRecordDetails=true`, every field false by
  default; `allowSave` only applies where the action alerts, so a "Block" action refuses always.
  `includeRecordDetails` returns the matching record's fields, otherwise only its Id.
- The error: DUPLICATES_DETECTED with a `duplicateResult` (allowSave, duplicateRule,
  duplicateRuleEntityType, errorMessage, matchResults) whose MatchResult and MatchRecord fields
  follow SOAP API Developer Guide, "DuplicateResult", "MatchResult" and "MatchRecord"
  (https://developer.salesforce.com/docs/platform/api/guide/sforce-api-objects-matchresult.html).
- The matching: Salesforce Help, "Standard Account Matching Rule" and "Normalization Criteria for
  Match Keys" (https://help.salesforce.com/s/articleView?id=sales.matching_rules_normalization_for_match_keys.htm),
  and knowledge article 000247089 (fuzzy ZIP matching supports US ZIP codes only). This sandbox
  implements a subset: Account Name (fuzzy company name) AND (Billing Street OR (Billing City AND
  ZIP) OR Phone). A blank field never matches.
- Every API that creates runs the rule, Bulk API 2.0 included; a Bulk job cannot send the header,
  so its duplicates fail with `DUPLICATES_DETECTED:Use one of these records?: --`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from app.sandbox.salesforce.errors import ApiError, RecordError
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.schema import ObjectDef

HEADER = "Sforce-Duplicate-Rule-Header"
RULE = "Standard_Account_Duplicate_Rule"
MATCHING_RULE = "Standard_Account_Match_Rule_v1_0"
ALERT = "Use one of these records?"
ACTIONS = ("allow", "block")
#: Edit-distance similarity (0-100) at which two company names count as the same.
NAME_THRESHOLD = 85
_LEGAL_WORDS = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "llc",
        "llp",
        "ltd",
        "limited",
        "plc",
        "the",
    ]
)
_DEFAULT_VERSION = "62.0"


@dataclass(frozen=True)
class SaveOptions:
    """What a request's `Sforce-Duplicate-Rule-Header` asks for."""

    allow_save: bool = False
    include_record_details: bool = False
    version: str = _DEFAULT_VERSION

    @classmethod
    def from_headers(cls, headers: Any, version: str) -> SaveOptions:
        raw = headers.get(HEADER, "") if headers else ""
        flags = {}
        for part in str(raw).split(";"):
            key, _, value = part.strip().partition("=")
            flags[key.strip()] = value.strip().lower() == "true"
        return cls(flags.get("allowSave", False), flags.get("includeRecordDetails", False), version)


NO_OPTIONS = SaveOptions()


class DuplicatesDetected(RecordError):  # noqa: N818 - named after the errorCode
    """A create the duplicate rule refused, with the `duplicateResult` Salesforce returns."""

    def __init__(self, duplicate_result: dict[str, Any]) -> None:
        super().__init__("DUPLICATES_DETECTED", ALERT, [])
        self.duplicate_result = duplicate_result

    def for_collections(self) -> dict[str, Any]:
        return {"duplicateResult": self.duplicate_result, **super().for_collections()}

    def as_api_error(self) -> ApiError:
        return _DuplicateApiError(self.duplicate_result)


class _DuplicateApiError(ApiError):
    def __init__(self, duplicate_result: dict[str, Any]) -> None:
        super().__init__(400, "DUPLICATES_DETECTED", ALERT, [])
        self.duplicate_result = duplicate_result

    def body(self) -> list[dict[str, Any]]:
        return [{"duplicateResult": self.duplicate_result, **super().body()[0]}]


class AccountDuplicateRule:
    """The org's Standard Account Duplicate Rule: on or off, and its action on create."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.active = True
        self.action_on_create = "allow"
        self._lock = threading.Lock()

    def to_json(self) -> dict[str, Any]:
        return {"active": self.active, "action_on_create": self.action_on_create}

    def configure(self, changes: Any) -> dict[str, Any]:
        if not isinstance(changes, dict) or set(changes) - {"active", "action_on_create"}:
            raise ValueError("account_duplicate_rule takes 'active' and 'action_on_create'")
        active = changes.get("active", self.active)
        action = changes.get("action_on_create", self.action_on_create)
        if not isinstance(active, bool) or action not in ACTIONS:
            raise ValueError("active is true or false; action_on_create is 'allow' or 'block'")
        with self._lock:
            self.active, self.action_on_create = active, action
        return self.to_json()

    def check_create(self, obj: ObjectDef, record: dict[str, Any], options: SaveOptions) -> None:
        """Raise DuplicatesDetected when a new `record` matches live accounts and may not be
        saved."""
        if obj.name != "Account" or not self.active:
            return
        allowed = self.action_on_create == "allow"
        if allowed and options.allow_save:
            return
        candidate = _Keys.of(record)
        if not candidate.can_match:
            return
        found = [
            (row, score)
            for row in self.org.store.rows(obj, include_deleted=False)
            if (score := candidate.matches(_Keys.of(row))) is not None
        ]
        if found:
            raise DuplicatesDetected(self._result(obj, found, options, allowed))

    def _result(
        self,
        obj: ObjectDef,
        found: list[tuple[dict[str, Any], float]],
        options: SaveOptions,
        allowed: bool,
    ) -> dict[str, Any]:
        records = [
            {
                "additionalInformation": [],
                "fieldDiffs": [],
                "matchConfidence": score,
                "record": self._record(obj, row, options),
            }
            for row, score in found
        ]
        return {
            "allowSave": allowed,
            "duplicateRule": RULE,
            "duplicateRuleEntityType": obj.name,
            "errorMessage": ALERT,
            "matchResults": [
                {
                    "entityType": obj.name,
                    "errors": [],
                    "matchEngine": "FuzzyMatchEngine",
                    "matchRecords": records,
                    "rule": MATCHING_RULE,
                    "size": len(records),
                    "success": True,
                }
            ],
        }

    def _record(self, obj: ObjectDef, row: dict[str, Any], options: SaveOptions) -> dict[str, Any]:
        url = f"/services/data/v{options.version}/sobjects/{obj.name}/{row['Id']}"
        out: dict[str, Any] = {"attributes": {"type": obj.name, "url": url}, "Id": row["Id"]}
        if options.include_record_details:
            for name in ("Name", "BillingStreet", "BillingCity", "BillingPostalCode", "Phone"):
                out[name] = row.get(name)
        return out


@dataclass(frozen=True)
class _Keys:
    """An account's fields as the matching rule compares them, normalised."""

    name: str
    street: str
    city: str
    zip: str
    phone: str

    @classmethod
    def of(cls, record: dict[str, Any]) -> _Keys:
        return cls(
            _company(record.get("Name")),
            _alnum(str(record.get("BillingStreet") or "").split("\n")[0]),
            _alnum(record.get("BillingCity"))[:6],
            _us_zip(record.get("BillingPostalCode")),
            _phone(record.get("Phone")),
        )

    @property
    def can_match(self) -> bool:
        return bool(self.name and (self.street or (self.city and self.zip) or self.phone))

    def matches(self, other: _Keys) -> float | None:
        """The name's match confidence when the rule's equation holds, else None."""
        score = _similarity(self.name, other.name)
        if score < NAME_THRESHOLD:
            return None
        street = bool(self.street) and self.street == other.street
        place = bool(self.city and self.zip) and (self.city, self.zip) == (other.city, other.zip)
        phone = bool(self.phone) and self.phone == other.phone
        return score if street or place or phone else None


def _alnum(value: Any) -> str:
    return re.sub(r"[^0-9a-z]", "", str(value or "").lower())


def _company(value: Any) -> str:
    words = re.findall(r"[0-9a-z]+", str(value or "").lower().replace("&", " and "))
    kept = [w for w in words if w not in _LEGAL_WORDS]
    return " ".join(kept or words)


def _us_zip(value: Any) -> str:
    match = re.fullmatch(r"\s*(\d{5})(?:-\d{4})?\s*", str(value or ""))
    return match.group(1) if match else ""


def _phone(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) >= 7 else ""


def _similarity(a: str, b: str) -> float:
    """100 for equal strings, down to 0, by Levenshtein edit distance."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return round(100.0 * (1 - previous[-1] / max(len(a), len(b))), 1)
