"""Removing secrets from any text before it reaches a log line, an error's details or a report."""

from __future__ import annotations

import re

MASK = "[redacted]"

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Authorization headers and bearer tokens.
    re.compile(r"(?i)(authorization\s*[:=]\s*)(?:bearer\s+|basic\s+|oauth\s+)?[^\s,;'\"]+"),
    re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9._~+/=!-]{8,}"),
    # Conductor secret and publishable keys.
    re.compile(r"()\b(?:sk|pk)_(?:live|test)_[A-Za-z0-9_-]{8,}"),
    # Salesforce session ids / access tokens: org id, '!', token.
    re.compile(r"()\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]{20,}"),
    # OAuth values in forms, query strings, JSON and Python reprs.
    re.compile(
        r"(?i)([\"']?\b(?:access_token|refresh_token|id_token|client_secret|code_verifier"
        r"|password|secret_key|api_key|session_id|conductor_secret_key)[\"']?\s*[:=]\s*[\"']?)"
        r"[^\s&,;'\"}]+"
    ),
    # An OAuth authorization code travels only in a query string or form.
    re.compile(r"([?&]code=)[^\s&#'\"]+"),
)


def redact(text: str) -> str:
    """`text` with every token, key and session id replaced by a mark."""
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text
