"""The tray menu's update entry: the download's progress, then Restart to update."""

from __future__ import annotations

from app.ui.menu import MenuAction, MenuEntry
from app.ui.update_agent import Phase, UpdateView


def update_entry(view: UpdateView) -> MenuEntry | None:
    offer = view.offer
    if offer is None:
        return None
    if view.phase is Phase.DOWNLOADING:
        percent = 100 * view.done // view.expected if view.expected else 0
        return MenuEntry(f"Downloading version {offer.version}… {percent}%", MenuAction.UPDATES)
    if view.phase is Phase.READY and view.restart_after_sync:
        return MenuEntry("Restarts to update after this sync", MenuAction.UPDATES)
    if view.phase is Phase.READY:
        return MenuEntry(
            f"Restart to update (version {offer.version})", MenuAction.RESTART_TO_UPDATE
        )
    return None
