"""The ledger belongs to one Salesforce org and one Conductor end user: what the app says when
either changed."""

from __future__ import annotations

from app.domain.user_error import ErrorAction, ErrorKind, UserError

LEDGER_PAIR_CHANGED = "local.ledger_pair_changed"


def ledger_pair_changed(what: str, before: str, now: str, archive_id: int) -> UserError:
    """`what`: "Salesforce org" or "QuickBooks connection (Conductor end user)"."""
    return UserError(
        code=LEDGER_PAIR_CHANGED,
        title=f"A different {what}",
        what_happened=(
            f"This app is now connected to a different {what} ({now}; it was {before}). What it "
            "knew of the records it had synced belongs to the other one, so it was set aside "
            f"(kept as ledger archive #{archive_id}) and a fresh ledger was started."
        ),
        what_to_do=(
            "Nothing, if the change was meant: this sync writes every record again, skipping "
            "none. If it was not, connect the app to the previous one again."
        ),
        action=ErrorAction.OPEN_SETUP,
        kind=ErrorKind.CONFIGURATION,
        retryable=False,
    )
