"""A real OAuth 2.0 token endpoint for the tests (a threaded HTTP server): the client-credentials grant
(RFC 6749 §4.4) with the client authenticated one way only, and Google's JWT bearer grant (RFC 7523)
checked against the service account's public key. It issues a new token on each request."""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote

from jose import jwt

CLIENT_ID, CLIENT_SECRET = "notifications-app", "client-secret-never-logged-7f3a9"
SCOPE = "https://outlook.office365.com/.default"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GOOGLE_AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth's, whatever the key's token_uri


@dataclass
class TokenEndpoint:
    """Answers POST /token. `down` answers the next so many requests with 503; `issued` lists the
    tokens given, the newest last; `requests` each request's form and Authorization header."""

    client_auth: str = "client_secret_basic"
    scope: str = SCOPE
    expires_in: int | str | None = 3600  # Microsoft's v1 endpoint sends a string
    public_key: str = ""  # a service account's: the JWT bearer grant instead of client credentials
    subject: str = ""
    down: int = 0
    issued: list[str] = field(default_factory=list)
    requests: list[tuple[dict[str, str], str]] = field(default_factory=list)

    def start(self) -> TokenEndpoint:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                status, answer = endpoint.answer(body, self.headers.get("Authorization", ""))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/token"

    @property
    def current(self) -> str:
        return self.issued[-1] if self.issued else ""

    def answer(self, body: str, authorization: str) -> tuple[int, dict[str, Any]]:
        form = {name: values[0] for name, values in parse_qs(body).items()}
        self.requests.append((form, authorization))
        if self.down:
            self.down -= 1
            return 503, {"error": "temporarily_unavailable"}
        problem = self._jwt_problem(form) if self.public_key else self._grant_problem(form, authorization)
        if problem:
            return problem
        token = f"at-{len(self.issued) + 1}-{secrets.token_urlsafe(12)}"
        self.issued.append(token)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
        return 200, {name: value for name, value in answer.items() if value is not None}

    def _grant_problem(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, Any]] | None:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        basic = "Basic " + base64.b64encode(f"{quote(CLIENT_ID)}:{quote(CLIENT_SECRET)}".encode()).decode()
        if self.client_auth == "client_secret_basic":
            good = authorization == basic and "client_secret" not in form
        else:
            good = (form.get("client_id"), form.get("client_secret")) == (CLIENT_ID, CLIENT_SECRET)
            good = good and not authorization
        if not good:
            return 401, {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret",
            }
        if form.get("scope") != self.scope:
            return 400, {"error": "invalid_scope", "error_description": f"scope must be {self.scope}"}
        return None

    def _jwt_problem(self, form: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        if form.get("grant_type") != JWT_BEARER:
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(
                form.get("assertion", ""), self.public_key, algorithms=["RS256"], audience=GOOGLE_AUDIENCE
            )
        except Exception as error:
            return 400, {"error": "invalid_grant", "error_description": f"bad assertion: {error}"}
        if (claims.get("sub"), claims.get("scope")) != (self.subject, self.scope):
            return 401, {"error": "unauthorized_client", "error_description": "Client is unauthorized"}
        return None
