"""Salesforce errors as UserErrors: REST `errorCode`, Collections `statusCode`, OAuth `error`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.domain.user_error import ErrorAction, ErrorKind, UserError

REDIRECT_URL = "http://localhost:1717/OauthRedirect"
# Placeholders filled per error: the fields Salesforce named, and its own message.
_FIELDS = "{fields}"
_MESSAGE = "{message}"

_A = ErrorAction
_K = ErrorKind


@dataclass(frozen=True)
class _Entry:
    title: str
    what_happened: str
    what_to_do: str
    action: ErrorAction
    kind: ErrorKind
    retryable: bool

    def error(self, code: str, details: str) -> UserError:
        """This entry's words as the UserError `code`, with Salesforce's own in `details`."""
        return UserError(
            code=code,
            title=self.title,
            what_happened=self.what_happened,
            what_to_do=self.what_to_do,
            action=self.action,
            kind=self.kind,
            retryable=self.retryable,
            details=details,
        )


_SETUP_CHECK = (
    "Open setup and run the Salesforce check; it lists what needs to be added to Salesforce."
)
_SERVER = _Entry(
    "Salesforce had a problem",
    "Salesforce could not complete the request because of a problem on its side.",
    "Try again in a few minutes.",
    _A.RETRY,
    _K.TRANSIENT,
    True,
)
_UNAVAILABLE = _Entry(
    "Salesforce is temporarily unavailable",
    "Salesforce is not answering right now, for example during maintenance.",
    "Try again in a few minutes.",
    _A.RETRY,
    _K.TRANSIENT,
    True,
)
_SIGN_IN_EXPIRED = _Entry(
    "Salesforce sign-in expired",
    "Salesforce no longer accepts this app's sign-in.",
    "Click Sign in to Salesforce again… and sign in.",
    _A.RECONNECT_SALESFORCE,
    _K.CONFIGURATION,
    False,
)
_NO_ACCESS = _Entry(
    "No permission in Salesforce",
    "The Salesforce user this app signs in as is not allowed to read or change this record"
    f"{_FIELDS}.",
    "Ask your Salesforce administrator to give that user access, or reconnect as a user who "
    "has it.",
    _A.RECONNECT_SALESFORCE,
    _K.CONFIGURATION,
    False,
)

_CATALOG: dict[str, _Entry] = {
    "INVALID_SESSION_ID": _SIGN_IN_EXPIRED,
    "REQUEST_LIMIT_EXCEEDED": _Entry(
        "Salesforce daily limit reached",
        "Your Salesforce organisation has used all the requests it is allowed in 24 hours, so "
        "the sync stopped.",
        "Wait a few hours and sync again; the limit frees up gradually over 24 hours. Settings "
        "can lower the share this app may use.",
        _A.NONE,
        _K.TRANSIENT,
        False,
    ),
    "NOT_FOUND": _Entry(
        "Missing in Salesforce",
        f"Salesforce could not find something this app needs{_FIELDS}.",
        _SETUP_CHECK,
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "INVALID_FIELD": _Entry(
        "Field missing in Salesforce",
        f"Salesforce does not have a field this app uses{_FIELDS}, or this app's user cannot "
        "see it.",
        _SETUP_CHECK,
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "INVALID_TYPE": _Entry(
        "Object missing in Salesforce",
        "Salesforce does not have an object this app uses, or this app's user cannot see it.",
        _SETUP_CHECK,
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "MALFORMED_QUERY": _Entry(
        "Salesforce could not read the records",
        "Salesforce refused a request to read records, usually because a field it names is "
        "missing.",
        _SETUP_CHECK,
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "DUPLICATE_VALUE": _Entry(
        "Duplicate value in Salesforce",
        f"Another Salesforce record already has this value in a field that must be unique"
        f"{_FIELDS}.",
        "Find the other record in Salesforce and merge or correct it, then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "DUPLICATES_DETECTED": _Entry(
        "Blocked as a duplicate by Salesforce",
        "A duplicate rule in your Salesforce organisation treats this record as a duplicate "
        f"of one that exists: {_MESSAGE}",
        "Link the QuickBooks customer to that account under Setup > Match existing records, "
        "or merge the two in Salesforce; then sync again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "REQUIRED_FIELD_MISSING": _Entry(
        "Required field empty",
        f"Salesforce needs a value that this record does not have{_FIELDS}.",
        "Fill in the value where the record comes from, or ask your Salesforce administrator "
        "whether the field must be required, then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "STRING_TOO_LONG": _Entry(
        "Text too long for Salesforce",
        f"A value is longer than the Salesforce field allows{_FIELDS}.",
        "Shorten the value where the record comes from, or make the field longer in "
        "Salesforce, then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": _Entry(
        "Blocked by a Salesforce rule",
        f"A validation rule in your Salesforce organisation refused this record: {_MESSAGE}",
        "Change the record so that it meets the rule, or ask your Salesforce administrator "
        "about the rule, then try again.",
        _A.NONE,
        _K.DATA,
        False,
    ),
    "MALFORMED_ID": _Entry(
        "Invalid Salesforce reference",
        f"A value that should point to a Salesforce record is not a valid record id{_FIELDS}.",
        "Check the record; if it keeps happening, copy the details and send them to support.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "INVALID_CROSS_REFERENCE_KEY": _Entry(
        "Linked Salesforce record not found",
        f"This record points to a Salesforce record that does not exist{_FIELDS}.",
        "Check that the linked record still exists in Salesforce, then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "ENTITY_IS_DELETED": _Entry(
        "Record deleted in Salesforce",
        "The Salesforce record was deleted, so it cannot be updated.",
        "Restore it from the Salesforce Recycle Bin, or remove its link in setup.",
        _A.OPEN_SETUP,
        _K.DATA,
        False,
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": _Entry(
        "Value not allowed by a Salesforce pick list",
        f"A value is not one of the choices the Salesforce field allows{_FIELDS}.",
        "Ask your Salesforce administrator to add the value to the field's choices, then try "
        "again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "NUMBER_OUTSIDE_VALID_RANGE": _Entry(
        "Number too large for Salesforce",
        f"A number is larger than the Salesforce field can hold{_FIELDS}.",
        "Check the amount where the record comes from, then try again.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY": _Entry(
        "Blocked by Salesforce automation",
        f"Automation in your Salesforce organisation (a trigger or flow) refused this record: "
        f"{_MESSAGE}",
        "Ask your Salesforce administrator about the automation named in the details.",
        _A.COPY_DETAILS,
        _K.DATA,
        False,
    ),
    "INSUFFICIENT_ACCESS_OR_READONLY": _NO_ACCESS,
    "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": _NO_ACCESS,
    "API_DISABLED_FOR_ORG": _Entry(
        "Salesforce does not allow API access",
        "Your Salesforce edition or this user's profile does not allow apps to connect.",
        "Ask your Salesforce administrator to enable 'API Enabled' for this user's profile, "
        "then reconnect.",
        _A.RECONNECT_SALESFORCE,
        _K.CONFIGURATION,
        False,
    ),
    "INVALID_OPERATION_WITH_EXPIRED_PASSWORD": _Entry(
        "Salesforce password expired",
        "The Salesforce user's password has expired.",
        "Sign in to Salesforce in your browser and set a new password, then reconnect.",
        _A.RECONNECT_SALESFORCE,
        _K.CONFIGURATION,
        False,
    ),
    "UNABLE_TO_LOCK_ROW": _Entry(
        "Salesforce record busy",
        "Salesforce was busy changing this record for someone else.",
        "Try again; this usually clears within a minute.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
    "SERVER_UNAVAILABLE": _UNAVAILABLE,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": _Entry(
        "Not saved because of another record",
        "This record was fine but was not saved, because another record sent with it failed.",
        "Fix the other record's problem, then try again.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
    "PROCESSING_HALTED": _Entry(
        "Not saved because of another change",
        "This change was not made, because another change sent with it failed.",
        "Fix the other change's problem, then try again.",
        _A.RETRY,
        _K.TRANSIENT,
        True,
    ),
    "UNKNOWN_EXCEPTION": _SERVER,
}

_FOREIGN_KEY = _Entry(
    "Customer not in Salesforce yet",
    "This record belongs to a QuickBooks customer that no Salesforce account is linked to.",
    "Sync customers first, or link the QuickBooks customer to an account in setup (Match "
    "existing records), then try again.",
    _A.OPEN_SETUP,
    _K.DATA,
    False,
)
_UNKNOWN = _Entry(
    "Salesforce did not accept the request",
    f"Salesforce refused the request: {_MESSAGE}",
    "Try again. If it keeps happening, copy the details and send them to support.",
    _A.COPY_DETAILS,
    _K.DATA,
    False,
)


def from_salesforce(
    error_code: str,
    message: str = "",
    fields: Sequence[str] | None = None,
    http_status: int | None = None,
) -> UserError:
    """The UserError for a Salesforce `errorCode` (or per-record `statusCode`)."""
    code = (error_code or "").strip().upper()
    entry = _entry(code, message, http_status)
    named = [f for f in fields or () if isinstance(f, str) and f]
    field_text = f" ({', '.join(named)})" if named else ""
    plain_message = (message or "").strip() or "no reason given"
    if not plain_message.endswith((".", "!", "?")):
        plain_message += "."

    def fill(text: str) -> str:
        return text.replace(_FIELDS, field_text).replace(_MESSAGE, plain_message)

    details = f"Salesforce {code or 'error'}"
    if http_status is not None:
        details += f", HTTP {http_status}"
    if named:
        details += f", fields {', '.join(named)}"
    if message:
        details += f": {message}"
    return UserError(
        code=f"salesforce.{code or http_status or 'unknown'}",
        title=entry.title,
        what_happened=fill(entry.what_happened),
        what_to_do=fill(entry.what_to_do),
        action=entry.action,
        kind=entry.kind,
        retryable=entry.retryable,
        details=details,
    )


def _duplicate_records(error: Mapping[str, object]) -> list[Mapping[str, object]]:
    """The records a DUPLICATES_DETECTED error's `duplicateResult` matched, each with its Id."""
    result = error.get("duplicateResult")
    if not isinstance(result, Mapping):
        return []
    records = []
    for match in result.get("matchResults") or []:
        for found in (match.get("matchRecords") or []) if isinstance(match, Mapping) else []:
            record = found.get("record") if isinstance(found, Mapping) else None
            if isinstance(record, Mapping) and record.get("Id"):
                records.append(record)
    return records


