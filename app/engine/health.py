"""One health model for the tray, `status` and `doctor`: inputs in, one status out. No Qt.

Status precedence, first that applies wins:

1. NOT_SET_UP: QuickBooks or Salesforce is not connected, or the QuickBooks setup was started
   but never finished at the QuickBooks PC.
2. SYNCING: a sync is running (problems found meanwhile still travel with it as `error`).
3. NEEDS_ATTENTION: someone must act at the QuickBooks PC (a dialog open, QuickBooks closed, Web
   Connector off), or the share of Salesforce's daily requests this app may use is spent.
4. ERROR: setup or sign-in is broken: key refused, sign-in expired, fields missing in Salesforce,
   password store locked. Nothing passes until someone changes a setting.
5. OFFLINE: a service cannot be reached right now; it passes by itself.
6. HEALTHY: every check passed.

Within one status the parts are ordered: this PC, QuickBooks, Salesforce, schema, API use.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.domain.errors import (
    ErrorKind,
    UserError,
    UserFacingError,
    salesforce_limit_reserve,
)
from app.domain.fieldmap import MappingConfig
from app.domain.mapping_file import MappingFileError, default_mapping, parse_mapping
from app.engine.connections import (
    DEFAULT_CONDUCTOR_URL,
    NotConnectedError,
    quickbooks_from,
    salesforce_from,
)
from app.engine.context import enabled_workflows
from app.engine.failures import failure_for
from app.platform.credentials import CredentialError, CredentialStore, Secret
from app.quickbooks import QuickBooks
from app.quickbooks.errors import QuickBooksError
from app.salesforce.client import SalesforceClient
from app.salesforce.errors import SalesforceError
from app.salesforce.oauth import KeyringRefresherFactory
from app.salesforce.schema_check import check_schema
from app.store import Store
from app.store.settings import (
    API_RESERVE,
    CONDUCTOR_BASE_URL,
    CONDUCTOR_END_USER_ID,
    HEALTH_LAST_CHECK,
    SALESFORCE_INSTANCE_URL,
    SALESFORCE_ORG_ID,
    SALESFORCE_USERNAME,
)

log = logging.getLogger(__name__)

DEFAULT_API_RESERVE = 0.10
LINE_LIMIT = 127


class Status(StrEnum):
    """Declared in precedence order: an earlier member wins over a later one."""

    NOT_SET_UP = "not_set_up"
    SYNCING = "syncing"
    NEEDS_ATTENTION = "needs_attention"
    ERROR = "error"
    OFFLINE = "offline"
    HEALTHY = "healthy"

    @property
    def rank(self) -> int:
        return list(Status).index(self)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Status.NOT_SET_UP: "Not set up",
    Status.SYNCING: "Syncing",
    Status.NEEDS_ATTENTION: "Needs attention",
    Status.ERROR: "Error",
    Status.OFFLINE: "Offline",
    Status.HEALTHY: "Healthy",
}


class Part(StrEnum):
    THIS_PC = "this_pc"
    QUICKBOOKS = "quickbooks"
    SALESFORCE = "salesforce"
    SCHEMA = "schema"
    API = "api"


@dataclass(frozen=True)
class Probe:
    """One check's outcome: passed, or failed with the error to show. `detail` is for people."""

    ok: bool
    error: UserError | None = None
    detail: str = ""


@dataclass(frozen=True)
class ApiUsage:
    used: int
    max: int

    @property
    def remaining(self) -> int:
        return max(self.max - self.used, 0)


@dataclass(frozen=True)
class HealthInputs:
    quickbooks_set_up: bool
    salesforce_set_up: bool
    quickbooks: Probe | None = None
    salesforce: Probe | None = None
    schema: Probe | None = None
    api: ApiUsage | None = None
    api_reserve: float = DEFAULT_API_RESERVE
    syncing: bool = False
    #: A fault of this PC that stops every check, such as a locked password store.
    local_error: UserError | None = None


@dataclass(frozen=True)
class Problem:
    part: Part
    status: Status
    error: UserError


