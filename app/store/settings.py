"""Every saved setting, once: its key, the type its value has, and the value when none is saved.

The tray and the engine read and write settings only through these definitions
(`Store.get(setting)`, `Store.set(setting, value)`), so both agree on each key and its type.
A saved value of the wrong type is the default, except for the engine's tuning settings, where a
silent default could change what a sync does: those are named as damaged instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class WrongSettingTypeError(TypeError):
    """A value of the wrong type was about to be saved: a fault in the code, not in the data."""


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    type: type[T]
    default: T
    #: A wrongly typed saved value stops the work (DamagedSettingError) instead of being ignored.
    strict: bool = False

    def accepts(self, value: Any) -> bool:
        if self.type is float:
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.type is int:
            return isinstance(value, int) and not isinstance(value, bool)
        return isinstance(value, self.type)

    def read(self, saved: Mapping[str, Any]) -> T:
        """This setting in `Store.settings()`: the default when it is missing or wrongly typed."""
        value = saved.get(self.key, self.default)
        return self.check(value) if self.accepts(value) else self.default

    def check(self, value: Any) -> T:
        if not self.accepts(value):
            raise WrongSettingTypeError(
                f"setting {self.key!r} takes a {self.type.__name__}, not {type(value).__name__}"
            )
        return float(value) if self.type is float else value  # type: ignore[return-value]


# -- connections -------------------------------------------------------------------------------
CONDUCTOR_END_USER_ID = Setting("conductor.end_user_id", str, "")
CONDUCTOR_BASE_URL = Setting("conductor.base_url", str, "")
CONDUCTOR_PUBLISHABLE_KEY = Setting("conductor.publishable_key", str, "")
CONDUCTOR_COMPANY_NAME = Setting("conductor.company_name", str, "")
SALESFORCE_INSTANCE_URL = Setting("salesforce.instance_url", str, "")
SALESFORCE_LOGIN_URL = Setting("salesforce.login_url", str, "")
SALESFORCE_CLIENT_ID = Setting("salesforce.client_id", str, "")
SALESFORCE_USERNAME = Setting("salesforce.username", str, "")
SALESFORCE_ORG_ID = Setting("salesforce.org_id", str, "")
#: The loopback port of the Salesforce sign-in, the one the External Client App's callback names.
SALESFORCE_SIGN_IN_PORT = Setting("salesforce.sign_in_port", int, 1717)
#: Who is signed in where, forgotten on sign-out; the login host and client id stay for next time.
SALESFORCE_SIGNED_IN = (SALESFORCE_USERNAME, SALESFORCE_ORG_ID, SALESFORCE_INSTANCE_URL)

#: The Salesforce org and Conductor end user the ledger (links, cursors) belongs to.
LEDGER_SALESFORCE_ORG_ID = Setting("ledger.salesforce_org_id", str, "")
LEDGER_END_USER_ID = Setting("ledger.conductor_end_user_id", str, "")

# -- the engine's tuning -----------------------------------------------------------------------
#: Share of the daily Salesforce API limit a run leaves for everyone else.
API_RESERVE = Setting("salesforce.api_reserve", float, 0.10, strict=True)
#: A QuickBooks -> Salesforce read larger than this goes through Bulk API 2.0.
BULK_THRESHOLD = Setting("salesforce.bulk_threshold", int, 2000, strict=True)
#: A new account a Salesforce duplicate rule only warns about is saved anyway (allowSave=true).
ALLOW_DUPLICATE_ACCOUNTS = Setting("salesforce.allow_duplicate_accounts", bool, False)
#: The price book mirrored items are priced in besides the standard one (empty: standard only).
PRICE_BOOK = Setting("salesforce.price_book", str, "")
#: The record type (developer name) of accounts made for QuickBooks customers; empty: the default.
ACCOUNT_RECORD_TYPE = Setting("salesforce.account_record_type", str, "")
#: Inactive QuickBooks customers get Salesforce accounts too.
CUSTOMERS_INCLUDE_INACTIVE = Setting("customers.include_inactive", bool, False)
#: QuickBooks jobs get no account of their own: their invoices, credit memos and payments go on
#: their customer's account, and each invoice names its job.
JOBS_ROLL_UP = Setting("customers.roll_up_jobs", bool, False)
#: QuickBooks customers whose balance a read transaction moved and whose account has not been
#: given it yet: kept across runs, since a run can stop after moving a cursor past the change.
BALANCES_TO_REFRESH = Setting("receivables.balances_to_refresh", list, [])

# -- what syncs ----------------------------------------------------------------------------------
#: Workflow id -> switched on; a workflow not named is on.
WORKFLOWS = Setting("workflows", dict, {})
#: Proposed account <-> customer pairs the bookkeeper said are different companies, as
#: [account id, customer id] lists.
MATCHING_SKIPPED = Setting("matching.skipped", list, [])
#: Runs older than this many days are forgotten with their records (0 keeps every run).
RUN_HISTORY_DAYS = Setting("history.keep_days", int, 365)

# -- invoices from won opportunities -------------------------------------------------------------
#: How the app numbers the invoices it creates (QuickBooks leaves an added invoice unnumbered):
#: "next_number" after the highest numeric one in QuickBooks, "prefix" plus a counter, or
#: "opportunity_field", the value of an opportunity field.
INVOICE_NUMBER_RULE = Setting("invoices.number_rule", str, "next_number")
INVOICE_NUMBER_PREFIX = Setting("invoices.number_prefix", str, "SF-")
#: The next counter of the "prefix" rule.
INVOICE_NUMBER_COUNTER = Setting("invoices.number_counter", int, 1)
#: The opportunity field (API name) the "opportunity_field" rule reads.
INVOICE_NUMBER_FIELD = Setting("invoices.number_field", str, "")
#: The highest all-digit invoice number seen in QuickBooks: the next look starts there.
INVOICE_NUMBER_HIGHEST_SEEN = Setting("invoices.highest_number_seen", int, 0)
#: Only opportunities won on or after this day (YYYY-MM-DD) are offered for invoicing; empty
#: until set up, then the day of setup.
GO_LIVE_DATE = Setting("invoices.go_live_date", str, "")

# -- the tray --------------------------------------------------------------------------------------
SETUP_FINISHED = Setting("setup.finished", bool, False)
START_AT_LOGIN = Setting("start_at_login", bool, False)
#: Minutes between timed syncs while healthy; 0 syncs on demand only.
SYNC_EVERY_MINUTES = Setting("sync.every_minutes", int, 0)
HEALTH_LAST_CHECK = Setting("health.last_check", dict, {})

# -- updates -----------------------------------------------------------------------------------
#: The tray looks for a new version once a day (and whenever asked, whatever this says).
UPDATE_CHECK_AUTOMATICALLY = Setting("updates.check_automatically", bool, True)
#: The update repository's https address; empty uses the one the bundle ships with.
UPDATE_SERVER_URL = Setting("updates.server_url", str, "")
#: When the last automatic check ran (seconds since the epoch).
UPDATE_LAST_CHECK = Setting("updates.last_check", float, 0.0)
SELF_TEST_PROBE = Setting("self_test.probe", int, 0)


def notification(kind: str, on_by_default: bool) -> Setting[bool]:
    """Whether the tray shows notices of `kind`."""
    return Setting(f"notifications.{kind}", bool, on_by_default)