def duplicate_matches(error: Mapping[str, object]) -> str | None:
    """The records a DUPLICATES_DETECTED error's `duplicateResult` names, as "Name (Id)"."""
    named = [
        f"{record['Name']} ({record['Id']})" if record.get("Name") else str(record["Id"])
        for record in _duplicate_records(error)
    ]
    return "; ".join(named) + "." if named else None


def duplicate_match_ids(error: Mapping[str, object]) -> set[str]:
    """The Ids of the records a DUPLICATES_DETECTED error matched."""
    return {str(record["Id"]) for record in _duplicate_records(error)}


def from_salesforce_error(error: object, http_status: int | None = None) -> UserError:
    """The UserError for one error object of a REST, Collections or Composite response."""
    if isinstance(error, Sequence) and not isinstance(error, str) and error:
        error = error[0]
    if not isinstance(error, Mapping):
        return from_salesforce("", "", None, http_status)
    code = error.get("errorCode") or error.get("statusCode") or ""
    fields = error.get("fields")
    message = duplicate_matches(error) or error.get("message")
    return from_salesforce(
        code if isinstance(code, str) else "",
        message if isinstance(message, str) else "",
        fields if isinstance(fields, list) else None,
        http_status,
    )


def parse_bulk_error(text: str) -> tuple[str, str, list[str]]:
    """(errorCode, message, fields) from a Bulk API 2.0 `sf__Error` cell.

    The cell reads like `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`.
    """
    code, _, rest = text.partition(":")
    message, fields = rest.strip(), []
    if rest.rstrip().endswith("--"):
        body, _, field_part = rest.rstrip()[:-2].rpartition(":")
        if body:
            message = body.strip()
            fields = [f.strip() for f in field_part.split(",") if f.strip()]
    return code.strip(), message, fields


