from __future__ import annotations

import re
from typing import Any

import pytest

from app.domain import errors
from app.domain.errors import (
    MASKED_MESSAGE,
    ErrorAction,
    ErrorKind,
    UserError,
    UserFacingError,
    from_conductor,
    from_oauth,
    from_salesforce,
    from_salesforce_error,
    parse_bulk_error,
)
from app.domain.outcomes import Problem

# Codes and jargon belong in `details`, never in the words a bookkeeper reads.
JARGON = re.compile(
    r"[A-Z]{2,}_[A-Z_]{2,}|0x[0-9a-f]{4,}|\bHTTP\b|\bAPI\b|\bJSON\b|\bOAuth\b|\bqbXML\b|"
    r"integrationCode|errorCode|statusCode|\bnull\b|exception",
)

UFM_420 = (
    "We could not connect to QuickBooks Desktop because we must re-authorize our connection. "
    "To fix this, open QuickBooks Desktop, log in as Admin, navigate to 'Edit > Preferences > "
    "Integrated Applications', click 'Company Preferences', select our app, click "
    "'Properties...', ensure 'Allow this application to log in automatically' is checked, then "
    "click 'OK'. Then try again."
)

CONDUCTOR_CASES: list[tuple[str, str, str | None, int]] = [
    ("INTEGRATION_CONNECTION_ERROR", "QBD_CONNECTION_ERROR", "0x80040420", 502),
    ("INTEGRATION_CONNECTION_ERROR", "QBD_CONNECTION_ERROR", "0x80040408", 502),
    ("INTEGRATION_CONNECTION_ERROR", "QBD_CONNECTION_ERROR", None, 502),
    ("INTEGRATION_CONNECTION_ERROR", "INTEGRATION_CONNECTION_NOT_SET_UP", None, 409),
    ("INTEGRATION_CONNECTION_ERROR", "INTEGRATION_CONNECTION_NOT_ACTIVE", None, 502),
    ("INTEGRATION_CONNECTION_ERROR", "QBD_REQUEST_TIMEOUT", None, 504),
    *[
        ("INTEGRATION_ERROR", "QBD_REQUEST_ERROR", code, 502)
        for code in ("3100", "3140", "3200", "3120", "3170", "3175", "3171", "3180", "1", "9999")
    ],
    ("INVALID_REQUEST_ERROR", "INVALID_REQUEST", None, 400),
    ("AUTHENTICATION_ERROR", "API_KEY_INVALID", None, 401),
    ("PERMISSION_ERROR", "PERMISSION_DENIED", None, 403),
    ("INTERNAL_ERROR", "INTERNAL_SERVER_ERROR", None, 500),
    ("INVALID_REQUEST_ERROR", "RESOURCE_MISSING", None, 404),
    ("SOMETHING_NEW", "NEVER_SEEN", None, 418),
    ("SOMETHING_NEW", "NEVER_SEEN", None, 503),
]

SALESFORCE_CODES = [
    ("INVALID_SESSION_ID", 401),
    ("REQUEST_LIMIT_EXCEEDED", 403),
    ("NOT_FOUND", 404),
    ("INVALID_FIELD", 400),
    ("INVALID_TYPE", 400),
    ("MALFORMED_QUERY", 400),
    ("DUPLICATE_VALUE", 400),
    ("REQUIRED_FIELD_MISSING", 400),
    ("STRING_TOO_LONG", 400),
    ("FIELD_CUSTOM_VALIDATION_EXCEPTION", 400),
    ("MALFORMED_ID", 400),
    ("UNABLE_TO_LOCK_ROW", 400),
    ("SERVER_UNAVAILABLE", 503),
    ("ALL_OR_NONE_OPERATION_ROLLED_BACK", 400),
    ("PROCESSING_HALTED", 400),
    ("", 500),
    ("", 502),
    ("SOMETHING_NEW", 400),
    ("SOMETHING_NEW", None),
]

OAUTH_CASES = [
    ("invalid_grant", "expired access/refresh token"),
    ("invalid_grant", "invalid code verifier"),
    ("invalid_grant", "authentication failure"),
    ("invalid_grant", "inactive user"),
    ("invalid_client_id", "client identifier invalid"),
    ("redirect_uri_mismatch", "redirect_uri must match configuration"),
    ("access_denied", "end-user denied authorization"),
    ("unsupported_token_type", "this token type is not supported"),
    ("invalid_token", "invalid token"),
    ("something_new", ""),
]

