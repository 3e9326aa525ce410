"""The tray's settings, kept in the store's settings table beside the engine's."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.domain.workflows import ALL_WORKFLOWS
from app.store import Store
from app.store.settings import (
    API_RESERVE,
    SALESFORCE_SIGN_IN_PORT,
    START_AT_LOGIN,
    SYNC_EVERY_MINUTES,
    WORKFLOWS,
)
from app.ui.notifier import NoticeKind, notice_setting

#: "Sync automatically" choices; 0 is the default, on demand only.
SYNC_EVERY_CHOICES = (0, 15, 30, 60, 120, 240)


@dataclass
class Preferences:
    workflows: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ALL_WORKFLOWS, True))
    start_at_login: bool = START_AT_LOGIN.default
    notifications: dict[NoticeKind, bool] = field(
        default_factory=lambda: {k: k.on_by_default for k in NoticeKind}
    )
    api_reserve: float = API_RESERVE.default
    sync_every_minutes: int = SYNC_EVERY_MINUTES.default

    @classmethod
    def load(cls, store: Store) -> Preferences:
        chosen = store.get(WORKFLOWS)
        return cls(
            workflows={w: bool(chosen.get(w, True)) for w in ALL_WORKFLOWS},
            start_at_login=store.get(START_AT_LOGIN),
            notifications={k: store.get(notice_setting(k)) for k in NoticeKind},
            api_reserve=store.get(API_RESERVE),
            sync_every_minutes=store.get(SYNC_EVERY_MINUTES),
        )

    def save(self, store: Store) -> None:
        with store.transaction():
            store.set(WORKFLOWS, dict(self.workflows))
            store.set(START_AT_LOGIN, self.start_at_login)
            for kind, on in self.notifications.items():
                store.set(notice_setting(kind), on)
            store.set(API_RESERVE, self.api_reserve)
            store.set(SYNC_EVERY_MINUTES, self.sync_every_minutes)


def notification_enabled(store: Store, kind: NoticeKind) -> bool:
    return store.get(notice_setting(kind))


def sign_in_port(store: Store) -> int:
    return store.get(SALESFORCE_SIGN_IN_PORT)