def _entry(code: str, message: str, http_status: int | None) -> _Entry:
    if code == "INVALID_FIELD" and "foreign key external id" in (message or "").lower():
        return _FOREIGN_KEY
    if code in _CATALOG:
        return _CATALOG[code]
    if http_status == 401:
        return _SIGN_IN_EXPIRED
    if http_status == 503:
        return _UNAVAILABLE
    if http_status is not None and http_status >= 500:
        return _SERVER
    if http_status == 403:
        return _NO_ACCESS
    return _UNKNOWN


_OAUTH_RECONNECT = _Entry(
    "Salesforce sign-in needed",
    "Salesforce no longer accepts this app's sign-in. It may have expired, been revoked, or "
    "the user's access may have changed.",
    "Click Sign in to Salesforce again… and sign in.",
    _A.RECONNECT_SALESFORCE,
    _K.CONFIGURATION,
    False,
)

_OAUTH: dict[str, _Entry] = {
    "invalid_client_id": _Entry(
        "Salesforce app key not recognised",
        "Salesforce does not recognise the consumer key entered in setup.",
        "Open setup and paste the consumer key of your External Client App again. A new app "
        "can take a few minutes before Salesforce accepts it.",
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "redirect_uri_mismatch": _Entry(
        "Salesforce app callback address is wrong",
        "The callback address in your Salesforce External Client App does not match this app.",
        f"In Salesforce, set the app's callback URL to exactly {REDIRECT_URL}, then sign in again.",
        _A.OPEN_SETUP,
        _K.CONFIGURATION,
        False,
    ),
    "access_denied": _Entry(
        "Salesforce access not allowed",
        "The Salesforce sign-in was cancelled, or access was denied.",
        "Sign in again and click Allow when Salesforce asks.",
        _A.RECONNECT_SALESFORCE,
        _K.CONFIGURATION,
        False,
    ),
    "unsupported_token_type": _Entry(
        "Salesforce sign-in already ended",
        "Salesforce did not recognise the sign-in this app asked it to end.",
        "No action is needed; the sign-in is no longer usable.",
        _A.NONE,
        _K.CONFIGURATION,
        False,
    ),
}
_OAUTH["invalid_token"] = _OAUTH["unsupported_token_type"]

_OAUTH_EXPIRED = _Entry(
    "Salesforce sign-in expired",
    "The saved Salesforce sign-in has expired or was revoked.",
    "Click Sign in to Salesforce again… and sign in.",
    _A.RECONNECT_SALESFORCE,
    _K.CONFIGURATION,
    False,
)
_OAUTH_REFUSED = _Entry(
    "Salesforce sign-in refused",
    "Salesforce refused the sign-in. The user may be inactive, or signing in may be limited "
    "to certain networks or times.",
    "Check the Salesforce user with your administrator, then reconnect.",
    _A.RECONNECT_SALESFORCE,
    _K.CONFIGURATION,
    False,
)
_VERIFIER = _Entry(
    "Salesforce sign-in did not complete",
    "Salesforce refused to finish this sign-in attempt.",
    "Sign in again.",
    _A.RECONNECT_SALESFORCE,
    _K.TRANSIENT,
    True,
)


def from_oauth(error: str, description: str = "") -> UserError:
    """The UserError for an OAuth `error` / `error_description` pair from Salesforce."""
    code = (error or "").strip()
    lowered = (description or "").lower()
    if code == "invalid_grant":
        if "code verifier" in lowered:
            entry = _VERIFIER
        elif "expired" in lowered or "revoked" in lowered:
            entry = _OAUTH_EXPIRED
        elif "authentication failure" in lowered or "inactive" in lowered:
            entry = _OAUTH_REFUSED
        else:
            entry = _OAUTH_RECONNECT
    else:
        entry = _OAUTH.get(code, _OAUTH_RECONNECT)
    details = f"Salesforce OAuth {code or 'error'}"
    if description:
        details += f": {description}"
    return entry.error(f"salesforce_oauth.{code or 'unknown'}", details)


#: Who may add the app's objects and fields to an org that refuses the signed-in user.
WHO_CAN = "a Salesforce administrator"
_DEPLOY_NOT_ALLOWED = _Entry(
    "Only a Salesforce administrator can add these",
    "Salesforce refused: your user may not change the organisation's setup.",
    f"Ask {WHO_CAN} to add them (Copy instructions), then click Check again.",
    _A.COPY_DETAILS,
    _K.CONFIGURATION,
    False,
)
_DEPLOY_FAILED = _Entry(
    "Salesforce did not take the package",
    "Salesforce refused the package of objects and fields it was sent.",
    f"Try again in a few minutes, or ask {WHO_CAN} to add them.",
    _A.RETRY,
    _K.CONFIGURATION,
    True,
)


def deploy_refused(code: str) -> UserError:
    """A Metadata API deploy Salesforce refused outright, by its fault code ("" when unknown)."""
    not_allowed = code == "INSUFFICIENT_ACCESS"
    entry = _DEPLOY_NOT_ALLOWED if not_allowed else _DEPLOY_FAILED
    name = "salesforce_deploy_not_allowed" if not_allowed else "salesforce_deploy_failed"
    return entry.error(name, code or "Salesforce gave no reason")
