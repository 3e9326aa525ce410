"""Salesforce sign-in: OAuth 2.0 web server flow with PKCE and a loopback redirect, like
`sf org login web`; token refresh with rotation; sign-out that revokes the token.

The refresh token goes to the keyring and nowhere else; the access token lives in memory only.
Settings keep who is connected: `salesforce.username`, `.org_id`, `.instance_url`,
`.login_url` (the host that issued the tokens, used again to refresh and revoke) and `.client_id`.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import requests

from app.domain.errors import (
    UserError,
    UserFacingError,
    from_oauth,
    keyring_locked,
    keyring_missing,
    no_network,
    salesforce_refresh_scope_missing,
    sign_in_cancelled,
    sign_in_timed_out,
)
from app.platform.credentials import CredentialError, CredentialStore, KeyringLockedError, Secret
from app.salesforce.loopback import LoopbackListener
from app.store import Store
from app.store.settings import (
    SALESFORCE_CLIENT_ID,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_LOGIN_URL,
    SALESFORCE_ORG_ID,
    SALESFORCE_SIGNED_IN,
    SALESFORCE_USERNAME,
)

log = logging.getLogger(__name__)

PRODUCTION_LOGIN_URL = "https://login.salesforce.com"
SANDBOX_LOGIN_URL = "https://test.salesforce.com"
LOGIN_HOST_CHOICES = {"production": PRODUCTION_LOGIN_URL, "sandbox": SANDBOX_LOGIN_URL}
DEFAULT_PORT = 1717
SIGN_IN_TIMEOUT_S = 120.0
SCOPES = "api refresh_token"
HTTP_TIMEOUT_S = 30.0
_SALESFORCE_DOMAINS = (
    ".salesforce.com",
    ".force.com",
    ".cloudforce.com",
    ".salesforce.mil",
    ".sfcrmproducts.cn",
)
_LOOPBACK_NAMES = {"localhost"}


class LoginHostError(ValueError):
    """A login host the app will not send a password page or tokens to; the text says why."""


class SalesforceOAuthError(UserFacingError):
    """A refusal from Salesforce's OAuth endpoints; `oauth_error` is its `error` field."""

    def __init__(self, error: UserError, oauth_error: str | None = None) -> None:
        super().__init__(error)
        self.oauth_error = oauth_error


# -- login host -------------------------------------------------------------------------------
def normalize_login_url(value: str) -> str:
    """`production`, `sandbox`, or a My Domain URL, as `scheme://host[:port]`.

    Only https to a Salesforce domain, or any scheme to this computer's loopback address (where
    the built-in sandbox signs in): the person types a password on that page.
    """
    text = (value or "").strip()
    if text.lower() in LOGIN_HOST_CHOICES:
        return LOGIN_HOST_CHOICES[text.lower()]
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError as exc:
        raise LoginHostError(f"{value!r} is not a web address.") from exc
    host = (url.hostname or "").lower()
    if not host or url.username or url.password or url.query or url.fragment:
        raise LoginHostError(
            f"{value!r} is not a Salesforce sign-in address. Use production, sandbox, or your "
            "My Domain address, such as https://yourcompany.my.salesforce.com."
        )
    if url.path not in ("", "/"):
        raise LoginHostError(
            f"Use only the address's host, without a path: "
            f"{url.scheme}://{url.netloc} instead of {value!r}."
        )
    if _is_loopback(host):
        if url.scheme not in ("http", "https"):
            raise LoginHostError(f"{value!r} must start with https:// or http://.")
    elif url.scheme != "https":
        raise LoginHostError(
            f"{value!r} must start with https://: Salesforce sign-in never uses plain http."
        )
    elif host.endswith(".lightning.force.com"):
        my_domain = host.removesuffix(".lightning.force.com") + ".my.salesforce.com"
        raise LoginHostError(
            f"{host} is the address of Salesforce's pages, not of its sign-in. Use "
            f"https://{my_domain} instead."
        )
    elif not host.endswith(_SALESFORCE_DOMAINS):
        raise LoginHostError(
            f"{host} is not a Salesforce address. Use production, sandbox, or your My Domain "
            "address, such as https://yourcompany.my.salesforce.com."
        )
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port is None else f"[{host}]:{port}"
    return f"{url.scheme}://{netloc}"


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


