"""The bounce mailbox over IMAP4rev1 (RFC 3501), with the standard library's imaplib in a thread.

imaplib rather than aioimaplib: it speaks STARTTLS (RFC 3501 section 6.2.1), which aioimaplib 2.0
does not, and a poll every minute or so costs one thread for a moment. Each read or move is one
session: connect, log in (LOGIN, or AUTHENTICATE XOAUTH2 with a bearer token as Microsoft and Google
document it), SELECT, then UID commands, so a UID is never taken for a sequence number. Processed
messages get `\\Seen` and go to the processed folder with UID MOVE (RFC 6851), or COPY, `\\Deleted`
and UID EXPUNGE (RFC 4315) on a server without MOVE.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol, TypeVar, runtime_checkable

import structlog

from adapters.mail_reports import read_report
from application.errors import MailboxUnavailable
from application.mail_reports import MailboxMessage, MailReport

log = structlog.get_logger("notifications")

DEFAULT_PORTS = {"implicit": 993, "starttls": 143, "none": 143}
READ_AT_ONCE = 100
T = TypeVar("T")


@runtime_checkable
class AccessTokenSource(Protocol):
    async def access_token(self, fresh: bool = False) -> str:
        """Returns a current OAuth 2.0 access token; `fresh` skips any cached one."""


@dataclass(frozen=True)
class ImapAccount:
    host: str
    username: str
    password: str = ""
    port: int = 0
    tls: Literal["implicit", "starttls", "none"] = "implicit"
    auth: Literal["password", "xoauth2"] = "password"
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    ca_file: str = ""
    timeout: float = 30.0


class ImapMailbox:
    """A ReportMailbox on an IMAP account; reports are read by `adapters.mail_reports`."""

    def __init__(self, account: ImapAccount, tokens: AccessTokenSource | None = None) -> None:
        if account.auth == "xoauth2" and tokens is None:
            raise ValueError("XOAUTH2 needs an access token source")
        self.account = account
        self.tokens = tokens
        self._left_alone: set[str] = set()
        self._validity = ""

    async def read(self) -> list[MailboxMessage]:
        fetched = await self._session(self._fetch_new)
        now = datetime.now(UTC)
        # Parsing (the email package, flufl.bounce's detectors) is CPU work: off the event loop.
        return await asyncio.to_thread(
            lambda: [MailboxMessage(key, _report(raw, now)) for key, raw in fetched]
        )

    async def file_away(self, keys: Sequence[str]) -> None:
        await self._session(lambda imap: self._move(imap, keys))

    def leave_alone(self, keys: Sequence[str]) -> None:
        self._left_alone.update(keys)

    async def _session(self, work: Callable[[imaplib.IMAP4], T]) -> T:
        token = await self._token(fresh=False)
        try:
            return await asyncio.to_thread(self._run, work, token)
        except _LoginRefused:
            if self.tokens is None:
                raise MailboxUnavailable(
                    f"the IMAP server refused the login of {self.account.username}"
                ) from None
        try:  # a token may be revoked before it expires: one fresh one, once
            return await asyncio.to_thread(self._run, work, await self._token(fresh=True))
        except _LoginRefused:
            raise MailboxUnavailable(
                f"the IMAP server refused the XOAUTH2 login of {self.account.username}"
            ) from None

    async def _token(self, fresh: bool) -> str:
        if self.tokens is None:
            return ""
        try:
            return await self.tokens.access_token(fresh=fresh)
        except Exception as error:  # the token endpoint is down: try again at the next poll
            raise MailboxUnavailable(f"cannot get an access token for IMAP: {type(error).__name__}") from None

    def _run(self, work: Callable[[imaplib.IMAP4], T], token: str) -> T:
        try:
            imap = self._connect()
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxUnavailable(f"cannot reach the IMAP server: {error}") from None
        try:
            self._login(imap, token)
            status, data = imap.select(_quoted(self.account.folder))
            if status != "OK":
                raise MailboxUnavailable(f"cannot open the IMAP folder {self.account.folder}: {data}")
            return work(imap)
        except imaplib.IMAP4.abort as error:
            raise MailboxUnavailable(f"the IMAP connection broke: {error}") from None
        except imaplib.IMAP4.error as error:
            raise MailboxUnavailable(f"the IMAP server refused a command: {error}") from None
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()  # the answer is in; a broken goodbye changes nothing

    def _connect(self) -> imaplib.IMAP4:
        account = self.account
        port = account.port or DEFAULT_PORTS[account.tls]
        context = ssl.create_default_context(cafile=account.ca_file or None)
        if account.tls == "implicit":
            return imaplib.IMAP4_SSL(account.host, port, ssl_context=context, timeout=account.timeout)
        imap = imaplib.IMAP4(account.host, port, timeout=account.timeout)
        if account.tls == "starttls":
            imap.starttls(context)
        return imap

    def _login(self, imap: imaplib.IMAP4, token: str) -> None:
        account = self.account
        try:
            if account.auth == "xoauth2":
                sasl = f"user={account.username}\x01auth=Bearer {token}\x01\x01".encode()
                # a refusal comes as a challenge with the error (JSON): the answer is an empty line
                imap.authenticate("XOAUTH2", lambda challenge: b"" if challenge else sasl)
            else:
                imap.login(account.username, account.password)
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error:
            raise _LoginRefused from None

    def _fetch_new(self, imap: imaplib.IMAP4) -> list[tuple[str, bytes]]:
        validity = _untagged(imap, "UIDVALIDITY")
        if validity != self._validity:  # the UIDs were renumbered: what was left alone is unknown again
            self._validity, self._left_alone = validity, set()
        _, data = imap.uid("SEARCH", "ALL")
        uids = [uid for uid in (data[0] or b"").decode().split() if uid not in self._left_alone]
        fetched = []
        for uid in uids[:READ_AT_ONCE]:
            _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is not None:
                fetched.append((uid, bytes(raw)))
        return fetched

    def _move(self, imap: imaplib.IMAP4, uids: Sequence[str]) -> None:
        target = _quoted(self.account.processed_folder)
        imap.create(target)  # NO when it exists already, which is fine
        message_set = ",".join(uids)
        imap.uid("STORE", message_set, "+FLAGS.SILENT", "(\\Seen)")
        _, capabilities = imap.capability()  # imaplib keeps those from before the login only
        if b"MOVE" in (capabilities[0] or b"").upper().split():
            status, data = imap.uid("MOVE", message_set, target)
        else:
            status, data = imap.uid("COPY", message_set, target)
            if status == "OK":
                imap.uid("STORE", message_set, "+FLAGS.SILENT", "(\\Deleted)")
                imap.uid("EXPUNGE", message_set)
        if status != "OK":
            raise MailboxUnavailable(f"cannot move reports to {self.account.processed_folder}: {data}")


class _LoginRefused(Exception):
    pass


def _untagged(imap: imaplib.IMAP4, name: str) -> str:
    values = imap.untagged_responses.get(name) or [b""]
    value = values[-1]
    return value.decode() if isinstance(value, bytes) else str(value)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _report(raw: bytes, now: datetime) -> MailReport | None:
    """The report in a message, or None (left alone, as unmatched) for one that cannot be read:
    anyone can mail the bounce address, and one bad message must not stop the others."""
    try:
        return read_report(raw, now)
    except Exception as error:  # its type only: the message's text stays out of the log
        log.warning("mailbox.unreadable", error=type(error).__name__)
        return None
