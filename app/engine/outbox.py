"""QuickBooks creates, recorded before they are sent, sent once, and never sent twice.

Conductor has no idempotency key, so a create whose answer was lost (timeout, crash, dropped
connection) may or may not exist in QuickBooks. The intent is recorded first with a deterministic
external id; an entry left "sent" is looked up in QuickBooks by that id before anything is resent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.quickbooks import QuickBooksError
from app.store import OutboxState, Store

log = logging.getLogger(__name__)

#: Looks the record up in QuickBooks by the external id, given the body sent before; None when it
#: is not there.
FindExisting = Callable[[dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class CreateOutcome:
    qb_id: str | None
    record: dict[str, Any] | None = None
    recovered: bool = False  # found in QuickBooks from an earlier attempt, not created now
    error: QuickBooksError | None = None
    #: The recorded body is not the signed one: nothing was sent.
    unsigned: bool = False
    #: For a recovered record, the body the earlier attempt sent: what the app wrote.
    sent: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.qb_id is not None


class OutboxWriter:
    def __init__(self, store: Store, send: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
        self.store = store
        self._send = send

    def create(
        self,
        workflow: str,
        sf_id: str,
        kind: str,
        body: dict[str, Any],
        find_existing: FindExisting,
        *,
        signed: bool = False,
    ) -> CreateOutcome:
        """`signed`: the body is one a person approved, recorded with the approval; an entry
        holding any other body is never sent (a changed record is approved again instead)."""
        external_id = str(body["externalId"])
        entry = self.store.outbox_add(workflow, sf_id, external_id, f"create_{kind}", body)
        recovered = self.recover(kind, external_id, find_existing)
        if recovered is not None:
            return recovered
        if entry.payload != body and signed:
            log.warning(
                "QuickBooks %s %s differs from the approved one; not sent", kind, external_id
            )
            return CreateOutcome(None, unsigned=True)
        if entry.state is OutboxState.FAILED or entry.payload != body:
            self.store.outbox_retry(external_id, body)
        self.store.outbox_set_state(external_id, OutboxState.SENT, attempted=True)
        try:
            created = self._send(kind, body)
        except QuickBooksError as error:
            if error.outcome_unknown:
                # Stays "sent": the next run looks it up before sending again.
                self.store.outbox_set_state(
                    external_id, OutboxState.SENT, error=error.user_error.code
                )
            else:
                self.store.outbox_set_state(
                    external_id, OutboxState.FAILED, error=error.user_error.code
                )
            return CreateOutcome(None, error=error)
        self.store.outbox_set_state(external_id, OutboxState.DONE, qb_id=str(created["id"]))
        return CreateOutcome(str(created["id"]), created)

    def recover(
        self, kind: str, external_id: str, find_existing: FindExisting
    ) -> CreateOutcome | None:
        """The record an earlier attempt made: confirmed, or found in QuickBooks after an
        unknown outcome (by what was sent then, whatever the source says now)."""
        entry = self.store.outbox_get(external_id)
        if entry is None:
            return None
        if entry.state is OutboxState.DONE and entry.qb_id:
            return CreateOutcome(entry.qb_id, recovered=True, sent=entry.payload)
        if entry.state is not OutboxState.SENT:
            return None
        existing = find_existing(entry.payload)
        if existing is None:
            return None
        log.info("QuickBooks %s %s was created earlier; linking it", kind, external_id)
        self.store.outbox_set_state(external_id, OutboxState.DONE, qb_id=existing["id"])
        return CreateOutcome(str(existing["id"]), existing, recovered=True, sent=entry.payload)