LOCAL_ERRORS = [
    errors.keyring_locked(),
    errors.keyring_missing(),
    errors.database_unreadable("C:/Users/pat/AppData/qbsf/qbsf.db.damaged-2026-01-01"),
    errors.database_locked(),
    errors.disk_full("C:"),
    errors.port_taken(1717),
    errors.no_network("Salesforce"),
    errors.mapping_file_invalid("my.toml", ["line 3: bad", "line 4: worse"]),
    errors.run_in_progress(),
    errors.outcome_unknown(),
    errors.salesforce_limit_reserve(14000, 15000),
    errors.salesforce_schema_missing({"Account": ["Email__c"], "QuickBooks_Invoice__c": []}),
    errors.record_not_synced([Problem("Account name is missing.", "Name", "missing")]),
    errors.unexpected("Traceback ..."),
]


def conductor_body(
    type_: str, code: str, integration: str | None, status: int, message: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "message": f"{code} happened",
        "userFacingMessage": message if message is not None else MASKED_MESSAGE,
        "type": type_,
        "code": code,
        "httpStatusCode": status,
        "requestId": "req_1234567890",
    }
    if integration is not None:
        error["integrationCode"] = integration
    return {"error": error}


def assert_plain(error: UserError) -> None:
    for text in (error.title, error.what_happened, error.what_to_do):
        assert text.strip(), error
        assert not JARGON.search(text), (text, JARGON.search(text))
    assert error.title[0].isupper() and not error.title.endswith(".")
    assert error.what_happened.endswith((".", "!", "?")), error.what_happened
    assert error.what_to_do.endswith((".", "!", "?")), error.what_to_do
    assert error.code
    assert isinstance(error.action, ErrorAction) and isinstance(error.kind, ErrorKind)


@pytest.mark.parametrize(("type_", "code", "integration", "status"), CONDUCTOR_CASES)
def test_conductor_catalog_entries_are_plain(
    type_: str, code: str, integration: str | None, status: int
) -> None:
    error = from_conductor(conductor_body(type_, code, integration, status), status)
    assert_plain(error)
    assert code in error.details and "req_1234567890" in error.details
    if integration:
        assert integration in error.details


@pytest.mark.parametrize(("code", "status"), SALESFORCE_CODES)
def test_salesforce_catalog_entries_are_plain(code: str, status: int | None) -> None:
    error = from_salesforce(code, "Some message from Salesforce", ["Name"], status)
    assert_plain(error)
    if code:
        assert code in error.details


@pytest.mark.parametrize(("code", "description"), OAUTH_CASES)
def test_oauth_catalog_entries_are_plain(code: str, description: str) -> None:
    error = from_oauth(code, description)
    assert_plain(error)
    assert code in error.details


@pytest.mark.parametrize("error", LOCAL_ERRORS, ids=lambda e: e.code)
def test_local_errors_are_plain(error: UserError) -> None:
    assert_plain(error)


def test_conductor_user_facing_message_is_used() -> None:
    body = conductor_body(
        "INTEGRATION_CONNECTION_ERROR", "QBD_CONNECTION_ERROR", "0x80040420", 502, UFM_420
    )
    error = from_conductor(body, 502)
    assert error.what_happened == (
        "We could not connect to QuickBooks Desktop because we must re-authorize our connection."
    )
    assert error.what_to_do.startswith("To fix this, open QuickBooks Desktop, log in as Admin")
    assert error.what_to_do.endswith("Then try again.")
    assert error.kind is ErrorKind.CONNECTION and error.needs_someone_at_quickbooks
    assert error.action is ErrorAction.OPEN_QUICKBOOKS_HELP
    assert error.retryable


def test_single_sentence_user_facing_message_keeps_catalog_advice() -> None:
    body = conductor_body(
        "INTEGRATION_ERROR",
        "QBD_REQUEST_ERROR",
        "3100",
        502,
        'The name "Acme" of the list element is already in use.',
    )
    error = from_conductor(body, 502)
    assert error.what_happened == 'The name "Acme" of the list element is already in use.'
    assert "Match existing records" in error.what_to_do
    assert error.kind is ErrorKind.DATA and not error.retryable


