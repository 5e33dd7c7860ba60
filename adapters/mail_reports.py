"""Reads a message from the bounce mailbox as a delivery report or a read receipt of ours, if it is one.

Clean reports are `multipart/report` (RFC 6522): `report-type=delivery-status` with a
`message/delivery-status` part (RFC 3464 section 2: per-recipient `Action`, `Status`,
`Diagnostic-Code`), or `report-type=disposition-notification` (RFC 8098 section 3). Bounces that are
not clean RFC 3464 (old Exchange, Exim, qmail...) go to flufl.bounce's detectors, which name the
failed addresses. The email a report is about is found by the envelope id we sent (`ENVID`,
RFC 3461 section 4.4, read back as `Original-Envelope-Id`), the `X-Notification-Id` or `Message-ID`
of the returned message (`text/rfc822-headers`, `message/rfc822`), `Original-Message-ID` (RFC 8098
section 3.2.5), `In-Reply-To` and `References`, and, last, those headers quoted in the text.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from uuid import UUID

from flufl.bounce import all_failures

from adapters.email_mime import NOTIFICATION_ID_HEADER
from application.mail_reports import DeliveryStatus, Disposition, MailReport
from domain.reports import Action, RecipientStatus

_UUID = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
_OUR_MESSAGE_ID = re.compile(r"<[^<>@\s]*\.([0-9a-f]{32})@[^<>\s]+>")  # email.utils.make_msgid(idstring=hex)
_QUOTED_ID_HEADER = re.compile(rf"{NOTIFICATION_ID_HEADER}:\s*({_UUID})", re.IGNORECASE)
_STATUS_CODE = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_REPLY_CODE = re.compile(r"^\d{3}[ -]+(?:[245]\.\d{1,3}\.\d{1,3}\s+)?")


def read_report(raw: bytes, received_at: datetime) -> MailReport | None:
    """The report the message carries about one of our emails, or None."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    report_id = str(message.get("Message-ID") or "").strip() or hashlib.sha256(raw).hexdigest()
    notification_id = _notification_id(message, raw)
    if notification_id is None:
        return None
    if _report_type(message) == "disposition-notification":
        return _disposition(message, report_id, notification_id, received_at)
    statuses = _delivery_statuses(message) or _detected(raw)
    return DeliveryStatus(report_id, notification_id, tuple(statuses)) if statuses else None


def _report_type(message: Message) -> str:
    if message.get_content_type() != "multipart/report":
        return ""
    return str(message.get_param("report-type", "")).lower()


def _field_blocks(message: Message, content_type: str) -> list[Message]:
    """The blocks of `name: value` fields of the report's parts of that type (RFC 3464 section 2.1)."""
    blocks: list[Message] = []
    for part in message.walk():
        if part.get_content_type() != content_type:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            blocks += [block for block in payload if isinstance(block, Message)]
        else:
            text = _bytes(part)
            for block in re.split(rb"\r?\n\r?\n", text.strip()):
                blocks.append(email.message_from_bytes(block, policy=email.policy.compat32))
    return blocks


def _delivery_statuses(message: Message) -> list[RecipientStatus]:
    statuses = []
    for fields in _field_blocks(message, "message/delivery-status"):
        action, recipient = fields.get("Action"), _address(fields)
        if not action or not recipient:
            continue  # the per-message block, or a recipient block without what we need
        try:
            kind = Action(str(action).strip().lower())
        except ValueError:
            continue
        code = _STATUS_CODE.search(str(fields.get("Status", "")))
        statuses.append(RecipientStatus(recipient, kind, code[1] if code else "", _diagnostic(fields)))
    return statuses


def _address(fields: Message) -> str:
    """`Original-Recipient` (the address we sent to) before `Final-Recipient`: `rfc822; a@b`."""
    value = str(fields.get("Original-Recipient") or fields.get("Final-Recipient") or "")
    return value.partition(";")[2].strip().strip("<>") if ";" in value else value.strip().strip("<>")


def _diagnostic(fields: Message) -> str:
    """`smtp; 550 5.1.1 user unknown` as `user unknown`: the status stands beside it already."""
    text = " ".join(str(fields.get("Diagnostic-Code", "")).partition(";")[2].split())
    return _REPLY_CODE.sub("", text)


def _detected(raw: bytes) -> list[RecipientStatus]:
    """What flufl.bounce's heuristics find in a bounce that is not RFC 3464."""
    message = email.message_from_bytes(raw)
    temporary, permanent = all_failures(message)
    text = raw.decode("utf-8", "replace")
    code = _STATUS_CODE.search(text)
    permanent_code = code[1] if code and code[1].startswith("5") else "5.0.0"
    return [
        *(
            RecipientStatus(_text(a), Action.FAILED, permanent_code, "permanent failure")
            for a in sorted(permanent)
        ),
        *(
            RecipientStatus(_text(a), Action.DELAYED, "4.0.0", "temporary failure")
            for a in sorted(temporary - permanent)
        ),
    ]


def _disposition(
    message: Message, report_id: str, notification_id: UUID, received_at: datetime
) -> Disposition | None:
    for fields in _field_blocks(message, "message/disposition-notification"):
        value = str(fields.get("Disposition", ""))
        kind = value.partition(";")[2].split("/")[0].strip().lower()
        if kind:
            return Disposition(
                report_id, notification_id, _address(fields), kind, _sent_at(message, received_at)
            )
    return None


def _sent_at(message: Message, received_at: datetime) -> datetime:
    try:
        sent = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        return received_at
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def _notification_id(message: Message, raw: bytes) -> UUID | None:
    for fields in _field_blocks(message, "message/delivery-status")[:1]:
        if found := _uuid_in(str(fields.get("Original-Envelope-Id", ""))):
            return found
    for returned in _returned_headers(message):
        if found := _uuid_in(str(returned.get(NOTIFICATION_ID_HEADER, ""))) or _ours(
            returned.get("Message-ID")
        ):
            return found
    for fields in _field_blocks(message, "message/disposition-notification"):
        if found := _ours(fields.get("Original-Message-ID")):
            return found
    for name in ("Original-Message-ID", "In-Reply-To", "References"):
        if found := _ours(message.get(name)):
            return found
    text = raw.decode("utf-8", "replace")
    quoted = _QUOTED_ID_HEADER.search(text)
    return _uuid_in(quoted[1]) if quoted else _ours(text)


def _returned_headers(message: Message) -> list[Message]:
    found = []
    for part in message.walk():
        if part.get_content_type() == "message/rfc822":
            found += [p for p in part.get_payload() if isinstance(p, Message)]
        elif part.get_content_type() == "text/rfc822-headers":
            found.append(email.message_from_bytes(_bytes(part)))
    return found


def _ours(value: object) -> UUID | None:
    match = _OUR_MESSAGE_ID.search(str(value or ""))
    return UUID(match[1]) if match else None


def _uuid_in(value: str) -> UUID | None:
    match = re.search(_UUID, value)
    return UUID(match[0]) if match else None


def _bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text(address: bytes | str) -> str:
    return address.decode("utf-8", "replace") if isinstance(address, bytes) else address
