"""A real SMTP server for the tests (aiosmtpd): STARTTLS or implicit TLS on a certificate made here,
AUTH, DSN when asked to offer it, and replies scripted per recipient."""

from __future__ import annotations

import datetime
import ipaddress
import json
import ssl
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USERNAME, PASSWORD = "notifier", "app-password-1234"
DSN_PARAMETERS = ("RET=", "ENVID=", "NOTIFY=", "ORCPT=")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Writes a self-signed certificate for 127.0.0.1 and localhost and its key; returns both paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "notifications test mail server")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@dataclass
class Received:
    """One message as the server took it: the envelope, and the data parsed."""

    mail_from: str
    mail_options: list[str]
    rcpt_tos: list[str]
    rcpt_options: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class Mailbox:
    """The server's handler: takes messages, or answers RCPT with the replies it was given."""

    offer_dsn: bool = False
    refuse: dict[str, str] = field(default_factory=dict)
    busy: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        return [*responses[:-1], "250-DSN", responses[-1]] if self.offer_dsn else responses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        if self.busy:
            return self.busy.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(
            Received(
                mail_from=envelope.mail_from or "",
                mail_options=list(envelope.mail_options),
                rcpt_tos=list(envelope.rcpt_tos),
                rcpt_options=list(envelope.rcpt_options),
                message=message_from_bytes(content, policy=policy.default),  # type: ignore[arg-type]
                login=login,
            )
        )
        return "250 2.0.0 OK queued"


class DsnSMTP(SMTP):
    """aiosmtpd answers 555 to parameters it does not know; this server takes DSN's and records them."""

    async def smtp_MAIL(self, arg: str) -> None:
        arg, dsn = _without_dsn(arg)
        await super().smtp_MAIL(arg)
        if self.envelope.mail_from:
            self.envelope.mail_options.extend(dsn)

    async def smtp_RCPT(self, arg: str) -> None:
        arg, dsn = _without_dsn(arg)
        before = len(self.envelope.rcpt_tos)
        await super().smtp_RCPT(arg)
        if len(self.envelope.rcpt_tos) > before:
            self.envelope.rcpt_options.extend(dsn)


def _without_dsn(arg: str) -> tuple[str, list[str]]:
    words = arg.split()
    dsn = [w for w in words if w.upper().startswith(DSN_PARAMETERS)]
    return " ".join(w for w in words if w not in dsn), dsn


def _authenticate(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USERNAME.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=good, handled=False, auth_data=data)


class MailServer(Controller):
    """STARTTLS (required before AUTH) by default; `implicit=True` speaks TLS from the first byte,
    `plain=True` never does; `login_required=False` takes mail without AUTH."""

    def __init__(
        self,
        mailbox: Mailbox,
        cert_file: Path,
        key_file: Path,
        port: int,
        implicit: bool = False,
        plain: bool = False,
        login_required: bool = True,
    ):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        tls: dict[str, Any] = (
            {"auth_require_tls": False}
            if plain
            else {"ssl_context": context, "auth_require_tls": False}  # TLS from the first byte: AUTH is safe
            if implicit
            else {"tls_context": context, "require_starttls": True}
        )
        super().__init__(
            mailbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=_authenticate,
            auth_required=login_required,
            **tls,
        )
        self.mailbox = mailbox

    def factory(self) -> SMTP:
        return DsnSMTP(self.handler, **self.SMTP_kwargs)


@dataclass
class OAuthMailbox(Mailbox):
    """Also takes AUTH XOAUTH2 for `username` with the token `current()` names, and no other. A
    refused token gets Google's error challenge (334 and base64 JSON), then 535 after the client's
    empty line. `offered` lists the tokens offered."""

    username: str = "no-reply@bank.example"
    current: Callable[[], str] = lambda: ""
    offered: list[str] = field(default_factory=list)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        sasl = b64decode(args[1]) if len(args) > 1 else await server.challenge_auth("")
        assert isinstance(sasl, bytes)
        fields = sasl.decode().split("\x01")
        assert len(fields) == 4 and fields[2:] == ["", ""], "user=…^Aauth=Bearer …^A^A"
        user, token = fields[0].removeprefix("user="), fields[1].removeprefix("auth=Bearer ")
        self.offered.append(token)
        if (user, token) == (self.username, self.current()) and token:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b""))
        error = {"status": "401", "schemes": "Bearer", "scope": "https://mail.google.com/"}
        answer = await server.challenge_auth(b64encode(json.dumps(error).encode()), encode_to_b64=False)
        assert answer == b"", "the client answers the error challenge with an empty line"
        return AuthResult(
            success=False, handled=False, message="535 5.7.8 Username and Password not accepted"
        )
