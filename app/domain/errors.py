"""The error catalog: every error a user can meet, as a `UserError` with plain words and a button.

Sources: Conductor (`from_conductor`), Salesforce REST and OAuth (`from_salesforce`,
`from_salesforce_error`, `from_oauth`) and this computer (the constructors below).
"""

from app.domain.conductor_errors import MASKED_MESSAGE, from_conductor
from app.domain.local_errors import (
    SALESFORCE_SIGN_IN_PORT,
    database_locked,
    database_unreadable,
    disk_full,
    keyring_locked,
    keyring_missing,
    mapping_file_invalid,
    no_network,
    outcome_unknown,
    port_taken,
    record_not_synced,
    run_in_progress,
    salesforce_limit_reserve,
    salesforce_schema_missing,
    unexpected,
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
    "SALESFORCE_SIGN_IN_PORT",
    "ErrorAction",
    "ErrorKind",
    "UserError",
    "UserFacingError",
    "database_locked",
    "database_unreadable",
    "disk_full",
    "from_conductor",
    "from_oauth",
    "from_salesforce",
    "from_salesforce_error",
    "keyring_locked",
    "keyring_missing",
    "mapping_file_invalid",
    "no_network",
    "outcome_unknown",
    "parse_bulk_error",
    "port_taken",
    "record_not_synced",
    "redact",
    "run_in_progress",
    "salesforce_limit_reserve",
    "salesforce_schema_missing",
    "unexpected",
]
