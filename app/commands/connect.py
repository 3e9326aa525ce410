"""`connect salesforce|quickbooks` and `disconnect salesforce|quickbooks`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import threading
import webbrowser
from typing import TextIO

from app.commands.engine_access import print_error
from app.commands.exit_codes import ExitCode
from app.context import AppContext
from app.domain.errors import UserFacingError
from app.engine.connections import (
    ENV_QB_BASE_URL,
    ENV_QB_SECRET_KEY,
    SalesforceSettings,
    trust_store,
)
from app.engine.failures import failure_for
from app.engine.health import Status, format_duration, status_for
from app.platform.credentials import Secret
from app.quickbooks.errors import QuickBooksError
from app.quickbooks.setup import (
    DEFAULT_BASE_URL,
    FIRST_POLL_S,
    QUICKBOOKS_PC_STEPS,
    ConductorSetup,
    EndUser,
    HealthCheck,
    forget_connection,
    save_connection,
)
from app.salesforce.client import SalesforceClient
from app.salesforce.errors import SalesforceError
from app.salesforce.oauth import (
    DEFAULT_PORT,
    SIGN_IN_TIMEOUT_S,
    KeyringRefresherFactory,
    LoginHostError,
    SalesforceSignIn,
    SignedIn,
    normalize_login_url,
    save_sign_in,
    sign_out,
)
from app.salesforce.schema_check import check_schema
from app.salesforce.session import TokenSession
from app.store.settings import (
    CONDUCTOR_BASE_URL,
    CONDUCTOR_PUBLISHABLE_KEY,
    SALESFORCE_CLIENT_ID,
    SALESFORCE_LOGIN_URL,
)

GUIDE = "docs/salesforce-external-client-app.md"


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    connect = commands.add_parser("connect", help="connect QuickBooks (Conductor) or Salesforce")
    systems = connect.add_subparsers(dest="system", metavar="SYSTEM", required=True)

    sf = systems.add_parser("salesforce", help="sign in to Salesforce in the browser")
    sf.add_argument(
        "--login-host",
        metavar="URL",
        help="production (default), sandbox, or your My Domain address "
        "(https://yourcompany.my.salesforce.com)",
    )
    sf.add_argument(
        "--client-id", metavar="KEY", help=f"consumer key of your External Client App ({GUIDE})"
    )
    sf.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port of the sign-in callback on this computer (default {DEFAULT_PORT}); the "
        "app's callback URL in Salesforce must use the same port",
    )
    sf.add_argument(
        "--no-browser", action="store_true", help="print the link to open instead of opening it"
    )
    sf.add_argument(
        "--timeout",
        type=float,
        default=SIGN_IN_TIMEOUT_S,
        metavar="SECONDS",
        help=f"how long to wait for the sign-in (default {SIGN_IN_TIMEOUT_S:.0f})",
    )
    sf.add_argument(
        "--skip-schema-check",
        action="store_true",
        help="do not check the org for the objects and fields the app needs",
    )
    sf.set_defaults(handler=run_salesforce)

    qb = systems.add_parser("quickbooks", help="connect a QuickBooks company file via Conductor")
    qb.add_argument(
        "--secret-key-stdin",
        action="store_true",
        help="read the Conductor secret key from standard input (else QBSF_CONDUCTOR_SECRET_KEY, "
        "the key saved on this PC, or a prompt)",
    )
    qb.add_argument("--publishable-key", metavar="KEY", help="Conductor publishable key (pk_…)")
    qb.add_argument("--end-user", metavar="ID", help="use this existing Conductor end user")
    qb.add_argument("--company-name", help="create an end user for this company")
    qb.add_argument("--email", help="email of the new end user")
    qb.add_argument("--source-id", help="unique id of the new end user (default: generated)")
    qb.add_argument("--base-url", metavar="URL", help=f"Conductor API (default {DEFAULT_BASE_URL})")
    qb.add_argument("--no-wait", action="store_true", help="do not wait for QuickBooks to answer")
    qb.add_argument(
        "--wait-timeout",
        type=float,
        metavar="SECONDS",
        help="stop waiting after this long (default: wait until Ctrl+C)",
    )
    qb.add_argument(
        "--poll-seconds",
        type=float,
        default=FIRST_POLL_S,
        metavar="SECONDS",
        help=f"first pause between checks, growing up to 30 s (default {FIRST_POLL_S:.0f})",
    )
    qb.set_defaults(handler=run_quickbooks)

    disconnect = commands.add_parser("disconnect", help="disconnect QuickBooks or Salesforce")
    disconnect.add_argument("system", choices=("salesforce", "quickbooks"))
    disconnect.set_defaults(handler=run_disconnect)


# -- Salesforce -------------------------------------------------------------------------------
def run_salesforce(args: argparse.Namespace, ctx: AppContext) -> int:
    out = sys.stdout
    store = ctx.store
    try:
        login_url = normalize_login_url(
            args.login_host or store.get(SALESFORCE_LOGIN_URL) or "production"
        )
    except LoginHostError as exc:
        print(str(exc), file=sys.stderr)
        return ExitCode.USAGE
    client_id = (
        args.client_id
        or store.get(SALESFORCE_CLIENT_ID)
        or _ask("Consumer key of your Salesforce External Client App: ")
    )
    if not client_id:
        print(
            f"Give --client-id: the consumer key of your External Client App (see {GUIDE}).",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    verify = trust_store(ctx.paths.data_dir)
    sign_in = SalesforceSignIn(
        login_url, client_id, port=args.port, verify=verify, timeout_s=args.timeout
    )
    with sign_in:
        try:
            url = sign_in.start()
        except UserFacingError as exc:
            return _fail(exc)
        out.write(f"Signing in to Salesforce at {login_url}.\n")
        if args.no_browser or not webbrowser.open(url):
            out.write("Open this link in a browser on this computer:\n")
        else:
            out.write(
                "Your browser should open. If it does not, open this link on this computer:\n"
            )
        out.write(f"{url}\n")
        out.write(f"Waiting up to {args.timeout:.0f} s for the sign-in (Ctrl+C stops).\n")
        out.flush()
        try:
            signed_in = sign_in.wait(
                on_signed_in=lambda result: save_sign_in(store, ctx.credentials, result)
            )
        except KeyboardInterrupt:
            sign_in.cancel()
            out.write("Sign-in stopped.\n")
            return ExitCode.CANCELLED
        except UserFacingError as exc:
            code = ExitCode.CANCELLED if sign_in.cancelled.is_set() else ExitCode.ERROR
            _fail(exc)
            return code
    who = signed_in.identity
    out.write(
        f"Signed in to Salesforce as {who.username}"
        + (f" ({who.name})" if who.name else "")
        + f", org {who.org_id}, at {signed_in.tokens.instance_url}.\n"
    )
    if not args.skip_schema_check:
        _report_schema(signed_in, ctx, verify, out)
    return ExitCode.OK


def _report_schema(signed_in: SignedIn, ctx: AppContext, verify: str | bool, out: TextIO) -> None:
    refresher = KeyringRefresherFactory(ctx.credentials)(
        SalesforceSettings(signed_in.tokens.instance_url, signed_in.login_url, signed_in.client_id),
        verify,
    )
    session = TokenSession(signed_in.tokens.access_token, refresher=refresher, verify=verify)
    client = SalesforceClient(signed_in.tokens.instance_url, session)
    try:
        report = check_schema(client)
    except (SalesforceError, UserFacingError) as exc:
        error = failure_for(exc).error
        out.write(f"The Salesforce check could not run: {error.title}. {error.what_to_do}\n")
        return
    finally:
        session.close()
    if report.user_error is None:
        out.write("Salesforce has every object and field the app needs.\n")
    else:
        out.write(f"{report.user_error.what_happened}\n{report.user_error.what_to_do}\n")


# -- QuickBooks -------------------------------------------------------------------------------
def run_quickbooks(args: argparse.Namespace, ctx: AppContext) -> int:
    out = sys.stdout
    store = ctx.store
    secret_key = _secret_key(args, ctx)
    if not secret_key:
        print(
            "Give the Conductor secret key (sk_…): --secret-key-stdin, QBSF_CONDUCTOR_SECRET_KEY, "
            "or run this in a terminal to be asked for it.",
            file=sys.stderr,
        )
        return ExitCode.USAGE
    base_url = (
        args.base_url
        or os.environ.get(ENV_QB_BASE_URL)
        or store.get(CONDUCTOR_BASE_URL)
        or DEFAULT_BASE_URL
    )
    with ConductorSetup(secret_key, base_url) as setup:
        try:
            end_user = _end_user(args, setup, out)
        except (QuickBooksError, _UsageError) as exc:
            if isinstance(exc, _UsageError):
                print(str(exc), file=sys.stderr)
                return ExitCode.USAGE
            return _fail(exc)
        publishable_key = args.publishable_key or store.get(CONDUCTOR_PUBLISHABLE_KEY)
        save_connection(
            store,
            ctx.credentials,
            secret_key=secret_key,
            end_user_id=end_user.id,
            base_url=base_url,
            publishable_key=publishable_key,
        )
        out.write(
            f"QuickBooks company: {end_user.company_name} (Conductor end user {end_user.id})\n"
        )
        first = setup.check(end_user.id)
        if first.ok:
            out.write(_passed(first))
            return ExitCode.OK
        assert first.error is not None
        if status_for(first.error) is Status.NOT_SET_UP:
            publishable_key = publishable_key or _ask("Conductor publishable key (pk_…): ")
            if not publishable_key:
                print(
                    "Give --publishable-key: the Conductor publishable key (pk_…) is needed to "
                    "make the setup link for the QuickBooks PC.",
                    file=sys.stderr,
                )
                return ExitCode.USAGE
            store.set(CONDUCTOR_PUBLISHABLE_KEY, publishable_key)
            try:
                session = setup.start_auth_session(end_user.id, publishable_key)
            except QuickBooksError as exc:
                return _fail(exc)
            out.write(_steps(session.auth_flow_url, session.expires_at))
        else:
            _show_check(first, out)
        if args.no_wait:
            out.write("Not waiting. Run `doctor` to check the connection later.\n")
            return ExitCode.NEEDS_ATTENTION
        return _wait(setup, end_user.id, args, out)


def _wait(setup: ConductorSetup, end_user_id: str, args: argparse.Namespace, out: TextIO) -> int:
    out.write("Waiting for QuickBooks to answer (Ctrl+C stops)…\n")
    out.flush()
    stop = threading.Event()
    shown: list[str] = []

    def on_check(check: HealthCheck) -> None:
        code = check.error.code if check.error else "ok"
        if not shown or shown[-1] != code:
            shown.append(code)
            if not check.ok:
                _show_check(check, out)

    try:
        result = setup.wait_until_connected(
            end_user_id,
            stop=stop,
            on_check=on_check,
            timeout_s=args.wait_timeout,
            first_poll_s=args.poll_seconds,
        )
    except KeyboardInterrupt:
        stop.set()
        out.write("Stopped waiting. Run `doctor` to check the connection later.\n")
        return ExitCode.CANCELLED
    if result.ok:
        out.write(_passed(result))
        return ExitCode.OK
    out.write("QuickBooks has not answered yet. Run `doctor` to check again later.\n")
    return ExitCode.NEEDS_ATTENTION


class _UsageError(Exception):
    pass


def _end_user(args: argparse.Namespace, setup: ConductorSetup, out: TextIO) -> EndUser:
    existing = setup.end_users()  # also proves the key works
    if args.end_user:
        return setup.end_user(args.end_user)
    if args.company_name or args.email:
        if not (args.company_name and args.email):
            raise _UsageError("Creating an end user needs both --company-name and --email.")
        return setup.create_end_user(args.company_name, args.email, args.source_id or "")
    if not sys.stdin.isatty():
        listed = "".join(f"\n  {u.id}  {u.company_name} ({u.email})" for u in existing)
        raise _UsageError(
            "Give --end-user ID, or --company-name and --email to create one."
            + (f" Existing end users:{listed}" if listed else "")
        )
    for number, user in enumerate(existing, start=1):
        state = "connected" if user.connected else "not connected yet"
        out.write(f"  {number}. {user.company_name} ({user.email}), {state}\n")
    choice = input("Number of the company to use, or Enter to add a new one: ").strip()
    if choice.isdigit() and 1 <= int(choice) <= len(existing):
        return existing[int(choice) - 1]
    name = input("Company name: ").strip()
    email = input("Email of the QuickBooks administrator: ").strip()
    if not name or not email:
        raise _UsageError("A company name and an email are needed to add a company.")
    return setup.create_end_user(name, email)


def _secret_key(args: argparse.Namespace, ctx: AppContext) -> str:
    if args.secret_key_stdin:
        return sys.stdin.readline().strip()
    from_env = os.environ.get(ENV_QB_SECRET_KEY)
    if from_env:
        return from_env.strip()
    saved = ctx.credentials.get(Secret.CONDUCTOR_SECRET_KEY)
    if saved:
        return saved
    if sys.stdin.isatty():
        return getpass.getpass("Conductor secret key (sk_…, not shown): ").strip()
    return ""


def _steps(url: str, expires_at: str) -> str:
    lines = ["", "At the Windows computer that runs QuickBooks Desktop:"]
    lines += [f"  {n}. {step}" for n, step in enumerate(QUICKBOOKS_PC_STEPS, start=1)]
    lines += ["", f"Link (valid until {expires_at}):", url, ""]
    return "\n".join(lines) + "\n"


def _show_check(check: HealthCheck, out: TextIO) -> None:
    if check.error is not None:
        out.write(f"QuickBooks: {check.error.what_happened}\n  {check.error.what_to_do}\n")
        out.flush()


def _passed(check: HealthCheck) -> str:
    return f"QuickBooks is connected (it answered in {format_duration(check.duration_ms or 0)}).\n"


# -- disconnect -------------------------------------------------------------------------------
def run_disconnect(args: argparse.Namespace, ctx: AppContext) -> int:
    out = sys.stdout
    if args.system == "quickbooks":
        forget_connection(ctx.store, ctx.credentials)
        out.write(
            "QuickBooks is disconnected on this PC. The company's Conductor end user and the Web "
            "Connector setup at the QuickBooks PC were kept, so connecting again needs no new "
            "setup there.\n"
        )
        return ExitCode.OK
    result = sign_out(ctx.store, ctx.credentials, verify=trust_store(ctx.paths.data_dir))
    if result.problem is None:
        out.write(
            "Signed out of Salesforce: the sign-in was ended at Salesforce and removed here.\n"
        )
        return ExitCode.OK
    out.write(
        "The Salesforce sign-in was removed from this PC, but Salesforce could not be told: "
        f"{result.problem.title}. To end it there too, open Salesforce Setup > Connected Apps "
        "OAuth Usage and revoke this app's access.\n"
    )
    return ExitCode.NEEDS_ATTENTION


# -- shared -----------------------------------------------------------------------------------
def _fail(exc: Exception) -> int:
    print_error(failure_for(exc).error)
    # Connecting is what a "needs attention" exit asks for, so its own failures exit 1.
    return ExitCode.ERROR


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        return ""
    return input(prompt).strip()