@dataclass(frozen=True)
class Health:
    status: Status
    line: str
    error: UserError | None = None
    problems: tuple[Problem, ...] = ()
    inputs: HealthInputs | None = field(default=None, compare=False)


# -- the pure part ----------------------------------------------------------------------------
def evaluate(inputs: HealthInputs) -> Health:
    inputs = name_the_unreachable(inputs)
    problems = sorted(_problems(inputs), key=lambda p: (p.status.rank, list(Part).index(p.part)))
    not_set_up = [p for p in problems if p.status is Status.NOT_SET_UP]
    if not inputs.quickbooks_set_up or not inputs.salesforce_set_up or not_set_up:
        error = not_set_up[0].error if not_set_up else None
        return Health(
            Status.NOT_SET_UP, _not_set_up_line(inputs, error), error, tuple(problems), inputs
        )
    worst = problems[0] if problems else None
    if inputs.syncing:
        error = worst.error if worst else None
        return Health(Status.SYNCING, "Syncing…", error, tuple(problems), inputs)
    if worst is None:
        return Health(Status.HEALTHY, _healthy_line(inputs), None, (), inputs)
    return Health(worst.status, _problem_line(worst, inputs), worst.error, tuple(problems), inputs)


UNREACHABLE_CODE = "local.no_network"


def name_the_unreachable(inputs: HealthInputs) -> HealthInputs:
    """Each unreachable service is named by its own error; only when neither Conductor nor
    Salesforce answered is it this computer's internet connection."""
    probes = (inputs.quickbooks, inputs.salesforce)
    if not all(
        p is not None and p.error is not None and p.error.code == UNREACHABLE_CODE for p in probes
    ):
        return inputs
    return replace(
        inputs,
        quickbooks=_no_internet(inputs.quickbooks),
        salesforce=_no_internet(inputs.salesforce),
    )


def _no_internet(probe: Probe | None) -> Probe | None:
    if probe is None or probe.error is None:
        return probe
    error = replace(
        probe.error,
        title="No internet connection",
        what_happened="Neither Conductor (QuickBooks) nor Salesforce answered.",
        what_to_do="Check this computer's internet connection, then try again.",
    )
    return replace(probe, error=error)


def status_for(error: UserError) -> Status:
    """Where one error puts the tray."""
    if error.code.startswith("conductor.INTEGRATION_CONNECTION_NOT_SET_UP"):
        return Status.NOT_SET_UP
    if error.code == "salesforce.REQUEST_LIMIT_EXCEEDED":
        return Status.NEEDS_ATTENTION
    if error.kind is ErrorKind.CONNECTION:
        return Status.NEEDS_ATTENTION
    if error.kind is ErrorKind.TRANSIENT:
        return Status.OFFLINE
    return Status.ERROR


def api_reserve_reached(api: ApiUsage, reserve: float) -> bool:
    return api.max > 0 and api.remaining < api.max * reserve


def _problems(inputs: HealthInputs) -> Iterable[Problem]:
    if inputs.local_error is not None:
        yield Problem(Part.THIS_PC, Status.ERROR, inputs.local_error)
    for part, probe in (
        (Part.QUICKBOOKS, inputs.quickbooks),
        (Part.SALESFORCE, inputs.salesforce),
        (Part.SCHEMA, inputs.schema),
    ):
        if probe is not None and not probe.ok and probe.error is not None:
            yield Problem(part, status_for(probe.error), probe.error)
    if inputs.api is not None and api_reserve_reached(inputs.api, inputs.api_reserve):
        error = salesforce_limit_reserve(inputs.api.used, inputs.api.max)
        yield Problem(Part.API, Status.NEEDS_ATTENTION, error)


def _not_set_up_line(inputs: HealthInputs, error: UserError | None) -> str:
    if error is not None:
        return _fit(error.title)
    missing = []
    if not inputs.quickbooks_set_up:
        missing.append("connect QuickBooks")
    if not inputs.salesforce_set_up:
        missing.append("sign in to Salesforce")
    text = " and ".join(missing or ["finish the setup"])
    return _fit(text[0].upper() + text[1:])


