"""Twilio's status callbacks through the HTTP app: signed ones move a notification forwards, and
nothing else changes anything."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from domain.notification import Status
from tests.twilio_app import PUBLIC_URL, Service, start
from tests.twilio_server import AUTH_TOKEN, TwilioServer

Forgery = Callable[[str, dict[str, str], str], tuple[str, dict[str, str], str]]
SMS = {"to": "+15551234567", "body": "Your code is 481516"}
SENT, DELIVERED = (
    ["Requested", "DeliveryStarted", "Sent"],
    ["Requested", "DeliveryStarted", "Sent", "Delivered"],
)


@pytest.fixture
def sent(service: Service, twilio: TwilioServer) -> UUID:
    return service.send("sms", SMS)


def report(service: Service, twilio: TwilioServer, status: str, error_code: str = "") -> int:
    answer = service.callback(*twilio.callback(twilio.messages[-1], status, error_code))
    return int(answer.status_code)


def types(service: Service, notification_id: UUID) -> list[str]:
    return [event.type for event in service.events(notification_id)]


@pytest.mark.parametrize("status", ["delivered", "read"])
def test_a_signed_delivered_or_read_callback_delivers(
    service: Service, twilio: TwilioServer, sent: UUID, status: str
) -> None:
    assert report(service, twilio, status) == 204
    assert service.status(sent) == (Status.DELIVERED, None)
    assert service.events(sent)[-1].data == {
        "provider": "twilio",
        "provider_message_id": twilio.messages[0]["Sid"],
    }


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        (
            "undelivered",
            "30003",
            "Twilio reported the message undelivered: unreachable destination handset (error 30003)",
        ),
        (
            "failed",
            "30007",
            "Twilio reported the message failed: message filtered by the carrier (error 30007)",
        ),
        ("failed", "30999", "Twilio reported the message failed (error 30999)"),
    ],
)
def test_a_signed_failure_refuses_with_the_error_code(
    service: Service, twilio: TwilioServer, sent: UUID, status: str, code: str, reason: str
) -> None:
    assert report(service, twilio, status, code) == 204
    assert service.status(sent) == (Status.REFUSED, reason)


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "accepted", "scheduled"])
def test_a_status_on_the_way_records_nothing(
    service: Service, twilio: TwilioServer, sent: UUID, status: str
) -> None:
    assert report(service, twilio, status) == 204
    assert types(service, sent) == SENT


def test_repeated_callbacks_record_one_delivery(service: Service, twilio: TwilioServer, sent: UUID) -> None:
    assert [report(service, twilio, "delivered") for _ in range(3)] == [204] * 3
    assert types(service, sent) == DELIVERED


def test_a_late_callback_never_moves_a_status_backwards(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    for status in ["delivered", "sent", "queued", "undelivered", "failed"]:
        assert report(service, twilio, status, "30003") == 204
    assert service.status(sent) == (Status.DELIVERED, None)
    assert types(service, sent) == DELIVERED


def test_a_failure_is_not_undone_by_a_later_delivered(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    report(service, twilio, "undelivered", "30005")
    report(service, twilio, "delivered")
    assert service.status(sent)[0] is Status.REFUSED


def test_a_sent_notification_is_not_sent_again_while_it_awaits_its_receipt(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    assert service.deliver_again(sent)
    assert len(twilio.messages) == 1


def problem(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.headers["Content-Type"]


def test_an_unsigned_callback_is_forbidden_and_changes_nothing(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    url, form, _ = twilio.callback(twilio.messages[0], "delivered")
    assert problem(service.callback(url, form, None)) == (403, "application/problem+json")
    assert types(service, sent) == SENT


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda url, form, sig: (url, form, sig[:-4] + "AAA="), id="bad signature"),
        pytest.param(
            lambda url, form, sig: (url, form | {"MessageStatus": "failed"}, sig), id="altered form"
        ),
        pytest.param(
            lambda url, form, sig: (url.replace(url[-36:], str(UUID(int=1))), form, sig),
            id="other notification",
        ),
        pytest.param(lambda url, form, sig: (url, form, sig.lower()), id="signature in lower case"),
    ],
)
def test_a_forged_callback_is_forbidden_and_changes_nothing(
    service: Service, twilio: TwilioServer, sent: UUID, forge: Forgery
) -> None:
    url, form, signature = forge(*twilio.callback(twilio.messages[0], "delivered"))
    answer = service.callback(url, form, signature)
    assert problem(answer) == (403, "application/problem+json")
    assert answer.json()["detail"] == "the X-Twilio-Signature does not match the request"
    assert types(service, sent) == SENT


def test_a_callback_signed_with_another_token_is_forbidden(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    url, form, _ = twilio.callback(twilio.messages[0], "delivered")
    signature = RequestValidator("f" * 32).compute_signature(url, form)
    assert service.callback(url, form, signature).status_code == 403
    assert types(service, sent) == SENT


def test_a_signed_callback_for_an_unknown_notification_is_not_found(
    service: Service, twilio: TwilioServer
) -> None:
    message = {
        "To": "+15551234567",
        "Sid": "SM" + "0" * 32,
        "StatusCallback": f"{PUBLIC_URL}?notification_id={UUID(int=5)}",
    }
    assert service.callback(*twilio.callback(message, "delivered")).status_code == 404


def test_a_signed_callback_that_names_no_notification_is_a_bad_request(
    service: Service, twilio: TwilioServer
) -> None:
    message = {"To": "+15551234567", "Sid": "SM" + "0" * 32, "StatusCallback": PUBLIC_URL}
    assert service.callback(*twilio.callback(message, "delivered")).status_code == 400


def test_callbacks_need_no_bearer_token_but_other_routes_still_do(service: Service) -> None:
    assert service.client.post("/v1/notifications", json={}).status_code == 401
    assert service.client.post("/v1/providers/twilio/status", data={}).status_code == 403


def test_without_a_configured_callback_url_every_callback_is_forbidden(
    tmp_path: Path, twilio: TwilioServer
) -> None:
    for running in start(tmp_path, twilio, TWILIO_STATUS_CALLBACK_URL=""):
        message = {
            "To": "+15551234567",
            "Sid": "SM" + "0" * 32,
            "StatusCallback": f"{PUBLIC_URL}?notification_id={UUID(int=5)}",
        }
        assert running.callback(*twilio.callback(message, "delivered")).status_code == 403


class RepeatedFields(dict[str, list[str]]):
    """Form fields with several values each, read as Twilio's validator reads a Django QueryDict."""

    def getlist(self, name: str) -> list[str]:
        return self[name]


