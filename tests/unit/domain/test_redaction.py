from __future__ import annotations

import pytest

from app.domain.redaction import MASK, redact

SESSION = "00D5g000004KxyZ!AQ4AQFkJ0m8M1Ue7Yh8.Q2vXbZ0Vt_kqRq0sKa9pLs3Jq2Ww"
REFRESH = "5Aep861TSESvWeug_xvFHRBTTbf_YrTWgEyjBJ2kkk1EcbQy6Ly2FP0oE7zPZIjyRfz9Ew"


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop"),
        ("authorization=Basic dXNlcjpwYXNz", "dXNlcjpwYXNz"),
        ("{'Authorization': 'Bearer " + SESSION + "'}", SESSION),
        ("sent bearer abcdef123456789 to host", "abcdef123456789"),
        ("key sk_live_1234567890abcdef used", "sk_live_1234567890abcdef"),
        ("key sk_test_abcdefgh12345678", "sk_test_abcdefgh12345678"),
        ("publishable pk_live_ZZZZ9999aaaa", "pk_live_ZZZZ9999aaaa"),
        ("CONDUCTOR_SECRET_KEY=sk_conductor_0123456789", "sk_conductor_0123456789"),
        ("session " + SESSION + " expired", SESSION),
        ("token " + REFRESH, REFRESH),
        ("access_token=abc.def.ghi&instance_url=x", "abc.def.ghi"),
        ("grant_type=refresh_token&refresh_token=r3fr3sh-t0k3n&client_id=x", "r3fr3sh-t0k3n"),
        ('{"access_token":"tok-123","token_type":"Bearer"}', "tok-123"),
        ('{"refresh_token": "rt-456", "scope": "api"}', "rt-456"),
        ("/OauthRedirect?code=aPrxabc123%3D%3D&state=s1", "aPrxabc123%3D%3D"),
        ("code=abc123&code_verifier=verif-XYZ_987", "abc123"),
        ("code=abc123&code_verifier=verif-XYZ_987", "verif-XYZ_987"),
        ("token=revoke-me-123", "revoke-me-123"),
        ('{"clientSecret": "auth_sess_secret_1"}', "auth_sess_secret_1"),
        ("Cookie: sid=" + SESSION, SESSION),
    ],
)
def test_every_secret_shape_is_removed(text: str, secret: str) -> None:
    cleaned = redact(text)
    assert secret not in cleaned
    assert MASK in cleaned


@pytest.mark.parametrize(
    "text",
    [
        '{"error":{"code":"QBD_CONNECTION_ERROR","integrationCode":"0x80040420"}}',
        "errorCode=INVALID_FIELD",
        "end user end_usr_1234567abcdefg, request req_1234567890",
        "token_type=Bearer",
        "Invoice INV-1234 for Acme Corporation, 1000.00",
        "https://acme.my.salesforce.com/services/data/v62.0/sobjects/Account/001A0000006Vm9rIAC",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent() -> None:
    text = f"Authorization: Bearer {SESSION} refresh_token={REFRESH}"
    once = redact(text)
    assert redact(once) == once