def _problem_line(problem: Problem, inputs: HealthInputs) -> str:
    if problem.part is Part.API and inputs.api is not None:
        return _fit(
            f"Paused: {inputs.api.used:,} of {inputs.api.max:,} Salesforce requests used today"
        )
    return _fit(problem.error.title)


def _healthy_line(inputs: HealthInputs) -> str:
    line = "QuickBooks and Salesforce are connected"
    if inputs.api is not None and inputs.api.max:
        line += f"; {inputs.api.remaining:,} Salesforce requests left today"
    return _fit(line)


def _fit(text: str) -> str:
    return text if len(text) <= LINE_LIMIT else text[: LINE_LIMIT - 1].rstrip() + "…"


# -- gathering the inputs -------------------------------------------------------------------
def probe_quickbooks(quickbooks: QuickBooks) -> Probe:
    try:
        duration = quickbooks.health()
    except QuickBooksError as exc:
        return Probe(False, failure_for(exc).error)
    return Probe(True, detail=f"QuickBooks answered in {format_duration(duration)}")


def format_duration(milliseconds: float) -> str:
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"


def probe_salesforce(salesforce: SalesforceClient) -> tuple[Probe, ApiUsage | None]:
    """The sign-in still works (a `limits` call, which also tells the day's API use)."""
    try:
        limits = salesforce.limits()
    except (SalesforceError, UserFacingError) as exc:
        return Probe(False, failure_for(exc).error), None
    daily = limits.get("DailyApiRequests") or {}
    maximum, remaining = int(daily.get("Max") or 0), int(daily.get("Remaining") or 0)
    usage = ApiUsage(used=maximum - remaining, max=maximum) if maximum else None
    return Probe(True, detail=f"Signed in at {salesforce.instance_url}"), usage


def probe_schema(
    salesforce: SalesforceClient,
    workflows: Iterable[str] | None = None,
    mapping: MappingConfig | None = None,
) -> Probe:
    try:
        report = check_schema(salesforce, workflows, mapping)
    except (SalesforceError, UserFacingError) as exc:
        return Probe(False, failure_for(exc).error)
    if report.ok:
        return Probe(True, detail=f"Checked {len(report.checked)} Salesforce objects")
    return Probe(False, report.user_error)


def check_health(
    quickbooks: QuickBooks | None,
    salesforce: SalesforceClient | None,
    *,
    syncing: bool = False,
    api_reserve: float = DEFAULT_API_RESERVE,
    schema: bool = True,
    workflows: Iterable[str] | None = None,
    mapping: MappingConfig | None = None,
) -> Health:
    """Runs the checks for the clients given (None: that side is not set up)."""
    qb_probe = probe_quickbooks(quickbooks) if quickbooks is not None else None
    sf_probe, api, schema_probe = None, None, None
    if salesforce is not None:
        sf_probe, api = probe_salesforce(salesforce)
        if schema and sf_probe.ok:
            schema_probe = probe_schema(salesforce, workflows, mapping)
    return evaluate(
        HealthInputs(
            quickbooks_set_up=quickbooks is not None,
            salesforce_set_up=salesforce is not None,
            quickbooks=qb_probe,
            salesforce=sf_probe,
            schema=schema_probe,
            api=api,
            api_reserve=api_reserve,
            syncing=syncing,
        )
    )


