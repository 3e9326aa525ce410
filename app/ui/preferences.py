"""The tray's settings, kept in the store's settings table beside the engine's."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.context import EngineSettings
from app.engine.engine import ALL_WORKFLOWS
from app.salesforce.oauth import DEFAULT_PORT
from app.store import Store
from app.ui.notifier import NoticeKind, setting_key

WORKFLOWS = "workflows"
START_AT_LOGIN = "start_at_login"
SYNC_EVERY_MINUTES = "sync.every_minutes"
API_RESERVE = "salesforce.api_reserve"
SIGN_IN_PORT = "salesforce.sign_in_port"
SETUP_FINISHED = "setup.finished"

#: "Sync automatically" choices; 0 is the default, on demand only.
SYNC_EVERY_CHOICES = (0, 15, 30, 60, 120, 240)


@dataclass
class Preferences:
    workflows: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(ALL_WORKFLOWS, True))
    start_at_login: bool = False
    notifications: dict[NoticeKind, bool] = field(
        default_factory=lambda: {k: k.on_by_default for k in NoticeKind}
    )
    api_reserve: float = EngineSettings.api_reserve
    sync_every_minutes: int = 0

    @classmethod
    def load(cls, store: Store) -> Preferences:
        chosen = store.get_setting(WORKFLOWS)
        workflows = {
            w: bool(chosen.get(w, True)) if isinstance(chosen, dict) else True
            for w in ALL_WORKFLOWS
        }
        return cls(
            workflows=workflows,
            start_at_login=bool(store.get_setting(START_AT_LOGIN, False)),
            notifications={
                k: bool(store.get_setting(setting_key(k), k.on_by_default)) for k in NoticeKind
            },
            api_reserve=float(store.get_setting(API_RESERVE, EngineSettings.api_reserve)),
            sync_every_minutes=int(store.get_setting(SYNC_EVERY_MINUTES, 0) or 0),
        )

    def save(self, store: Store) -> None:
        with store.transaction():
            store.set_setting(WORKFLOWS, dict(self.workflows))
            store.set_setting(START_AT_LOGIN, self.start_at_login)
            for kind, on in self.notifications.items():
                store.set_setting(setting_key(kind), on)
            store.set_setting(API_RESERVE, self.api_reserve)
            store.set_setting(SYNC_EVERY_MINUTES, self.sync_every_minutes)


def notification_enabled(store: Store, kind: NoticeKind) -> bool:
    return bool(store.get_setting(setting_key(kind), kind.on_by_default))


def sign_in_port(store: Store) -> int:
    return int(store.get_setting(SIGN_IN_PORT, DEFAULT_PORT))
