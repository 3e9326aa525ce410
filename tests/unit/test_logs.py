from __future__ import annotations

import logging
from pathlib import Path

from app.logs import setup_logging

SECRETS = [
    "sk_test_51HxYzAbCdEfGhIjKlMn",
    "00D5g000004ABCD!ARkAQO4uGx5Vt0xZk9dJp3wZ7qTt.Y1EyV8ZOx4uK0nB9c3FqWmPz",
    "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJA.Z9d0mNqAB",
]


def test_secrets_logged_anywhere_are_redacted_in_the_file(tmp_path: Path) -> None:
    log_file = setup_logging(tmp_path / "logs", console_level=None)
    log = logging.getLogger("app.test")
    log.info("key %s", SECRETS[0])
    log.warning("Authorization: Bearer %s", SECRETS[1])
    log.debug("POST /token body=grant_type=refresh_token&refresh_token=%s", SECRETS[2])
    log.info({"access_token": SECRETS[1], "refresh_token": SECRETS[2]})
    try:
        raise ValueError(f"token was {SECRETS[1]}")
    except ValueError:
        log.exception("failed with %s", SECRETS[0])
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text(encoding="utf-8")
    for secret in SECRETS:
        assert secret not in text
    assert text.count("[redacted]") >= 6
    assert "failed with" in text and "ValueError" in text
