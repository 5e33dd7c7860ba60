"""Twilio's message status callbacks: checked against their X-Twilio-Signature, then read."""

from __future__ import annotations

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

    def read(self, query: str, form: bytes, signature: str) -> StatusUpdate:
        """Checks the signature over the URL and every value of every form field (as Twilio's
        RequestValidator does for a Django `QueryDict`), then reads the form; a signed form that
        repeats a field raises InvalidCallback."""
        url = f"{self.base_url}?{query}" if query else self.base_url
        fields = _Fields(parse_qs(form.decode("utf-8", errors="replace"), keep_blank_values=True))
        if not signature or not self.validator.validate(url, fields, signature):
            raise ForgedCallback("the X-Twilio-Signature does not match the request")
        values = fields.single_values()
        status, code = values.get("MessageStatus", ""), values.get("ErrorCode", "")
        described = f": {ERRORS[code]}" if code in ERRORS else ""
        return StatusUpdate(
            notification_id=_notification_id(query),
            provider="twilio",
            provider_message_id=values.get("MessageSid"),
            progress=PROGRESS.get(status, Progress.UNDECIDED),
            code=code,
            description=f"Twilio reported the message {status}{described}",
        )


class _Fields(dict[str, list[str]]):
    """Form fields with all their values, as the validator reads them (`getlist`)."""

    def getlist(self, name: str) -> list[str]:
        return self[name]

    def single_values(self) -> dict[str, str]:
        repeated = sorted(name for name, values in self.items() if len(values) > 1)
        if repeated:
            raise InvalidCallback(f"the callback repeats the field {repeated[0]}")
        return {name: values[0] for name, values in self.items()}


def _notification_id(query: str) -> UUID:
    try:
        return UUID(parse_qs(query)["notification_id"][0])
    except (KeyError, ValueError):
        raise InvalidCallback("the callback names no notification") from None
