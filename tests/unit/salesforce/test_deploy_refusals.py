"""A deploy Salesforce refuses outright (a SOAP fault) becomes a catalog error in plain words."""

from __future__ import annotations

from app.domain.user_error import ErrorAction
from app.salesforce.metadata_deploy import refused
from tests.unit.domain.test_errors import assert_plain


def _fault(code: str) -> str:
    return (
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        f"<soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode>"
        f"<faultstring>{code}: not allowed</faultstring></soapenv:Fault></soapenv:Body>"
        "</soapenv:Envelope>"
    )


def test_a_user_without_setup_access_is_sent_to_an_administrator() -> None:
    error = refused(_fault("INSUFFICIENT_ACCESS"))

    assert_plain(error)
    assert error.code == "salesforce_deploy_not_allowed"
    assert error.action is ErrorAction.COPY_DETAILS and not error.retryable
    assert "a Salesforce administrator" in error.what_to_do
    assert error.details == "INSUFFICIENT_ACCESS"


def test_any_other_refusal_can_be_tried_again_and_keeps_its_code_in_the_details() -> None:
    error = refused(_fault("INVALID_TYPE"))

    assert_plain(error)
    assert error.code == "salesforce_deploy_failed"
    assert error.action is ErrorAction.RETRY and error.retryable
    assert error.details == "INVALID_TYPE"


def test_an_unreadable_answer_is_still_a_plain_refusal() -> None:
    error = refused("<html>Service Unavailable")

    assert_plain(error)
    assert error.code == "salesforce_deploy_failed"
