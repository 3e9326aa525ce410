"""Conductor's account-level objects: end users, their QuickBooks connection, auth sessions.

An end user's connection is created when the person opens the auth flow and becomes active when
the Web Connector setup is finished (in the sandbox: one click on the setup page). Until then
every QuickBooks request for that end user fails with INTEGRATION_CONNECTION_NOT_SET_UP.
All end users reach the same sandbox company file.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from app.sandbox.conductor import errors
from app.sandbox.conductor.clock import Clock
from app.sandbox.conductor.spec import Spec
from app.sandbox.conductor.store import Store
from app.sandbox.conductor.values import conductor_time, parse_timestamp

END_USER = "end_user"
AUTH_SESSION = "auth_session"
MIN_LINK_MINUTES = 15
MAX_LINK_MINUTES = 7 * 24 * 60


class Directory:
    def __init__(self, store: Store, clock: Clock, spec: Spec, seed: int) -> None:
        self._store = store
        self._clock = clock
        self._spec = spec
        self._seed = seed

    def _token(self) -> str:
        number = self._store.next_number("conductor_id", 1)
        return hashlib.sha256(f"{self._seed}:{number}".encode()).hexdigest()[:16]

    def _now(self) -> str:
        return conductor_time(self._clock.now())

    # -- end users --------------------------------------------------------------------------
    def create_end_user(
        self, company_name: str, source_id: str, email: str, *, connected: bool = False
    ) -> dict[str, Any]:
        if any(u["sourceId"] == source_id for u in self._store.objects(END_USER)):
            raise errors.invalid_request(
                f'An end-user with sourceId "{source_id}" already exists.',
                code="END_USER_SOURCE_ID_TAKEN",
            )
        body: dict[str, Any] = {
            "id": f"end_usr_{self._token()}",
            "objectType": "end_user",
            "createdAt": self._now(),
            "companyName": company_name,
            "sourceId": source_id,
            "email": email,
            "integrationConnections": [],
            "_active": False,
        }
        if connected:
            self._add_connection(body)
            body["_active"] = True
        self._store.put_object(END_USER, body)
        return body

    def end_users(self) -> list[dict[str, Any]]:
        return self._store.objects(END_USER)

    def end_user(self, end_user_id: str) -> dict[str, Any]:
        body = self._store.get_object(END_USER, end_user_id)
        if body is None:
            raise errors.resource_missing(f'No end-user exists with the ID "{end_user_id}".')
        return body

    def delete_end_user(self, end_user_id: str) -> dict[str, Any]:
        body = self.end_user(end_user_id)
        self._store.remove_object(end_user_id)
        return {"id": body["id"], "objectType": "end_user", "deleted": True}

    def render(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._spec.complete("end_user", body)

    def is_active(self, end_user_id: str) -> bool:
        return bool(self.end_user(end_user_id)["_active"])

    def require_connection(self, end_user_id: str) -> None:
        if not self.is_active(end_user_id):
            raise errors.connection_not_set_up(end_user_id)

    def record_request(self, end_user_id: str, *, succeeded: bool) -> None:
        body = self._store.get_object(END_USER, end_user_id)
        if body is None or not body["integrationConnections"]:
            return
        connection = body["integrationConnections"][0]
        connection["lastRequestAt"] = self._now()
        if succeeded:
            connection["lastSuccessfulRequestAt"] = connection["lastRequestAt"]
        self._store.put_object(END_USER, body)

    def set_active(self, end_user_id: str, active: bool) -> None:
        body = self.end_user(end_user_id)
        if active and not body["integrationConnections"]:
            self._add_connection(body)
        body["_active"] = active
        self._store.put_object(END_USER, body)

    def _add_connection(self, body: dict[str, Any]) -> None:
        body["integrationConnections"].append(
            {
                "id": f"int_conn_{self._token()}",
                "objectType": "integration_connection",
                "createdAt": self._now(),
                "integrationSlug": "quickbooks_desktop",
                "lastRequestAt": None,
                "lastSuccessfulRequestAt": None,
            }
        )

    # -- auth sessions ----------------------------------------------------------------------
    def create_auth_session(
        self,
        *,
        end_user_id: str,
        publishable_key: str,
        link_expiry_mins: float,
        redirect_url: str | None,
        root_url: str,
    ) -> dict[str, Any]:
        self.end_user(end_user_id)
        if not MIN_LINK_MINUTES <= link_expiry_mins <= MAX_LINK_MINUTES:
            raise errors.invalid_request(
                f"linkExpiryMins must be between {MIN_LINK_MINUTES} and {MAX_LINK_MINUTES}; "
                f"received {link_expiry_mins}."
            )
        token = self._token()
        created = self._clock.now()
        secret = f"auth_sess_client_secret_{token}"
        body = {
            "id": f"auth_sess_{token}",
            "objectType": "auth_session",
            "createdAt": conductor_time(created),
            "endUserId": end_user_id,
            "clientSecret": secret,
            "authFlowUrl": f"{root_url.rstrip('/')}/setup/{secret}?key={publishable_key}",
            "expiresAt": conductor_time(created + timedelta(minutes=link_expiry_mins)),
            "redirectUrl": redirect_url,
        }
        self._store.put_object(AUTH_SESSION, body)
        return body

    def session(self, client_secret: str) -> dict[str, Any] | None:
        for body in self._store.objects(AUTH_SESSION):
            if body["clientSecret"] == client_secret:
                return body
        return None

    def session_expired(self, session: dict[str, Any]) -> bool:
        expires = parse_timestamp(session["expiresAt"].replace("Z", "+00:00"))
        return self._clock.now() > expires

    def open_setup(self, session: dict[str, Any]) -> dict[str, Any]:
        """The person opened the auth flow: Conductor creates the connection (not yet set up)."""
        body = self.end_user(session["endUserId"])
        if not body["integrationConnections"]:
            self._add_connection(body)
            self._store.put_object(END_USER, body)
        return body

    def finish_setup(self, session: dict[str, Any]) -> None:
        self.set_active(session["endUserId"], True)