def post_form(service: Service, url: str, form: str, signature: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    path = url.removeprefix("https://notifications.example.org")
    return service.client.post(path, content=form.encode(), headers=headers)  # type: ignore[no-any-return]


def test_a_malformed_unsigned_callback_is_forbidden(service: Service) -> None:
    assert problem(post_form(service, PUBLIC_URL, "a=1&a=2", None)) == (403, "application/problem+json")


def test_a_malformed_signed_callback_is_a_bad_request_and_changes_nothing(
    service: Service, twilio: TwilioServer, sent: UUID
) -> None:
    url, form, _ = twilio.callback(twilio.messages[0], "delivered")
    fields = RepeatedFields({name: [value] for name, value in form.items()})
    fields["MessageStatus"] = ["delivered", "failed"]
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, fields)
    body = urlencode([(name, value) for name, values in fields.items() for value in values])
    answer = post_form(service, url, body, signature)
    assert problem(answer) == (400, "application/problem+json")
    assert "MessageStatus" in answer.json()["detail"]
    assert types(service, sent) == SENT


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    form=st.binary(max_size=200),
    signature=st.none() | st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
)
def test_no_body_without_twilios_signature_gets_past_403(
    service: Service, form: bytes, signature: str | None
) -> None:
    headers = {"X-Twilio-Signature": signature} if signature else {}
    answer = service.client.post(
        PUBLIC_URL.removeprefix("https://notifications.example.org"), content=form, headers=headers
    )
    assert problem(answer) == (403, "application/problem+json")
