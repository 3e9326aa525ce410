"""Exit codes scripts can rely on."""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    NEEDS_ATTENTION = 3  # a connection problem someone must fix (QuickBooks dialog, sign-in)
    BUSY = 4  # another sync is running
    PARTIAL = 5  # the run finished, some records failed
    CANCELLED = 6
    STOPPED_LIMIT = 7  # stopped to stay within the Salesforce API reserve
    UPDATE_AVAILABLE = 8  # `update --check`: a newer signed version is available
    UPDATE_REFUSED = 9  # the update server's answer failed verification; nothing was changed
