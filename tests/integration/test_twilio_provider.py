"""SMS and WhatsApp through the real `twilio` client against a local Messages API: what is sent, and
what each of Twilio's answers makes of the notification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

from domain.notification import Status
from tests.twilio_app import PUBLIC_URL, SMS_FROM, WHATSAPP_FROM, Service, start
from tests.twilio_server import ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, TwilioServer, error

SMS = {"to": "+15551234567", "body": "Your code is 481516"}
WHATSAPP = {"to": "+447911123456", "body": "Your parcel is on its way"}
CONTENT_SID = "HX" + "c" * 32
TEMPLATE = {"to": "+447911123456", "template": {"content_sid": CONTENT_SID, "variables": {"1": "12/1"}}}


def test_an_sms_is_sent_with_a_status_callback_and_awaits_its_receipt(
    service: Service, twilio: TwilioServer
) -> None:
    notification_id = service.send("sms", SMS)
    [sent] = twilio.messages
    assert (sent["To"], sent["From"], sent["Body"]) == ("+15551234567", SMS_FROM, SMS["body"])
    assert sent["StatusCallback"] == f"{PUBLIC_URL}?notification_id={notification_id}"
    assert twilio.logins == [ACCOUNT_SID]
    assert service.status(notification_id) == (Status.PENDING, None)
    last = service.events(notification_id)[-1]
    assert (last.type, last.data) == (
        "Sent",
        {"provider": "twilio", "provider_message_id": sent["Sid"], "confirm_by": None},
    )


def test_a_whatsapp_body_goes_between_whatsapp_addresses(service: Service, twilio: TwilioServer) -> None:
    service.send("whatsapp", WHATSAPP)
    [sent] = twilio.messages
    assert (sent["To"], sent["From"], sent["Body"]) == (
        "whatsapp:+447911123456",
        WHATSAPP_FROM,
        WHATSAPP["body"],
    )
    assert "ContentSid" not in sent


def test_a_whatsapp_template_sends_its_content_sid_and_variables(
    service: Service, twilio: TwilioServer
) -> None:
    service.send("whatsapp", TEMPLATE)
    [sent] = twilio.messages
    assert (sent["ContentSid"], sent["ContentVariables"]) == (CONTENT_SID, '{"1": "12/1"}')
    assert "Body" not in sent


def test_a_messaging_service_sends_in_place_of_a_number(tmp_path: Path, twilio: TwilioServer) -> None:
    service = "MG" + "d" * 32
    for running in start(tmp_path, twilio, TWILIO_SMS_FROM=service):
        running.send("sms", SMS)
    [sent] = twilio.messages
    assert (sent["MessagingServiceSid"], "From" in sent) == (service, False)


def test_an_api_key_signs_in_for_the_account(tmp_path: Path, twilio: TwilioServer) -> None:
    keys = {"TWILIO_API_KEY_SID": API_KEY_SID, "TWILIO_API_KEY_SECRET": API_KEY_SECRET}
    for running in start(tmp_path, twilio, TWILIO_AUTH_TOKEN="", TWILIO_STATUS_CALLBACK_URL="", **keys):
        notification_id = running.send("sms", SMS)
        assert running.status(notification_id) == (Status.DELIVERED, None)
    assert twilio.logins == [API_KEY_SID]


def test_without_a_callback_url_twilios_acceptance_counts_as_delivered(
    tmp_path: Path, twilio: TwilioServer
) -> None:
    for running in start(tmp_path, twilio, TWILIO_STATUS_CALLBACK_URL=""):
        notification_id = running.send("sms", SMS)
        assert running.status(notification_id) == (Status.DELIVERED, None)
        assert [e.type for e in running.events(notification_id)][-1] == "Delivered"
    assert "StatusCallback" not in twilio.messages[0]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            error(400, 21211, "The 'To' number +15551234567 is not a valid phone number."),
            "Twilio refused the message: "
            "The 'To' number +*******4567 is not a valid phone number. (error 21211)",
        ),
        (error(400, 21614, "'To' number is not a valid mobile number"), "(error 21614)"),
        (
            error(400, 21610, "Attempt to send to unsubscribed recipient"),
            "unsubscribed recipient (error 21610)",
        ),
        (error(400, 21608, "The number is unverified"), "(error 21608)"),
        (error(400, 63007, "Could not find a Channel with the specified From address"), "(error 63007)"),
    ],
    ids=["invalid number", "not mobile", "unsubscribed", "unverified", "unknown sender"],
)
def test_twilios_permanent_errors_refuse_with_its_code_and_message(
    service: Service, twilio: TwilioServer, reply: tuple[int, dict[str, Any]], reason: str
) -> None:
    twilio.failures.append(reply)
    with capture_logs() as logs:
        notification_id = service.send("sms", SMS)
    state, said = service.status(notification_id)
    assert state is Status.REFUSED
    assert said is not None and said.endswith(reason)
    assert "+15551234567" not in repr(logs)


@pytest.mark.parametrize(
    "reply",
    [
        error(500, 20500, "Internal Server Error"),
        error(503, 20503, "Service Unavailable"),
        error(401, 20003, "Authenticate"),
    ],
    ids=["500", "503", "401"],
)
def test_server_errors_and_credentials_are_retried_then_delivered(
    service: Service, twilio: TwilioServer, reply: tuple[int, dict[str, Any]]
) -> None:
    twilio.failures.append(reply)
    notification_id = service.send("sms", SMS)
    failed = service.events(notification_id)[-1]
    assert failed.type == "DeliveryAttemptFailed"
    assert failed.data["reason"].startswith(f"Twilio failed for now: HTTP {reply[0]}: ")
    assert twilio.messages == []
    assert service.deliver_again(notification_id)
    assert len(twilio.messages) == 1


def test_a_slow_answer_is_retried(service: Service, twilio: TwilioServer) -> None:
    twilio.delay = 2
    notification_id = service.send("sms", SMS)
    assert service.events(notification_id)[-1].data == {"reason": "Twilio did not answer within 1 s"}


def test_a_twilio_that_cannot_be_reached_is_retried(tmp_path: Path, twilio: TwilioServer) -> None:
    for running in start(tmp_path, twilio, TWILIO_API_BASE_URL="http://127.0.0.1:9"):
        notification_id = running.send("sms", SMS)
        assert running.status(notification_id) == (Status.PENDING, None)
        assert running.events(notification_id)[-1].data["reason"].startswith("cannot reach Twilio")
