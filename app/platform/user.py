"""Who is signed in to this computer, as runs, decisions and locks record it."""

from __future__ import annotations

import functools
import getpass


def os_user(default: str = "unknown") -> str:
    """The login name, or `default` when the system cannot tell."""
    return _login_name() or default


@functools.cache
def _login_name() -> str:
    # Looked up once a process: without USER or LOGNAME it is a directory query (NSS, LDAP).
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return ""
