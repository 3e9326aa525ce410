"""HTTPS trusts the operating system's certificate store, with certifi's bundle as the fallback.

Antivirus HTTPS scanning and company proxies re-sign traffic with a root certificate they add to
the Windows certificate store; certifi's bundle does not know it, so both connections would fail.
`truststore.inject_into_ssl()` makes every `ssl.SSLContext` (requests, httpx, urllib3) verify with
the OS store ("Applications only", https://truststore.readthedocs.io/en/latest/#user-guide), so it
runs once, at the start of the program, never on import. Without truststore the libraries keep
their certifi bundle.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def use_system_trust_store() -> bool:
    """True when HTTPS now verifies with the OS certificate store."""
    try:
        import truststore
    except ImportError:
        log.info("truststore is missing; HTTPS verifies with certifi's bundle")
        return False
    truststore.inject_into_ssl()
    return True
