"""OAuth 2.0 web server flow with PKCE, refresh (with optional rotation), revoke, userinfo.

Tokens live in the org's database, so a persistent sandbox keeps its sessions across restarts.
Access tokens expire after `session_seconds` and then show up as 401 INVALID_SESSION_ID; the token
response carries no `expires_in`, as Salesforce's does not.

A refresh returns the same refresh token unless the app has refresh token rotation turned on
(`rotate_refresh_tokens`, off by default as in a new connected or external client app); with it on,
each refresh returns a new refresh token and retires the old one. Salesforce Help, "OAuth 2.0
Refresh Token Flow", https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_oauth_refresh_token_flow.htm&type=5
and "Configure Refresh Token Rotation for a Connected App",
https://help.salesforce.com/s/articleView?id=xcloud.connected_app_refresh_token_rotation.htm&type=5
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import random
import re
import secrets
import string
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from app.sandbox._http import json_response
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.sample_data import DEMO_PASSWORD, DEMO_USERNAME

DEFAULT_REDIRECT = "http://localhost:1717/OauthRedirect"
DEFAULT_SCOPE = "refresh_token api"
_VERIFIER = re.compile(r"^[A-Za-z0-9._-]{43,128}$")
_SCOPE_TEXT = {
    "api": "Access and manage your data (api)",
    "refresh_token": "Perform requests at any time (refresh_token, offline_access)",
    "offline_access": "Perform requests at any time (refresh_token, offline_access)",
    "full": "Full access (full)",
    "id": "Access your basic information (id, profile, email, address, phone)",
    "openid": "Access unique user identifiers (openid)",
    "web": "Access the Salesforce API Platform (web)",
}
_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS oauth_tokens (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    parent TEXT,
    scope TEXT NOT NULL,
    issued REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
)
"""


