"""Places a notification or a button can open, named as data so they can be remembered."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.domain.user_error import UserError


class Place(StrEnum):
    ERROR = "error"  # the error dialog for `error`
    HISTORY = "history"  # sync history, at `run_id` when given
    REVIEW = "review"
    SETUP = "setup"  # the setup wizard, at `page` when given
    SETTINGS = "settings"
    PROGRESS = "progress"
    MENU = "menu"  # the tray menu, or the status window where there is no tray


@dataclass(frozen=True)
class Target:
    place: Place
    run_id: int | None = None
    error: UserError | None = None
    page: str | None = None