def test_masked_user_facing_message_gives_way_to_the_catalog() -> None:
    error = from_conductor(conductor_body("AUTHENTICATION_ERROR", "API_KEY_INVALID", None, 401))
    assert "secret key" in error.what_happened
    assert error.action is ErrorAction.OPEN_SETUP
    assert error.kind is ErrorKind.CONFIGURATION


@pytest.mark.parametrize(
    ("integration", "kind", "retryable", "action"),
    [
        ("0x80040408", ErrorKind.CONNECTION, True, ErrorAction.OPEN_QUICKBOOKS_HELP),
        ("3200", ErrorKind.TRANSIENT, True, ErrorAction.RETRY),
        ("3170", ErrorKind.TRANSIENT, True, ErrorAction.RETRY),
        ("3175", ErrorKind.TRANSIENT, True, ErrorAction.RETRY),
        ("3140", ErrorKind.DATA, False, ErrorAction.COPY_DETAILS),
        ("3171", ErrorKind.DATA, False, ErrorAction.NONE),
    ],
)
def test_conductor_kinds(
    integration: str, kind: ErrorKind, retryable: bool, action: ErrorAction
) -> None:
    code = "QBD_CONNECTION_ERROR" if integration.startswith("0x") else "QBD_REQUEST_ERROR"
    type_ = "INTEGRATION_CONNECTION_ERROR" if integration.startswith("0x") else "INTEGRATION_ERROR"
    error = from_conductor(conductor_body(type_, code, integration, 502), 502)
    assert (error.kind, error.retryable, error.action) == (kind, retryable, action)


def test_conductor_specific_codes() -> None:
    not_set_up = from_conductor(
        conductor_body("INTEGRATION_CONNECTION_ERROR", "INTEGRATION_CONNECTION_NOT_SET_UP", None,
                       409), 409)  # fmt: skip
    assert not_set_up.action is ErrorAction.OPEN_SETUP
    timeout = from_conductor(
        conductor_body("INTEGRATION_CONNECTION_ERROR", "QBD_REQUEST_TIMEOUT", None, 504), 504
    )
    assert timeout.kind is ErrorKind.CONNECTION and timeout.retryable
    internal = from_conductor(conductor_body("INTERNAL_ERROR", "X", None, 500), 500)
    assert internal.kind is ErrorKind.TRANSIENT and internal.retryable


@pytest.mark.parametrize("body", [None, "oops", [], {}, {"error": "text"}, {"error": {"type": 5}}])
def test_conductor_garbage_bodies_still_give_an_error(body: object) -> None:
    assert_plain(from_conductor(body, 500))
    assert_plain(from_conductor(body, None))


def test_conductor_body_without_the_error_wrapper() -> None:
    inner = conductor_body("INTEGRATION_ERROR", "QBD_REQUEST_ERROR", "3171", 502)["error"]
    assert from_conductor(inner).code == "conductor.QBD_REQUEST_ERROR.3171"


