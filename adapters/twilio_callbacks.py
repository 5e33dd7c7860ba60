"""Twilio's message status callbacks: checked against their X-Twilio-Signature, then read."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs
from uuid import UUID

from twilio.request_validator import RequestValidator

from application.errors import ForgedCallback, InvalidCallback
from application.ports import Progress, StatusUpdate

PROGRESS = {
    "delivered": Progress.DELIVERED,
    "read": Progress.DELIVERED,
    "failed": Progress.FAILED,
    "undelivered": Progress.FAILED,
}
# The codes a failed or undelivered message most often carries; Twilio's docs list the rest.
ERRORS = {
    "30001": "queue overflow",
    "30002": "account suspended",
    "30003": "unreachable destination handset",
    "30004": "message blocked",
    "30005": "unknown destination handset",
    "30006": "landline or unreachable carrier",
    "30007": "message filtered by the carrier",
    "30008": "unknown error",
    "63016": "outside WhatsApp's 24-hour window: send a template",
    "63024": "invalid WhatsApp recipient",
}


class TwilioCallbacks:
    """Reads the callbacks Twilio makes to the status callback URL the provider gave it.

    The signature covers the URL Twilio called, query string included, so the notification id
    in the query string is Twilio's word as much as the form is.
    """

    def __init__(self, auth_token: str, status_callback_url: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.base_url = status_callback_url.partition("?")[0]

    def read(self, query: str, form: Mapping[str, str], signature: str) -> StatusUpdate:
        url = f"{self.base_url}?{query}" if query else self.base_url
        if not signature or not self.validator.validate(url, dict(form), signature):
            raise ForgedCallback("the X-Twilio-Signature does not match the request")
        status, code = form.get("MessageStatus", ""), form.get("ErrorCode", "")
        described = f": {ERRORS[code]}" if code in ERRORS else ""
        return StatusUpdate(
            notification_id=_notification_id(query),
            provider="twilio",
            provider_message_id=form.get("MessageSid"),
            progress=PROGRESS.get(status, Progress.UNDECIDED),
            code=code,
            description=f"Twilio reported the message {status}{described}",
        )


def _notification_id(query: str) -> UUID:
    try:
        return UUID(parse_qs(query)["notification_id"][0])
    except (KeyError, ValueError):
        raise InvalidCallback("the callback names no notification") from None