# -- PKCE ---------------------------------------------------------------------------------
def new_verifier() -> str:
    """86 characters of base64url; no `~`, which Salesforce rejects."""
    return base64.urlsafe_b64encode(secrets.token_bytes(64)).rstrip(b"=").decode("ascii")


def challenge_for(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def new_state() -> str:
    return secrets.token_urlsafe(32)


def authorize_url(
    login_url: str, client_id: str, redirect_uri: str, challenge: str, state: str
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": state,
            "scope": SCOPES,
            "prompt": "login",
        }
    )
    return f"{login_url}/services/oauth2/authorize?{query}"


# -- token endpoint -------------------------------------------------------------------------
@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    instance_url: str
    identity_url: str = ""

    def __repr__(self) -> str:
        return (
            f"Tokens(instance_url={self.instance_url!r}, refresh={self.refresh_token is not None})"
        )


@dataclass(frozen=True)
class Identity:
    username: str
    org_id: str
    user_id: str
    name: str = ""
    email: str = ""


class OAuthClient:
    """Salesforce's OAuth endpoints at one login host. TLS is always verified."""

    def __init__(
        self,
        login_url: str,
        client_id: str,
        *,
        verify: str | bool = True,
        timeout_s: float = HTTP_TIMEOUT_S,
    ) -> None:
        if verify is False:
            raise ValueError("TLS verification cannot be turned off")
        self.login_url = login_url.rstrip("/")
        self.client_id = client_id
        self._verify = verify
        self._timeout = timeout_s
        self._http = requests.Session()

    def close(self) -> None:
        self._http.close()

    def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> Tokens:
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            }
        )

    def refresh(self, refresh_token: str) -> Tokens:
        return self._token(
            {
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": self.client_id,
            }
        )

    def revoke(self, token: str) -> None:
        """Ends the sign-in at Salesforce; a token Salesforce no longer knows counts as ended."""
        response = self._post("/services/oauth2/revoke", {"token": token})
        if response.status_code == 200:
            return
        error, description = _oauth_error(response)
        if error in {"invalid_token", "unsupported_token_type"}:
            log.info("Salesforce already considered the sign-in ended (%s)", error)
            return
        raise SalesforceOAuthError(from_oauth(error, description), error)

    def userinfo(self, instance_url: str, access_token: str) -> Identity:
        url = f"{instance_url.rstrip('/')}/services/oauth2/userinfo"
        try:
            response = self._http.get(
                url,
                headers={"Authorization": f"Bearer {access_token}"},
                verify=self._verify,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            raise UserFacingError(no_network("Salesforce", type(exc).__name__)) from exc
        if response.status_code != 200:
            raise SalesforceOAuthError(
                from_oauth("invalid_grant", f"userinfo answered HTTP {response.status_code}"),
                "invalid_grant",
            )
        body = response.json()
        return Identity(
            username=str(body.get("preferred_username") or body.get("username") or ""),
            org_id=str(body.get("organization_id") or ""),
            user_id=str(body.get("user_id") or ""),
            name=str(body.get("name") or body.get("display_name") or ""),
            email=str(body.get("email") or ""),
        )

    def _token(self, form: dict[str, str]) -> Tokens:
        response = self._post("/services/oauth2/token", form)
        if response.status_code != 200:
            error, description = _oauth_error(response)
            raise SalesforceOAuthError(from_oauth(error, description), error)
        body = response.json()
        return Tokens(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token"),
            instance_url=str(body["instance_url"]).rstrip("/"),
            identity_url=str(body.get("id") or ""),
        )

    def _post(self, path: str, form: dict[str, str]) -> requests.Response:
        try:
            return self._http.post(
                self.login_url + path,
                data=form,
                headers={"Accept": "application/json"},
                verify=self._verify,
                timeout=self._timeout,
            )
        except requests.RequestException as exc:
            # The exception's text can quote the request; only its kind goes further.
            raise UserFacingError(no_network("Salesforce", type(exc).__name__)) from exc


def _oauth_error(response: requests.Response) -> tuple[str, str]:
    try:
        body: Any = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return (
        str(body.get("error") or f"http_{response.status_code}"),
        str(body.get("error_description") or ""),
    )


# -- the sign-in ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedIn:
    tokens: Tokens
    identity: Identity
    login_url: str
    client_id: str


class SalesforceSignIn:
    """One browser sign-in. `start()` listens and gives the link to open; `wait()` finishes.

    `cancel()` may be called from any thread; `wait()` then ends with a "cancelled" error.
    """

    def __init__(
        self,
        login_url: str,
        client_id: str,
        *,
        port: int = DEFAULT_PORT,
        verify: str | bool = True,
        timeout_s: float = SIGN_IN_TIMEOUT_S,
    ) -> None:
        client_id = client_id.strip()
        if not client_id:
            raise ValueError("a consumer key is needed")
        self.login_url = normalize_login_url(login_url)
        self.client_id = client_id
        self.timeout_s = timeout_s
        self.cancelled = threading.Event()
        self._verifier = new_verifier()
        self._state = new_state()
        self._listener = LoopbackListener(port, self._state)
        self._oauth = OAuthClient(self.login_url, client_id, verify=verify)
        self.url = authorize_url(
            self.login_url,
            client_id,
            self._listener.redirect_uri,
            challenge_for(self._verifier),
            self._state,
        )

    @property
    def redirect_uri(self) -> str:
        return self._listener.redirect_uri

    def start(self) -> str:
        self._listener.start()
        return self.url

    def cancel(self) -> None:
        self.cancelled.set()

    def wait(self, on_signed_in: Callable[[SignedIn], None] | None = None) -> SignedIn:
        """`on_signed_in` (saving the sign-in, say) runs before the browser is told the outcome,
        so the page never says "signed in" when the app could not keep it."""
        try:
            callback = self._listener.wait(self.timeout_s, self.cancelled)
            if callback is None:
                if self.cancelled.is_set():
                    raise UserFacingError(sign_in_cancelled())
                raise UserFacingError(sign_in_timed_out(self.timeout_s))
            if callback.error or not callback.code:
                error = callback.error or "access_denied"
                raise SalesforceOAuthError(from_oauth(error, callback.error_description), error)
            tokens = self._oauth.exchange_code(callback.code, self._verifier, self.redirect_uri)
            if not tokens.refresh_token:
                raise UserFacingError(salesforce_refresh_scope_missing())
            identity = self._oauth.userinfo(tokens.instance_url, tokens.access_token)
            signed_in = SignedIn(tokens, identity, self.login_url, self.client_id)
            if on_signed_in is not None:
                _keeping_keyring_errors(on_signed_in, signed_in)
        except UserFacingError as exc:
            self._listener.finish(False, exc.error.title, exc.error.what_to_do)
            raise
        self._listener.finish(
            True,
            "Signed in to Salesforce",
            f"Connected as {identity.username}. You can close this window.",
        )
        return signed_in

    def close(self) -> None:
        self._listener.close()
        self._oauth.close()

    def __enter__(self) -> SalesforceSignIn:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _keeping_keyring_errors(action: Callable[[SignedIn], None], signed_in: SignedIn) -> None:
    try:
        action(signed_in)
    except KeyringLockedError as exc:
        raise UserFacingError(keyring_locked(f"{exc.title}: {exc.message}")) from exc
    except CredentialError as exc:
        raise UserFacingError(keyring_missing(f"{exc.title}: {exc.message}")) from exc


def save_sign_in(store: Store, credentials: CredentialStore, signed_in: SignedIn) -> None:
    """The refresh token into the keyring first: if that fails, nothing claims a connection."""
    assert signed_in.tokens.refresh_token is not None
    credentials.set(Secret.SALESFORCE_REFRESH_TOKEN, signed_in.tokens.refresh_token)
    with store.transaction():
        store.set(SALESFORCE_LOGIN_URL, signed_in.login_url)
        store.set(SALESFORCE_CLIENT_ID, signed_in.client_id)
        store.set(SALESFORCE_INSTANCE_URL, signed_in.tokens.instance_url)
        store.set(SALESFORCE_USERNAME, signed_in.identity.username)
        store.set(SALESFORCE_ORG_ID, signed_in.identity.org_id)
    log.info(
        "Signed in to Salesforce as %s (org %s) at %s",
        signed_in.identity.username,
        signed_in.identity.org_id,
        signed_in.tokens.instance_url,
    )


@dataclass(frozen=True)
class SignOut:
    """`revoked`: Salesforce confirmed; otherwise `problem` says why it could not be asked."""

    revoked: bool
    problem: UserError | None = None


def sign_out(store: Store, credentials: CredentialStore, *, verify: str | bool = True) -> SignOut:
    """Revokes the refresh token at the login host that issued it, then forgets the sign-in.

    The local secrets go even when Salesforce cannot be reached: the person asked to disconnect.
    """
    token = credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
    login_url = store.get(SALESFORCE_LOGIN_URL) or PRODUCTION_LOGIN_URL
    client_id = store.get(SALESFORCE_CLIENT_ID)
    result = SignOut(revoked=token is None)
    if token is not None:
        client = OAuthClient(login_url, client_id, verify=verify)
        try:
            client.revoke(token)
            result = SignOut(revoked=True)
        except UserFacingError as exc:
            result = SignOut(revoked=False, problem=exc.error)
        finally:
            client.close()
    credentials.delete(Secret.SALESFORCE_REFRESH_TOKEN)
    with store.transaction():
        for setting in SALESFORCE_SIGNED_IN:
            store.clear(setting)
    log.info("Signed out of Salesforce (revoked at Salesforce: %s)", result.revoked)
    return result


# -- refresh ------------------------------------------------------------------------------
class _LoginSettings(Protocol):
    @property
    def login_url(self) -> str | None: ...

    @property
    def client_id(self) -> str | None: ...


class KeyringRefresherFactory:
    """Makes the function that trades the keyring's refresh token for a new access token.

    When the org rotates refresh tokens, the new one is saved before the access token is
    returned; a refresh token another process rotated meanwhile is picked up and tried once.
    """

    def __init__(self, credentials: CredentialStore, *, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        self.credentials = credentials
        self.timeout_s = timeout_s
        self._lock = threading.Lock()

    def __call__(self, settings: _LoginSettings, verify: str | bool) -> Callable[[], str]:
        client_id = settings.client_id or ""
        login_url = settings.login_url or PRODUCTION_LOGIN_URL
        client = OAuthClient(login_url, client_id, verify=verify, timeout_s=self.timeout_s)

        def refresh() -> str:
            with self._lock:
                used = self._stored()
                try:
                    tokens = client.refresh(used)
                except SalesforceOAuthError as exc:
                    if exc.oauth_error != "invalid_grant" or self._stored() == used:
                        raise
                    used = self._stored()
                    tokens = client.refresh(used)
                if tokens.refresh_token and tokens.refresh_token != used:
                    self.credentials.set(Secret.SALESFORCE_REFRESH_TOKEN, tokens.refresh_token)
                return tokens.access_token

        return refresh

    def _stored(self) -> str:
        token = self.credentials.get(Secret.SALESFORCE_REFRESH_TOKEN)
        if not token:
            raise SalesforceOAuthError(
                from_oauth("invalid_grant", "no saved sign-in on this computer"), "invalid_grant"
            )
        return token
