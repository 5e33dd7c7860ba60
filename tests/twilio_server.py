"""A local server that speaks Twilio's Messages API, for the real `twilio` client to reach through
its base-URL override; it also makes Twilio's signed status callbacks."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import secrets
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
API_KEY_SID, API_KEY_SECRET = "SK" + "2" * 32, "api-key-secret-for-tests"
MESSAGES = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json")
ADDRESS = re.compile(r"(whatsapp:)?\+[1-9][0-9]{6,14}")


def error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    """A reply in the shape of Twilio's errors."""
    more_info = f"https://www.twilio.com/docs/errors/{code}"
    return status, {"code": code, "message": message, "more_info": more_info, "status": status}


def too_many(retry_after: str | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Twilio's 429, with a `Retry-After` header when given."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return (*error(429, 20429, "Too Many Requests"), headers)


class TwilioServer:
    """Takes messages as Twilio would (or fails with the replies it is given, in order, first: a
    status and a body, and headers if any)."""

    def __init__(self) -> None:
        self.messages: list[dict[str, str]] = []
        self.logins: list[str] = []
        self.failures: list[tuple[Any, ...]] = []
        self.delay = 0.0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self, account: str, login: str, form: dict[str, str]) -> tuple[Any, ...]:
        time.sleep(self.delay)
        self.logins.append(login)
        if self.failures:
            return self.failures.pop(0)
        if problem := _refusal(account, form):
            return problem
        self.messages.append(form)
        return HTTPStatus.CREATED, _resource(account, form)

    def callback(
        self, message: dict[str, str], status: str, error_code: str = ""
    ) -> tuple[str, dict[str, str], str]:
        """Returns the URL, form and X-Twilio-Signature of Twilio's status callback for the message."""
        url = message["StatusCallback"]
        form = {
            "AccountSid": ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "From": message.get("From", ""),
            "To": message["To"],
            "MessageSid": message["Sid"],
            "SmsSid": message["Sid"],
            "MessageStatus": status,
            "SmsStatus": status,
        }
        if error_code:
            form["ErrorCode"] = error_code
        return url, form, RequestValidator(AUTH_TOKEN).compute_signature(url, form)

    def send_callback(self, message: dict[str, str], status: str, error_code: str = "") -> int:
        """Makes Twilio's status callback to the service; returns the HTTP status it answered."""
        url, form, signature = self.callback(message, status, error_code)
        return httpx.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10).status_code


def _refusal(account: str, form: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
    to = form.get("To", "")
    if not to:
        return error(400, 21604, "A 'To' phone number is required.")
    if not ADDRESS.fullmatch(to):
        return error(400, 21211, f"Invalid 'To' Phone Number: {to}")
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return error(400, 21603, "A 'From' phone number is required.")
    if not (form.get("Body") or form.get("ContentSid")):
        return error(400, 21602, "Message body is required.")
    return None


def _resource(account: str, form: dict[str, str]) -> dict[str, Any]:
    sid = "SM" + secrets.token_hex(16)
    form["Sid"] = sid
    return {
        "sid": sid,
        "account_sid": account,
        "to": form["To"],
        "from": form.get("From"),
        "messaging_service_sid": form.get("MessagingServiceSid"),
        "body": form.get("Body", ""),
        "status": "accepted" if form.get("MessagingServiceSid") else "queued",
        "direction": "outbound-api",
        "num_segments": "1",
        "num_media": "0",
        "price": None,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "api_version": "2010-04-01",
        "date_created": formatdate(usegmt=True),
        "date_updated": formatdate(usegmt=True),
        "date_sent": None,
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
    }


def _handler(server: TwilioServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            path = MESSAGES.fullmatch(self.path)
            length = int(self.headers.get("Content-Length", 0))
            form = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
            login = _login(self.headers.get("Authorization", ""))
            if login is None:
                self._answer(*error(401, 20003, "Authenticate"))
            elif path is None or path[1] != ACCOUNT_SID:
                self._answer(*error(404, 20404, f"The requested resource {self.path} was not found"))
            else:
                self._answer(*server.take(path[1], login, form))

        def _answer(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            content = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            with contextlib.suppress(ConnectionError):  # the client gave up waiting
                self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _login(header: str) -> str | None:
    """Returns the user of good Basic credentials (the account's token, or the API key's secret)."""
    scheme, _, encoded = header.partition(" ")
    if scheme != "Basic":
        return None
    user, _, password = base64.b64decode(encoded).decode().partition(":")
    good = {ACCOUNT_SID: AUTH_TOKEN, API_KEY_SID: API_KEY_SECRET}
    return user if good.get(user) == password else None
