"""The error catalog: every error a user can meet, as a `UserError` with plain words and a button.

Sources: Conductor (`from_conductor`), Salesforce REST and OAuth (`from_salesforce`,
`from_salesforce_error`, `from_oauth`) and this computer (the constructors below). Nothing
outside `app.domain` builds a UserError of its own.
"""

from app.domain.conductor_errors import MASKED_MESSAGE, from_conductor
from app.domain.local_errors import (
    NOT_CONNECTED_CODE,
    SALESFORCE_SIGN_IN_PORT,
    conductor_key_missing,
    data_folder_unusable,
    database_locked,
    database_unreadable,
    database_unusable,
    disk_full,
    keyring_locked,
    keyring_missing,
    mapping_file_invalid,
    no_network,
    not_connected,
    outcome_unknown,
    port_taken,
    record_not_synced,
    run_cancelled,
    run_in_progress,
    salesforce_limit_reserve,
    salesforce_refresh_scope_missing,
    salesforce_schema_missing,
    setting_damaged,
    sign_in_cancelled,
    sign_in_timed_out,
    unexpected,
    untrusted_certificate,
)
from app.domain.redaction import redact
from app.domain.salesforce_errors import (
    from_oauth,
    from_salesforce,
    from_salesforce_error,
    parse_bulk_error,
)
from app.domain.user_error import ErrorAction, ErrorKind, UserError, UserFacingError

__all__ = [
    "MASKED_MESSAGE",
    "NOT_CONNECTED_CODE",
    "SALESFORCE_SIGN_IN_PORT",
    "ErrorAction",
    "ErrorKind",
    "UserError",
    "UserFacingError",
    "conductor_key_missing",
    "data_folder_unusable",
    "database_locked",
    "database_unreadable",
    "database_unusable",
    "disk_full",
    "from_conductor",
    "from_oauth",
    "from_salesforce",
    "from_salesforce_error",
    "keyring_locked",
    "keyring_missing",
    "mapping_file_invalid",
    "no_network",
    "not_connected",
    "outcome_unknown",
    "parse_bulk_error",
    "port_taken",
    "record_not_synced",
    "redact",
    "run_cancelled",
    "run_in_progress",
    "salesforce_limit_reserve",
    "salesforce_refresh_scope_missing",
    "salesforce_schema_missing",
    "setting_damaged",
    "sign_in_cancelled",
    "sign_in_timed_out",
    "unexpected",
    "untrusted_certificate",
]
