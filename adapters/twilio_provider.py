"""SMS and WhatsApp through Twilio's Messages API, with the official `twilio` library (asyncio).

With a status callback URL, each message asks Twilio to report on it, and the receipt waits for that
report (the notification stays pending, its events show it sent); without one, Twilio's acceptance
counts as delivered.
"""

from __future__ import annotations

import base64
import contextvars
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import structlog
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from adapters.too_many import retry_after, twilio_too_many
from application.errors import PermanentDeliveryError, Throttled, TransientDeliveryError
from domain.addresses import masked
from domain.messages import Channel, Sms, WhatsApp
from domain.notification import Notification, Receipt

log = structlog.get_logger("notifications")
_http_log = logging.getLogger("notifications.twilio_http")  # the library logs every request at info
_http_log.setLevel(logging.WARNING)

ACCOUNT_LEVEL = {401, 403, 404}  # credentials, permissions or SIDs in the settings: not the message's fault
# the library's errors drop the answer's headers: its HTTP client keeps Retry-After for the delivery's task
_retry_after: contextvars.ContextVar[str | None] = contextvars.ContextVar("twilio_retry_after", default=None)


@dataclass(frozen=True)
class TwilioAccount:
    """Credentials (the auth token, or an API key and its secret) and where the API is."""

    account_sid: str
    auth_token: str = ""
    api_key_sid: str = ""
    api_key_secret: str = ""
    api_base_url: str = ""
    timeout: float = 15.0

    def client(self, http_client: AsyncTwilioHttpClient) -> Client:
        if self.api_key_sid:
            client = Client(self.api_key_sid, self.api_key_secret, self.account_sid, http_client=http_client)
        else:
            client = Client(self.account_sid, self.auth_token, http_client=http_client)
        if self.api_base_url:  # a regional or edge endpoint, a proxy, or the tests' server
            client.api.base_url = self.api_base_url.rstrip("/")
        return client


class TwilioProvider:
    """Sends SMS and WhatsApp messages; one instance may serve both channels, sharing connections."""

    def __init__(self, account: TwilioAccount, senders: Mapping[Channel, str], status_callback_url: str = ""):
        self.account = account
        self.senders = senders
        self.status_callback_url = status_callback_url
        self._http: _HttpClient | None = None
        self._client: Client | None = None

    async def deliver(self, notification: Notification) -> Receipt:
        message = notification.message
        assert isinstance(message, Sms | WhatsApp)
        try:
            sent = await self._messages().create_async(**self._parameters(notification, message))
        except TwilioRestException as error:
            raise _translated(error, message, _retry_after.get()) from None
        except TimeoutError:
            raise TransientDeliveryError(f"Twilio did not answer within {self.account.timeout:g} s") from None
        except (aiohttp.ClientError, OSError) as error:
            raise TransientDeliveryError(f"cannot reach Twilio: {type(error).__name__}") from None
        log.info(
            "twilio.accepted",
            notification_id=str(notification.id),
            channel=message.channel.value,
            to=message.masked_recipient,
            message_sid=sent.sid,
            twilio_status=str(sent.status),
        )
        return Receipt("twilio", sent.sid, awaiting_confirmation=bool(self.status_callback_url))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None

    def sender_of(self, notification: Notification) -> str:
        """The `From` number or messaging service that sends the notification (Twilio's rate limits
        are per sender)."""
        return self.senders[notification.channel]

    def _messages(self) -> Any:
        if self._client is None:  # aiohttp's session must be made inside the running loop
            self._http = _HttpClient(timeout=self.account.timeout, logger=_http_log)
            self._client = self.account.client(self._http)
        return self._client.messages

    def _parameters(self, notification: Notification, message: Sms | WhatsApp) -> dict[str, Any]:
        whatsapp = isinstance(message, WhatsApp)
        sender = self.senders[message.channel]
        parameters: dict[str, Any] = {"to": f"whatsapp:{message.to.value}" if whatsapp else message.to.value}
        parameters["messaging_service_sid" if sender.startswith("MG") else "from_"] = sender
        if isinstance(message, WhatsApp) and message.template is not None:
            parameters["content_sid"] = message.template.content_sid
            if message.template.variables:
                parameters["content_variables"] = json.dumps(dict(message.template.variables))
        else:
            parameters["body"] = message.body
        if self.status_callback_url:
            joiner = "&" if "?" in self.status_callback_url else "?"
            parameters["status_callback"] = (
                f"{self.status_callback_url}{joiner}notification_id={notification.id}"
            )
        return parameters


class _HttpClient(AsyncTwilioHttpClient):  # type: ignore[misc]
    """Twilio's aiohttp client with a timeout on every request, sending the credentials as a header
    (aiohttp 3.14 deprecates the BasicAuth object the library would build from them)."""

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (the library's signature)
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        response = await super().request(
            method, url, params, data, headers, None, timeout or self.timeout, allow_redirects
        )
        _retry_after.set(response.headers.get("Retry-After") if response.headers else None)
        return response


def _translated(error: TwilioRestException, message: Sms | WhatsApp, wait: str | None) -> Exception:
    said = masked(str(error.msg).removeprefix("Unable to create record: "), [message.to])
    if twilio_too_many(error.status, error.code):
        return Throttled(
            f"Twilio asks us to slow down: HTTP {error.status}: {said} (error {error.code})",
            retry_after(wait),
        )
    if error.status >= 500 or error.status in ACCOUNT_LEVEL:
        return TransientDeliveryError(
            f"Twilio failed for now: HTTP {error.status}: {said} (error {error.code})"
        )
    return PermanentDeliveryError(f"Twilio refused the message: {said} (error {error.code})")
