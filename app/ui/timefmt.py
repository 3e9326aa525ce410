"""Times the store keeps (ISO 8601, UTC) as a person reads them: local time, to the minute."""

from __future__ import annotations

from datetime import datetime


def local_minute(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")
