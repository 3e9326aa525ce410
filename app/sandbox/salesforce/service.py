"""The Salesforce sandbox as a WSGI app: OAuth, identity, the REST API, config and faults."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from werkzeug.wrappers import Request, Response

from app.sandbox._http import Fault, RequestHead, SandboxApp, json_response
from app.sandbox.salesforce import faults, permissions, uri_limits
from app.sandbox.salesforce.calls import DATA_PREFIX, Call, Reply, split_url
from app.sandbox.salesforce.errors import ApiError, not_found, session_invalid
from app.sandbox.salesforce.limits import DEFAULT_DAILY_LIMIT, ApiUsage
from app.sandbox.salesforce.metadata_api import PREFIX as METADATA_PREFIX
from app.sandbox.salesforce.metadata_api import MetadataApi
from app.sandbox.salesforce.oauth import DEFAULT_REDIRECT, OAuth
from app.sandbox.salesforce.org import Org
from app.sandbox.salesforce.rest import RestApi
from app.sandbox.salesforce.schema import ValidationRule

API_VERSIONS = (
    ("Winter '25", "62.0"),
    ("Spring '25", "63.0"),
    ("Summer '25", "64.0"),
    ("Winter '26", "65.0"),
    ("Spring '26", "66.0"),
)
#: Oldest version still served; 7.0 through 30.0 are retired. Salesforce Help, "Salesforce Platform
#: API Versions 21.0 through 30.0 Retirement": a retired version's REST calls answer 410 GONE,
#: https://help.salesforce.com/s/articleView?id=000354473&type=1 . A version newer than the org's
#: release does not exist: 404 NOT_FOUND, "The requested resource does not exist" (REST API
#: Developer Guide, "Status Codes and Error Responses",
#: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm).
OLDEST_VERSION = 31.0
_FLAGS = ("auto_approve", "rotate_refresh_tokens", "require_pkce")
_SECONDS = ("session_seconds", "code_ttl_seconds", "commit_lag_seconds")


class SalesforceApp(SandboxApp):
    def __init__(
        self,
        org: Org,
        *,
        seed: int,
        admin_token: str | None = None,
        rotate_refresh_tokens: bool = False,
    ) -> None:
        super().__init__(admin_token=admin_token, fault_seed=seed)
        self.org = org
        self.config.update(
            instance_url="",
            login_url="",
            auto_approve=False,
            rotate_refresh_tokens=rotate_refresh_tokens,
            require_pkce=True,
            session_seconds=7200,
            code_ttl_seconds=900,
            commit_lag_seconds=0,
            daily_limit=DEFAULT_DAILY_LIMIT,
            redirect_uris=[DEFAULT_REDIRECT],
            missing=org.schema.missing,
            validation_rules=[r.to_json() for r in org.schema.rules],
        )
        self.oauth = OAuth(org, self.config, seed, login_url=lambda: str(self.config["login_url"]))
        self.usage = ApiUsage(org, self.config)
        self.rest = RestApi(org, self.usage)
        self.config["account_duplicate_rule"] = self.rest.writer.duplicate_rule.to_json()
        permissions.ensure(org)
        self.config["user_profile"] = permissions.profile(org)
        self.metadata = MetadataApi(org, self.oauth.access_valid, self._schema_changed)
        self.metadata.restore()

    def _schema_changed(self) -> None:
        self.config["missing"] = self.org.schema.missing

    # -- config --------------------------------------------------------------------------------
    def apply_config(self, changes: dict[str, Any]) -> None:
        known = {
            "latency_ms",
            "instance_url",
            "login_url",
            "daily_limit",
            "api_usage",
            "redirect_uris",
            "missing",
            "validation_rules",
            "account_duplicate_rule",
            "user_profile",
            *_FLAGS,
            *_SECONDS,
        }
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown config keys: {', '.join(unknown)}")
        changes = dict(changes)
        for key in _FLAGS:
            if key in changes and not isinstance(changes[key], bool):
                raise ValueError(f"{key} must be true or false")
        for key in _SECONDS:
            if key in changes and (not isinstance(changes[key], int | float) or changes[key] < 0):
                raise ValueError(f"{key} must be a number >= 0")
        if "daily_limit" in changes and (
            not isinstance(changes["daily_limit"], int) or changes["daily_limit"] < 1
        ):
            raise ValueError("daily_limit must be a whole number >= 1")
        uris = changes.get("redirect_uris")
        if uris is not None and (
            not isinstance(uris, list) or not all(isinstance(u, str) for u in uris)
        ):
            raise ValueError("redirect_uris must be a list of URLs")
        if "api_usage" in changes:
            used = changes.pop("api_usage")
            if not isinstance(used, int) or used < 0:
                raise ValueError("api_usage must be a whole number >= 0")
            self.usage.set_used(used)
        if "commit_lag_seconds" in changes:
            self.org.clock.commit_lag = timedelta(seconds=changes["commit_lag_seconds"])
        if "missing" in changes:
            self.org.schema.set_missing(list(changes["missing"] or []))
            changes["missing"] = self.org.schema.missing
        if "account_duplicate_rule" in changes:
            rule = self.rest.writer.duplicate_rule
            changes["account_duplicate_rule"] = rule.configure(changes["account_duplicate_rule"])
        if "user_profile" in changes:
            permissions.set_profile(self.org, str(changes["user_profile"]))
        if "validation_rules" in changes:
            rules = [ValidationRule.from_json(r) for r in changes["validation_rules"] or []]
            self.org.schema.set_rules(rules)
            changes["validation_rules"] = [r.to_json() for r in rules]
        super().apply_config(changes)

    # -- requests ------------------------------------------------------------------------------
    def fault_response(self, fault: Fault, request: Request) -> Response | None:
        return faults.fault_response(self, fault, request)

    def refuse_request_head(self, head: RequestHead) -> Response | None:
        return uri_limits.refusal(head)

    def logged_parts(self, request: Request) -> tuple[str, ...]:
        if request.method != "POST" or not request.path.rstrip("/").endswith("/composite"):
            return ()
        try:
            body = json.loads(request.get_data())
            return tuple(f"{sub['method']} {sub['url']}" for sub in body["compositeRequest"])
        except (ValueError, KeyError, TypeError):
            return ()

    def dispatch(self, request: Request) -> Response:
        path = request.path
        if path.startswith("/services/oauth2/"):
            return self.oauth.dispatch(request)
        if path.startswith("/id/"):
            return self.oauth.userinfo(request, openid=False)
        if path.rstrip("/") == DATA_PREFIX.rstrip("/"):
            return json_response(
                [
                    {"label": label, "url": f"/services/data/v{v}", "version": v}
                    for label, v in API_VERSIONS
                ]
            )
        if path.startswith(DATA_PREFIX):
            return self._data_api(request)
        if path.startswith(METADATA_PREFIX):
            return self.metadata.dispatch(request)
        return json_response(not_found().body(), 404)

    def _data_api(self, request: Request) -> Response:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        if not raw:
            query = request.query_string.decode("latin-1")
            raw = quote(request.path) + (f"?{query}" if query else "")
        parsed = split_url(raw)
        if parsed is None:
            return json_response(not_found().body(), 404)
        token = self.oauth.bearer(request)
        if token is None or not self.oauth.access_valid(token):
            return json_response(session_invalid().body(), 401)
        limit_header = {"Sforce-Limit-Info": ""}
        try:
            self.usage.take()
        except ApiError as exc:
            limit_header["Sforce-Limit-Info"] = self.usage.header()
            return json_response(exc.body(), exc.status, limit_header)
        version, segments, args = parsed
        unsupported = _unsupported_version(version)
        if unsupported is not None:
            return unsupported
        call = Call(
            method=request.method,
            version=version,
            segments=segments,
            args=args,
            headers=request.headers,
            raw=request.get_data(),
            lock=faults.row_lock(request),
        )
        reply = self.rest.handle(call)
        limit_header["Sforce-Limit-Info"] = self.usage.header()
        return _response(reply, limit_header)


def _unsupported_version(version: str) -> Response | None:
    number = float(version)
    if number > max(float(v) for _, v in API_VERSIONS):
        return json_response(not_found().body(), 404)
    if number < OLDEST_VERSION:
        return json_response(not_found().body(), 410)
    return None


def _response(reply: Reply, extra: dict[str, str]) -> Response:
    headers = {**reply.headers, **extra}
    if reply.status == 204 or (reply.body is None and reply.status < 300):
        return Response(status=reply.status, headers=headers)
    if reply.content_type == "application/json":
        return json_response(reply.body, reply.status, headers)
    return Response(
        reply.body, status=reply.status, headers=headers, content_type=reply.content_type
    )