def check_configured(
    store: Store,
    credentials: CredentialStore,
    data_dir: Path,
    *,
    mapping_file: Path | None = None,
    syncing: bool = False,
    schema: bool = True,
) -> Health:
    """The checks for what this PC is set up with (settings + keyring, or QBSF_* variables)."""
    reserve = store.get(API_RESERVE)
    quickbooks: QuickBooks | None = None
    salesforce: SalesforceClient | None = None
    qb_set_up = sf_set_up = True
    sf_probe = None
    local_error = None
    try:
        quickbooks = _without_retries(quickbooks_from(store, credentials))
    except NotConnectedError:
        qb_set_up = False
    except CredentialError as exc:
        local_error = failure_for(exc).error
        qb_set_up = bool(store.get(CONDUCTOR_END_USER_ID))
    try:
        salesforce = salesforce_from(
            store, credentials, data_dir, KeyringRefresherFactory(credentials)
        )
    except NotConnectedError:
        sf_set_up = False
    except CredentialError as exc:
        local_error = failure_for(exc).error
        sf_set_up = bool(store.get(SALESFORCE_INSTANCE_URL))
    except UserFacingError as exc:
        sf_probe = Probe(False, failure_for(exc).error)
    try:
        health = check_health(
            quickbooks,
            salesforce,
            syncing=syncing,
            api_reserve=reserve,
            schema=schema,
            workflows=enabled_workflows(store),
            mapping=_mapping(mapping_file),
        )
    finally:
        if quickbooks is not None:
            quickbooks.close()
        if salesforce is not None:
            salesforce.session.close()
    inputs = health.inputs or HealthInputs(qb_set_up, sf_set_up)
    health = evaluate(
        replace(
            inputs,
            quickbooks_set_up=qb_set_up,
            salesforce_set_up=sf_set_up,
            salesforce=inputs.salesforce or sf_probe,
            local_error=local_error,
        )
    )
    record(store, health)
    return health


def _without_retries(quickbooks: QuickBooks) -> QuickBooks:
    # A health check must report a QuickBooks problem at once, not after the SDK's retries.
    config = replace(quickbooks.config, read_retries=0)
    quickbooks.close()
    return QuickBooks(config)


def _mapping(path: Path | None) -> MappingConfig:
    if path is not None and path.is_file():
        try:
            return parse_mapping(path.read_bytes(), source=str(path))
        except MappingFileError:
            log.info("Field map file %s has problems; checking the default fields", path)
    return default_mapping()


# -- remembering the last check -------------------------------------------------------------
def record(store: Store, health: Health) -> None:
    store.set(
        HEALTH_LAST_CHECK,
        {
            "status": health.status.value,
            "line": health.line,
            "error_code": health.error.code if health.error else None,
            "checked_at": time.strftime("%Y-%m-%d %H:%M:%S"),
        },
    )


def last_check(store: Store) -> dict[str, Any] | None:
    return store.get(HEALTH_LAST_CHECK) or None


def status_lines(store: Store, credentials: CredentialStore) -> list[str]:
    """What `status` prints about the connections: settings, keyring and the last check only,
    no network."""
    settings = store.settings()
    lines: list[str] = []
    try:
        has_key = credentials.get(Secret.CONDUCTOR_SECRET_KEY) is not None
        has_token = credentials.get(Secret.SALESFORCE_REFRESH_TOKEN) is not None
    except CredentialError as exc:
        has_key = has_token = True
        error = failure_for(exc).error
        lines.append(f"Password store: {error.title}. {error.what_to_do}")
    end_user = CONDUCTOR_END_USER_ID.read(settings)
    if end_user and has_key:
        base = CONDUCTOR_BASE_URL.read(settings) or DEFAULT_CONDUCTOR_URL
        lines.append(f"QuickBooks:  connected through Conductor (end user {end_user}, {base})")
    elif end_user:
        lines.append("QuickBooks:  the Conductor key is missing; run `connect quickbooks`")
    else:
        lines.append("QuickBooks:  not connected; run `connect quickbooks`")
    username = SALESFORCE_USERNAME.read(settings)
    if username and has_token:
        lines.append(
            f"Salesforce:  signed in as {username} (org {SALESFORCE_ORG_ID.read(settings) or '?'})"
            f" at {SALESFORCE_INSTANCE_URL.read(settings) or '?'}"
        )
    elif username:
        lines.append("Salesforce:  the sign-in is missing; run `connect salesforce`")
    else:
        lines.append("Salesforce:  not signed in; run `connect salesforce`")
    last = last_check(store)
    if last is None:
        lines.append("Last check:  never; run `doctor`")
    else:
        status = str(last.get("status"))
        label = Status(status).label if status in Status._value2member_map_ else status
        lines.append(f"Last check:  {label}: {last.get('line', '')} ({last.get('checked_at')})")
    return lines
