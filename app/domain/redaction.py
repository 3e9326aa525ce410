"""Removing secrets from any text before it reaches a log line, an error's details or a report.

Covered shapes: `Authorization:` headers and bearer tokens, Conductor keys (`sk_…`, `pk_…`),
Salesforce session ids (`00D…!…`), Salesforce refresh tokens (`5Aep…`), and the values of
`access_token`, `refresh_token`, `code`, `code_verifier`, client secrets, passwords and API keys
in query strings, forms, JSON and Python reprs.
"""

from __future__ import annotations

import re

MASK = "[redacted]"

_SECRET_KEYS = (
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "client_secret",
    "clientSecret",
    "code_verifier",
    "password",
    "secret_key",
    "secretKey",
    "api_key",
    "apiKey",
    "session_id",
    "sessionId",
    "sid",
    "conductor_secret_key",
)

# Each pattern keeps group 1 (the label) and masks what follows it.
_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
        r"(?:(?:bearer|basic|oauth|token)\s+)?[^\s,;'\"}]+"
    ),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=!-]{8,}"),
    re.compile(r"()\b(?:sk|pk)_[A-Za-z0-9][A-Za-z0-9_-]{7,}"),
    re.compile(r"()\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{8,}"),
    re.compile(r"()\b5Aep[A-Za-z0-9._=-]{20,}"),
    re.compile(
        r"(?i)((?<![A-Za-z0-9_])[\"']?(?:"
        + "|".join(_SECRET_KEYS)
        + r")[\"']?\s*[:=]\s*[\"']?)[^\s&,;'\"}]+"
    ),
    # An OAuth authorization code travels in a query string or form as `code=…`.
    re.compile(r"((?<![A-Za-z0-9_])code=)[^\s&#'\"]+"),
)


def redact(text: str) -> str:
    """`text` with every token, key and session id replaced by a mark."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text