def test_salesforce_kinds_and_actions() -> None:
    assert from_salesforce("INVALID_SESSION_ID", "", None, 401).action is (
        ErrorAction.RECONNECT_SALESFORCE
    )
    limit = from_salesforce("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", None, 403)
    assert not limit.retryable
    for code in ("UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "ALL_OR_NONE_OPERATION_ROLLED_BACK"):
        assert from_salesforce(code).retryable, code
    for code in ("DUPLICATE_VALUE", "REQUIRED_FIELD_MISSING", "STRING_TOO_LONG", "MALFORMED_ID"):
        assert from_salesforce(code).kind is ErrorKind.DATA, code
    for code in ("NOT_FOUND", "INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY"):
        error = from_salesforce(code)
        assert error.kind is ErrorKind.CONFIGURATION and error.action is ErrorAction.OPEN_SETUP
    assert from_salesforce("", "", None, 502).retryable


def test_salesforce_messages_name_the_fields() -> None:
    error = from_salesforce("STRING_TOO_LONG", "Name: data value too large", ["Name"], 400)
    assert "(Name)" in error.what_happened
    rule = from_salesforce(
        "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Close date must be in the future.", [], 400
    )
    assert "Close date must be in the future." in rule.what_happened


def test_missing_parent_account_is_a_data_problem() -> None:
    error = from_salesforce(
        "INVALID_FIELD",
        "Foreign key external ID: 800-1 not found for field QuickBooks_Customer_Id__c in entity "
        "Account",
        [],
        400,
    )
    assert error.kind is ErrorKind.DATA
    assert "Sync customers first" in error.what_to_do


def test_salesforce_error_objects_from_each_api() -> None:
    rest = from_salesforce_error([{"errorCode": "NOT_FOUND", "message": "gone"}], 404)
    assert rest.code == "salesforce.NOT_FOUND"
    collections = from_salesforce_error(
        {"statusCode": "MALFORMED_ID", "message": "bad id", "fields": ["Id"]}
    )
    assert collections.code == "salesforce.MALFORMED_ID" and "(Id)" in collections.what_happened
    assert_plain(from_salesforce_error("garbage", 500))


def test_bulk_error_cells_are_parsed() -> None:
    code, message, fields = parse_bulk_error(
        "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
    )
    assert (code, message, fields) == (
        "REQUIRED_FIELD_MISSING",
        "Required fields are missing: [Name]",
        ["Name"],
    )
    assert parse_bulk_error("UNABLE_TO_LOCK_ROW:unable to obtain exclusive access")[0] == (
        "UNABLE_TO_LOCK_ROW"
    )


def test_oauth_variants() -> None:
    assert from_oauth("invalid_grant", "expired access/refresh token").title == (
        "Salesforce sign-in expired"
    )
    verifier = from_oauth("invalid_grant", "invalid code verifier")
    assert verifier.retryable
    assert from_oauth("invalid_client_id", "client identifier invalid").action is (
        ErrorAction.OPEN_SETUP
    )
    redirect = from_oauth("redirect_uri_mismatch", "")
    assert "http://localhost:1717/OauthRedirect" in redirect.what_to_do
    assert from_oauth("access_denied", "").action is ErrorAction.RECONNECT_SALESFORCE


def test_local_errors_name_what_they_are_about() -> None:
    assert "1717" in errors.port_taken(1717).what_happened
    assert "8080" in errors.port_taken(8080).what_happened
    moved = errors.database_unreadable("/home/pat/.local/share/qbsf/qbsf.db.damaged")
    assert "/home/pat/.local/share/qbsf/qbsf.db.damaged" in moved.what_happened
    invalid = errors.mapping_file_invalid("my.toml", [f"line {n}: bad" for n in range(1, 6)])
    assert "my.toml" in invalid.what_happened and "and 2 more" in invalid.what_happened
    assert "line 5: bad" in invalid.details


def test_details_never_hold_secrets() -> None:
    body = conductor_body("AUTHENTICATION_ERROR", "API_KEY_INVALID", None, 401)
    body["error"]["message"] = "Invalid API key provided: 'sk_live_abcdef1234567890'"
    error = from_conductor(body, 401)
    assert "sk_live_abcdef1234567890" not in error.details
    direct = UserError(
        code="x",
        title="T",
        what_happened="W.",
        what_to_do="D.",
        action=ErrorAction.NONE,
        kind=ErrorKind.TRANSIENT,
        retryable=False,
        details="Authorization: Bearer 00D5g000004KxyZ!AQ4AQFkJ0m8M1Ue7Yh8.Q2vXbZ",
    )
    assert "00D5g000004KxyZ" not in direct.details
    assert "refresh_token=abc" not in direct.with_details("refresh_token=abc").details
    assert "abc" not in errors.unexpected("POST code=abc&x=1").copy_text()


def test_copy_text_and_raising() -> None:
    error = errors.no_network("Salesforce")
    text = error.copy_text()
    assert error.title in text and error.what_to_do in text and error.code in text
    with pytest.raises(UserFacingError) as caught:
        raise UserFacingError(error)
    assert caught.value.error is error


def test_every_action_has_a_button_label() -> None:
    for action in ErrorAction:
        assert (action.label == "") == (action is ErrorAction.NONE)


def test_unknown_status_falls_back_to_the_body() -> None:
    body = conductor_body("SOMETHING_NEW", "NEVER_SEEN", None, 503)
    error = from_conductor(body, 0)
    assert error.retryable and "HTTP 503" in error.details
