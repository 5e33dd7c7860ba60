"""A message in the bounce mailbox is read as a report on one of our emails by each of the ways a
report names the original: ENVID, returned headers, Original-Message-ID, In-Reply-To, References."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from uuid import uuid4

from adapters.mail_reports import read_report
from application.mail_reports import DeliveryStatus, Disposition
from domain.reports import Action, RecipientStatus
from tests.mail_reports import dsn, mdn

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
NOTIFICATION = uuid4()
OURS = EmailMessage()
OURS["Message-ID"] = f"<179.42.7.{NOTIFICATION.hex}@bank.example>"
OURS["X-Notification-Id"] = str(NOTIFICATION)
OURS["Subject"] = "Statement"
THEIRS = EmailMessage()
THEIRS["Message-ID"] = "<somebody@elsewhere.example>"
THEIRS["Subject"] = "Not ours"


def test_a_failure_names_its_status_and_diagnostic() -> None:
    report = read_report(dsn(OURS, "jane@bank.example", "failed", "5.1.1", "550 5.1.1 user unknown"), NOW)
    assert isinstance(report, DeliveryStatus) and report.notification_id == NOTIFICATION
    assert report.recipients == (
        RecipientStatus("jane@bank.example", Action.FAILED, "5.1.1", "user unknown"),
    )
    assert report.recipients[0].reason == "5.1.1 user unknown"


def test_the_envelope_id_alone_finds_the_email() -> None:
    report = read_report(dsn(THEIRS, "jane@bank.example", "delayed", "4.4.1", envid=str(NOTIFICATION)), NOW)
    assert isinstance(report, DeliveryStatus) and report.notification_id == NOTIFICATION


def test_in_reply_to_or_references_find_the_email() -> None:
    for header in ("In-Reply-To", "References"):
        raw = dsn(THEIRS, "jane@bank.example", "failed", "5.1.1").replace(
            b"MIME-Version", f"{header}: <x@y> {OURS['Message-ID']}\r\nMIME-Version".encode(), 1
        )
        report = read_report(raw, NOW)
        assert isinstance(report, DeliveryStatus) and report.notification_id == NOTIFICATION, header


def test_a_read_receipt_is_a_disposition_at_its_date() -> None:
    report = read_report(mdn(OURS, "jane@bank.example", "displayed"), NOW)
    assert isinstance(report, Disposition)
    assert (report.notification_id, report.disposition, report.recipient) == (
        NOTIFICATION,
        "displayed",
        "jane@bank.example",
    )
    assert report.at.tzinfo is not None


def test_a_report_on_someone_elses_email_or_a_plain_message_is_none() -> None:
    assert read_report(dsn(THEIRS, "who@elsewhere.example", "failed", "5.1.1"), NOW) is None
    assert read_report(b"From: jane@bank.example\r\nSubject: thanks\r\n\r\nThank you!\r\n", NOW) is None


def test_a_report_without_a_message_id_is_keyed_by_its_content() -> None:
    raw = dsn(OURS, "jane@bank.example", "delayed", "4.4.1")
    without = b"\r\n".join(line for line in raw.split(b"\r\n") if not line.endswith(b"@mx.bank.example>"))
    assert len(without) < len(raw)
    first, second = read_report(without, NOW), read_report(without, NOW)
    assert first is not None and second is not None
    assert first.report_id == second.report_id and len(first.report_id) == 64