def _base62(rng: random.Random | None, length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    if rng is None:
        return "".join(secrets.choice(alphabet) for _ in range(length))
    return "".join(rng.choice(alphabet) for _ in range(length))


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str | None
    scope: str
    issued: float
    used: bool = False


class OAuthError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    def response(self) -> Response:
        return json_response({"error": self.error, "error_description": self.description}, 400)


class OAuth:
    def __init__(self, org: Org, config: dict[str, Any], seed: int, login_url: Callable[[], str]):
        self.org = org
        self.config = config
        self.login_url = login_url
        self._codes: dict[str, _Code] = {}
        self._lock = threading.Lock()
        org.store.execute(_TABLE_SQL)
        client_id = org.store.meta("client_id")
        if client_id is None:
            client_id = "3MVG9" + _base62(random.Random(f"{seed}:client_id"), 80)
            org.store.set_meta("client_id", client_id)
        self.client_id = client_id
        self._signing_key = hashlib.sha256(f"{client_id}:signature".encode()).digest()
        self._page = (Path(__file__).with_name("authorize.html")).read_text(encoding="utf-8")

    # -- tokens --------------------------------------------------------------------------------
    @property
    def redirect_uris(self) -> list[str]:
        return list(self.config.get("redirect_uris") or [DEFAULT_REDIRECT])

    def identity_url(self) -> str:
        return f"{self.login_url()}/id/{self.org.org_id}/{self.org.user_id}"

    def issue(self, scope: str = DEFAULT_SCOPE, *, refresh: str | None = None) -> dict[str, Any]:
        """A token response; a new refresh token when the scope allows one and none is given."""
        now = time.time()
        access = f"{self.org.org_id[:15]}!AQ" + _base62(None, 96)
        body: dict[str, Any] = {"access_token": access}
        wants_refresh = bool({"refresh_token", "offline_access"} & set(scope.split()))
        if refresh is None and wants_refresh:
            refresh = "5Aep861" + _base62(None, 80)
            self._store(refresh, "refresh", None, scope, now)
            body["refresh_token"] = refresh
        self._store(access, "access", refresh, scope, now)
        issued_at = str(int(now * 1000))
        identity = self.identity_url()
        signature = hmac.new(self._signing_key, (identity + issued_at).encode(), hashlib.sha256)
        body.update(
            signature=base64.b64encode(signature.digest()).decode("ascii"),
            scope=scope,
            instance_url=self.config["instance_url"],
            id=identity,
            token_type="Bearer",  # noqa: S106 - a token kind, not a secret
            issued_at=issued_at,
        )
        return body

    def _store(self, token: str, kind: str, parent: str | None, scope: str, now: float) -> None:
        self.org.store.execute(
            "INSERT INTO oauth_tokens (token, kind, parent, scope, issued) VALUES (?, ?, ?, ?, ?)",
            (token, kind, parent, scope, now),
        )

    def _token(self, token: str, kind: str) -> tuple[str | None, str, float] | None:
        rows = self.org.store.select(
            "SELECT parent, scope, issued FROM oauth_tokens WHERE token = ? AND kind = ? "
            "AND revoked = 0",
            (token, kind),
        )
        return rows[0] if rows else None

    def access_valid(self, token: str) -> bool:
        found = self._token(token, "access")
        if found is None:
            return False
        parent, _scope, issued = found
        if parent is not None and self._token(parent, "refresh") is None:
            return False
        return time.time() - issued < float(self.config.get("session_seconds", 7200))

    def expire_access_tokens(self, *, refresh_too: bool = False) -> None:
        store = self.org.store
        store.execute("UPDATE oauth_tokens SET revoked = 1 WHERE kind = 'access'")
        if refresh_too:
            store.execute("UPDATE oauth_tokens SET revoked = 1 WHERE kind = 'refresh'")

    def _revoke(self, token: str) -> bool:
        rows = self.org.store.select(
            "SELECT kind FROM oauth_tokens WHERE token = ? AND revoked = 0", (token,)
        )
        if not rows:
            return False
        with self.org.store.transaction():
            self.org.store.execute("UPDATE oauth_tokens SET revoked = 1 WHERE token = ?", (token,))
            if rows[0][0] == "refresh":
                self.org.store.execute(
                    "UPDATE oauth_tokens SET revoked = 1 WHERE parent = ?", (token,)
                )
        return True

    # -- HTTP ----------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Response:
        route = request.path.rstrip("/").rsplit("/", 1)[-1]
        if route == "authorize" and request.method == "GET":
            return self.authorize(request.args.to_dict(), request)
        if route == "authorize" and request.method == "POST":
            return self.authorize(request.form.to_dict(), request, submitted=True)
        if route == "token" and request.method == "POST":
            try:
                return json_response(self.token(request.form.to_dict()))
            except OAuthError as exc:
                return exc.response()
        if route == "revoke" and request.method in {"POST", "GET"}:
            source = request.form if request.method == "POST" else request.args
            return self.revoke(source.get("token"))
        if route == "userinfo" and request.method in {"GET", "POST"}:
            return self.userinfo(request, openid=True)
        return json_response({"error": "not_found", "error_description": request.path}, 404)

    def authorize(
        self, params: dict[str, str], request: Request, *, submitted: bool = False
    ) -> Response:
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if not secrets.compare_digest(client_id, self.client_id):
            return _error_page("invalid_client_id", "client identifier invalid")
        if redirect_uri not in self.redirect_uris:
            return _error_page("redirect_uri_mismatch", "redirect_uri must match configuration")
        state = params.get("state")

        def back(**query: str) -> Response:
            if state is not None:
                query["state"] = state
            return Response(status=302, headers={"Location": f"{redirect_uri}?{urlencode(query)}"})

        if params.get("response_type") != "code":
            return back(
                error="unsupported_response_type", error_description="response type not supported"
            )
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "S256" if challenge else "")
        if challenge and method != "S256":
            return back(error="invalid_request", error_description="invalid code challenge method")
        if not challenge and self.config.get("require_pkce", True):
            return back(
                error="invalid_request", error_description="missing required code challenge"
            )
        scope = params.get("scope") or DEFAULT_SCOPE
        if not submitted and not self.config.get("auto_approve"):
            return self._page_response(params, "")
        if submitted and params.get("decision") != "allow":
            return back(error="access_denied", error_description="end-user denied authorization")
        if submitted and (
            params.get("username") != DEMO_USERNAME or params.get("password") != DEMO_PASSWORD
        ):
            return self._page_response(
                params,
                "Please check your username and password. If you still can't log in, contact "
                "your Salesforce administrator.",
            )
        code = "aPrx" + _base62(None, 80) + "=="
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, challenge, scope, time.time())
        return back(code=code)

    def _page_response(self, params: dict[str, str], error: str) -> Response:
        keep = {k: v for k, v in params.items() if k not in {"username", "password", "decision"}}
        hidden = "\n    ".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in keep.items()
        )
        scopes = sorted(
            {_SCOPE_TEXT.get(s, s) for s in (params.get("scope") or DEFAULT_SCOPE).split()}
        )
        page = string.Template(self._page).safe_substitute(
            error=html.escape(error),
            client_name="QuickBooks Sync",
            scopes="".join(f"<li>{html.escape(s)}</li>" for s in scopes),
            hidden=hidden,
            username=html.escape(DEMO_USERNAME),
            password=html.escape(DEMO_PASSWORD),
        )
        return Response(page, mimetype="text/html")

    def token(self, form: dict[str, str]) -> dict[str, Any]:
        grant = form.get("grant_type")
        if grant not in {"authorization_code", "refresh_token"}:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        if not secrets.compare_digest(form.get("client_id", ""), self.client_id):
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if grant == "refresh_token":
            return self._refresh(form.get("refresh_token", ""))
        with self._lock:
            code = self._codes.get(form.get("code", ""))
            if code is None:
                raise OAuthError("invalid_grant", "invalid authorization code")
            expired = time.time() - code.issued > float(self.config.get("code_ttl_seconds", 900))
            if code.used or expired:
                raise OAuthError("invalid_grant", "expired authorization code")
            code.used = True
        if form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if code.challenge is not None:
            verifier = form.get("code_verifier", "")
            if not _VERIFIER.match(verifier) or not secrets.compare_digest(
                challenge_for(verifier), code.challenge
            ):
                raise OAuthError("invalid_grant", "invalid code verifier")
        return self.issue(code.scope)

    def _refresh(self, refresh: str) -> dict[str, Any]:
        found = self._token(refresh, "refresh")
        if found is None:
            raise OAuthError("invalid_grant", "expired access/refresh token")
        scope = found[1]
        if not self.config.get("rotate_refresh_tokens"):
            return self.issue(scope, refresh=refresh)
        body = self.issue(scope)
        self.org.store.execute("UPDATE oauth_tokens SET revoked = 1 WHERE token = ?", (refresh,))
        # Access tokens already issued from the old refresh token stay valid until they expire.
        self.org.store.execute(
            "UPDATE oauth_tokens SET parent = ? WHERE parent = ? AND kind = 'access'",
            (body["refresh_token"], refresh),
        )
        return body

    def revoke(self, token: str | None) -> Response:
        if not token:
            return OAuthError(
                "unsupported_token_type", "this token type is not supported"
            ).response()
        if not self._revoke(token):
            return OAuthError("invalid_token", "invalid token").response()
        return Response(status=200)

    def bearer(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        kind, _, token = header.partition(" ")
        if kind.lower() in {"bearer", "oauth"} and token.strip():
            return token.strip()
        return request.args.get("oauth_token")

    def userinfo(self, request: Request, *, openid: bool) -> Response:
        token = self.bearer(request)
        if token is None or not self.access_valid(token):
            return Response("Bad_OAuth_Token", status=403, mimetype="text/plain")
        user = self.org.store.get(self.org.schema.stored_object("User"), self.org.user_id) or {}
        base = self.config["instance_url"]
        version = "62.0"
        urls = {
            "enterprise": f"{base}/services/Soap/c/{version}/{self.org.org_id}",
            "rest": f"{base}/services/data/v{version}/",
            "sobjects": f"{base}/services/data/v{version}/sobjects/",
            "query": f"{base}/services/data/v{version}/query/",
            "profile": f"{base}/{self.org.user_id}",
        }
        facts = [
            ("preferred_username", "username", user.get("Username")),
            ("nickname", "nick_name", user.get("Alias")),
            ("name", "display_name", user.get("Name")),
            ("email", "email", user.get("Email")),
            ("email_verified", "email_verified", True),
            ("given_name", "first_name", user.get("FirstName")),
            ("family_name", "last_name", user.get("LastName")),
            ("zoneinfo", "timezone", "America/Los_Angeles"),
            ("active", "active", True),
            ("user_type", "user_type", "STANDARD"),
            ("language", "language", "en_US"),
            ("locale", "locale", "en_US"),
            ("utcOffset", "utcOffset", -28800000),
            ("urls", "urls", urls),
        ]
        ids = {"user_id": self.org.user_id, "organization_id": self.org.org_id}
        if openid:
            body = {"sub": self.identity_url(), **ids, **{key: v for key, _, v in facts}}
        else:
            head = {"id": self.identity_url(), "asserted_user": True, **ids}
            body = {**head, **{key: v for _, key, v in facts}}
        return json_response(body)


def _error_page(error: str, description: str) -> Response:
    """Salesforce shows an error page (no redirect) when the client or callback is not trusted."""
    text = f"error={error}&error_description={description.replace(' ', '%20')}"
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head>'
        f"<body><h1>Remote access application error</h1><p>{html.escape(text)}</p></body></html>"
    )
    return Response(page, status=400, mimetype="text/html")
