"""The one shape every error takes on its way to the person: plain words, a button, details."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from app.domain.redaction import redact


class ErrorAction(StrEnum):
    """The button shown with an error."""

    RETRY = "retry"
    OPEN_QUICKBOOKS_HELP = "open_quickbooks_help"
    RECONNECT_SALESFORCE = "reconnect_salesforce"
    OPEN_SETUP = "open_setup"
    OPEN_LOGS = "open_logs"
    COPY_DETAILS = "copy_details"
    NONE = "none"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    ErrorAction.RETRY: "Try again",
    ErrorAction.OPEN_QUICKBOOKS_HELP: "Open QuickBooks help",
    ErrorAction.RECONNECT_SALESFORCE: "Sign in to Salesforce again…",
    ErrorAction.OPEN_SETUP: "Open setup",
    ErrorAction.OPEN_LOGS: "Open logs",
    ErrorAction.COPY_DETAILS: "Copy details",
    ErrorAction.NONE: "",
}


class ErrorKind(StrEnum):
    # Only the person at the QuickBooks computer can fix it: the tray turns amber.
    CONNECTION = "connection"
    # One record's data: reported in the run result, the run goes on.
    DATA = "data"
    # Setup, sign-in or this computer: the run cannot go on until someone changes something.
    CONFIGURATION = "configuration"
    # Passes by itself: try again later.
    TRANSIENT = "transient"


@dataclass(frozen=True, kw_only=True)
class UserError:
    """An error as the bookkeeper sees it. `details` is technical and never holds a secret."""

    code: str
    title: str
    what_happened: str
    what_to_do: str
    action: ErrorAction
    kind: ErrorKind
    retryable: bool
    details: str = ""

    def __post_init__(self) -> None:
        for name in ("title", "what_happened", "what_to_do", "details"):
            object.__setattr__(self, name, redact(getattr(self, name)))

    @property
    def needs_someone_at_quickbooks(self) -> bool:
        return self.kind is ErrorKind.CONNECTION

    def with_details(self, details: str) -> UserError:
        combined = f"{self.details}\n{details}" if self.details else details
        return replace(self, details=combined)

    def copy_text(self) -> str:
        """Everything about the error as one block of text, for the "Copy details" button."""
        parts = [self.title, self.what_happened, self.what_to_do]
        if self.details:
            parts.append(f"Details:\n{self.details}")
        parts.append(f"Code: {self.code}")
        return "\n\n".join(parts)


class UserFacingError(Exception):
    """Carries a UserError through code that reports failures by raising."""

    def __init__(self, error: UserError) -> None:
        super().__init__(f"{error.title}: {error.what_happened}")
        self.error = error
