"""Faults of this computer and of the app itself, as UserErrors."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from app.domain.outcomes import Problem
from app.domain.user_error import ErrorAction, ErrorKind, UserError

SALESFORCE_SIGN_IN_PORT = 1717
NOT_CONNECTED_CODE = "local.not_connected"
_LISTED_ISSUES = 3

_A = ErrorAction
_K = ErrorKind


def keyring_locked(details: str = "") -> UserError:
    return UserError(
        code="local.keyring_locked",
        title="Password store locked",
        what_happened="The system password store that keeps this app's keys is locked.",
        what_to_do=(
            "Unlock it (sign in to your computer account normally, or unlock the login keyring), "
            "then try again."
        ),
        action=_A.RETRY,
        kind=_K.CONFIGURATION,
        retryable=True,
        details=details,
    )


def keyring_missing(details: str = "") -> UserError:
    return UserError(
        code="local.keyring_missing",
        title="No password store",
        what_happened=(
            "This computer has no system password store, and the app keeps its keys only there."
        ),
        what_to_do=(
            "On Windows, Credential Manager must be available to your account. On Linux, install "
            "and start a keyring service such as GNOME Keyring. Then open setup again."
        ),
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def database_unreadable(moved_to: str, details: str = "") -> UserError:
    return UserError(
        code="local.database_unreadable",
        title="The app's records file was damaged",
        what_happened=(
            "The app's own file of links and sync history could not be read. It was moved aside "
            f"to {moved_to} and a new one was started. Nothing in QuickBooks or Salesforce was "
            "changed."
        ),
        what_to_do="Open setup and match existing records again, so the links are rebuilt.",
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def data_folder_unusable(details: str = "") -> UserError:
    return UserError(
        code="local.data_folder_unusable",
        title="The app's data folder cannot be used",
        what_happened=(
            "The folder where the app keeps its records, settings and logs could not be created "
            "or written to."
        ),
        what_to_do=(
            "Check that the folder named in the details exists and that your account may write "
            "to it (or choose another one with --data-dir), then try again."
        ),
        action=_A.COPY_DETAILS,
        kind=_K.CONFIGURATION,
        retryable=True,
        details=details,
    )


def database_unusable(details: str = "") -> UserError:
    return UserError(
        code="local.database_unusable",
        title="The app's records file cannot be used",
        what_happened=(
            "The app's own file of links and sync history could not be opened or updated. It was "
            "left as it is, and nothing in QuickBooks or Salesforce was changed."
        ),
        what_to_do="Follow the advice in the details, or copy them and send them to support.",
        action=_A.COPY_DETAILS,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def setting_damaged(key: str, details: str = "") -> UserError:
    return UserError(
        code="local.setting_damaged",
        title="A saved setting is damaged",
        what_happened=f"The saved setting '{key}' could not be read, so nothing was done.",
        what_to_do=(
            "Set it again in settings (or with the command that sets it); saving replaces the "
            "damaged value."
        ),
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def database_locked(details: str = "") -> UserError:
    return UserError(
        code="local.database_locked",
        title="The app's records file is busy",
        what_happened=(
            "Another copy of the app, or another program, is using the app's records file."
        ),
        what_to_do="Close other copies of the app, then try again.",
        action=_A.RETRY,
        kind=_K.TRANSIENT,
        retryable=True,
        details=details,
    )


def disk_full(location: str = "", details: str = "") -> UserError:
    where = f" ({location})" if location else ""
    return UserError(
        code="local.disk_full",
        title="Disk full",
        what_happened=(
            f"There is not enough free space on the disk{where} to save the app's records."
        ),
        what_to_do="Free up some space, for example by emptying the Recycle Bin, then try again.",
        action=_A.RETRY,
        kind=_K.CONFIGURATION,
        retryable=True,
        details=details,
    )


def port_taken(port: int = SALESFORCE_SIGN_IN_PORT, details: str = "") -> UserError:
    return UserError(
        code="local.port_taken",
        title="Salesforce sign-in could not start",
        what_happened=(
            f"Another program on this computer is using port {port}, which the Salesforce "
            "sign-in needs to receive Salesforce's answer."
        ),
        what_to_do=(
            "Close the other program (often another Salesforce tool, such as the Salesforce "
            "command line) and sign in again."
        ),
        action=_A.RETRY,
        kind=_K.CONFIGURATION,
        retryable=True,
        details=details,
    )


def no_network(service: str = "", details: str = "") -> UserError:
    target = service or "the internet"
    return UserError(
        code="local.no_network",
        # Named: only that one service may be down while the internet works.
        title=f"{service} cannot be reached" if service else "No internet connection",
        what_happened=f"The app could not reach {target}.",
        what_to_do=(
            f"Try again in a few minutes: {service} may be down for a while. If other websites "
            "do not open either, check this computer's internet connection."
            if service
            else "Check this computer's internet connection, then try again."
        ),
        action=_A.RETRY,
        kind=_K.TRANSIENT,
        retryable=True,
        details=details,
    )


def mapping_file_invalid(source: str, issues: Iterable[object]) -> UserError:
    listed = [str(issue) for issue in issues]
    shown = "; ".join(listed[:_LISTED_ISSUES])
    more = len(listed) - _LISTED_ISSUES
    if more > 0:
        shown += f"; and {more} more"
    return UserError(
        code="local.mapping_file_invalid",
        title="The field map file has problems",
        what_happened=f"The field map file {source} could not be used: {shown}.",
        what_to_do=(
            "Correct the lines named in the details (or go back to the default field maps in "
            "settings), then try again."
        ),
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details="\n".join(listed),
    )


def run_in_progress(details: str = "") -> UserError:
    return UserError(
        code="local.run_in_progress",
        title="A sync is already running",
        what_happened="Another sync is running right now, from the tray or the command line.",
        what_to_do="Wait for it to finish, then try again.",
        action=_A.NONE,
        kind=_K.TRANSIENT,
        retryable=True,
        details=details,
    )


def run_cancelled() -> UserError:
    return UserError(
        code="local.run_cancelled",
        title="Sync stopped",
        what_happened="The sync was stopped before it finished. What it had done is kept.",
        what_to_do="Sync again when you are ready; it carries on from where it stopped.",
        action=_A.NONE,
        kind=_K.TRANSIENT,
        retryable=True,
    )


def not_connected(system: str, details: str = "") -> UserError:
    """`system`: "QuickBooks" or "Salesforce"."""
    command = f"connect {system.lower()}"
    return UserError(
        code=f"{NOT_CONNECTED_CODE}.{system.lower()}",
        title=f"{system} is not connected",
        what_happened=f"This app has no working connection to {system} yet.",
        what_to_do=f"Open setup and connect {system} (from a terminal: `{command}`).",
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def conductor_key_missing() -> UserError:
    return UserError(
        code="local.conductor_key_missing",
        title="Enter the Conductor secret key",
        what_happened="The app needs your Conductor secret key to reach QuickBooks.",
        what_to_do="Copy it from the API keys page of the Conductor dashboard into Secret key.",
        action=_A.NONE,
        kind=_K.CONFIGURATION,
        retryable=False,
    )


def untrusted_certificate(details: str = "") -> UserError:
    return UserError(
        code="local.untrusted_certificate",
        title="Salesforce's identity could not be checked",
        what_happened=(
            "The secure connection to Salesforce was refused because this computer does not "
            "trust the certificate it was shown. A security program or a company network "
            "that inspects secure connections can cause this."
        ),
        what_to_do=(
            "Ask whoever looks after this computer's network to let it reach Salesforce "
            "directly, or to add the company's certificate to this computer's trusted ones."
        ),
        action=_A.COPY_DETAILS,
        kind=_K.CONFIGURATION,
        retryable=False,
        details=details,
    )


def sign_in_timed_out(seconds: float) -> UserError:
    return UserError(
        code="local.sign_in_timed_out",
        title="Salesforce sign-in timed out",
        what_happened=(
            f"No answer came back from Salesforce within {seconds:.0f} seconds of starting the "
            "sign-in."
        ),
        what_to_do="Sign in again, and finish signing in on the Salesforce page in the browser.",
        action=_A.RECONNECT_SALESFORCE,
        kind=_K.TRANSIENT,
        retryable=True,
    )


def sign_in_cancelled() -> UserError:
    return UserError(
        code="local.sign_in_cancelled",
        title="Salesforce sign-in cancelled",
        what_happened="The sign-in was stopped before Salesforce answered.",
        what_to_do="Sign in again when you are ready.",
        action=_A.RECONNECT_SALESFORCE,
        kind=_K.TRANSIENT,
        retryable=True,
    )


def salesforce_refresh_scope_missing() -> UserError:
    return UserError(
        code="local.salesforce_refresh_scope_missing",
        title="Salesforce app settings incomplete",
        what_happened=(
            "Salesforce signed you in but did not let this app stay signed in, so it would stop "
            "working within hours."
        ),
        what_to_do=(
            "In Salesforce Setup, open your External Client App's OAuth settings, add the scope "
            "'Perform requests at any time (refresh_token, offline_access)', save, and sign in "
            "again."
        ),
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
    )


def outcome_unknown(details: str = "") -> UserError:
    return UserError(
        code="local.outcome_unknown",
        title="Waiting to confirm with QuickBooks",
        what_happened=(
            "QuickBooks did not confirm whether it saved this record. The next sync checks "
            "QuickBooks before sending it again, so nothing is created twice."
        ),
        what_to_do="Sync again when QuickBooks is reachable.",
        action=_A.RETRY,
        kind=_K.TRANSIENT,
        retryable=True,
        details=details,
    )


def salesforce_limit_reserve(used: int, limit: int, details: str = "") -> UserError:
    return UserError(
        code="local.salesforce_limit_reserve",
        title="Stopped to spare Salesforce requests",
        what_happened=(
            f"Salesforce has used {used:,} of its {limit:,} daily requests, so the sync stopped "
            "to keep the rest for your other Salesforce tools."
        ),
        what_to_do=("Sync again later, or raise the share this app may use in settings."),
        action=_A.NONE,
        kind=_K.TRANSIENT,
        retryable=False,
        details=details,
    )


def salesforce_schema_missing(missing: Mapping[str, Sequence[str]]) -> UserError:
    """Objects (empty list) or fields this app needs that the Salesforce organisation lacks."""
    parts = [
        f"{sobject} ({', '.join(fields)})" if fields else f"{sobject} (the whole object)"
        for sobject, fields in sorted(missing.items())
    ]
    return UserError(
        code="local.salesforce_schema_missing",
        title="Salesforce is missing fields this app needs",
        what_happened=f"Your Salesforce organisation lacks: {'; '.join(parts)}.",
        what_to_do=(
            "Ask your Salesforce administrator to install the app's Salesforce package (it adds "
            "them all), then run the check again."
        ),
        action=_A.OPEN_SETUP,
        kind=_K.CONFIGURATION,
        retryable=False,
        details="\n".join(parts),
    )


def record_not_synced(problems: Sequence[Problem], label: str = "This record") -> UserError:
    """A data problem found before sending: the record's problems in one error."""
    messages = [p.message for p in problems] or ["It could not be mapped."]
    return UserError(
        code=f"data.{problems[0].code}" if problems else "data.invalid",
        title=f"{label} was not synced",
        what_happened=" ".join(messages),
        what_to_do="Correct the record as described, then sync again.",
        action=_A.NONE,
        kind=_K.DATA,
        retryable=False,
        details="\n".join(f"{p.field or '-'}: {p.code}" for p in problems),
    )


def unexpected(details: str = "") -> UserError:
    return UserError(
        code="local.unexpected",
        title="Something went wrong",
        what_happened="The app ran into a problem it did not expect.",
        what_to_do=(
            "Try again. If it happens again, open the logs or copy the details and send them to "
            "support."
        ),
        action=_A.OPEN_LOGS,
        kind=_K.TRANSIENT,
        retryable=False,
        details=details,
    )
