"""Which answers mean "too many" (adapters/too_many.py): SMTP replies, Twilio errors, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.too_many import retry_after, smtp_too_many, twilio_too_many


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (421, "4.7.0 too many"),
        (421, "4.7.0 Try again later, closing connection. (EHLO) - gsmtp"),
        (421, "4.4.2 Message submission rate for this client has exceeded the configured limit"),
        (421, "Service not available, closing transmission channel"),
        (452, "4.3.1 Insufficient system resources"),
        (450, "4.7.28 Gmail has detected an unusual rate of unsolicited mail"),
        (451, "4.7.500 Server busy. Please try again later"),
        (432, "4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded"),
    ],
)
def test_smtp_answers_that_ask_us_to_slow_down(code: int, message: str) -> None:
    assert smtp_too_many(code, message)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (451, "4.3.0 Mailbox busy, try again later"),
        (452, "4.5.3 Too many recipients"),  # for this message: waiting would never help
        (454, "4.7.0 Temporary authentication failure"),
        (450, "4.2.1 The user you are trying to contact is receiving mail too quickly"),
        (550, "5.7.1 Relaying denied"),
        (554, "5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException"),
        (535, "5.7.3 Authentication unsuccessful"),
        (451, "Temporary local problem 14.7.1"),
        (452, "4.2.2 Mailbox full"),  # one recipient's, not a rate
        (450, "4.7.1 <a@example.org>: Recipient address rejected: greylisted, try again later"),
        (451, "4.7.1 Greylisting in action, please come back later"),
    ],
)
def test_other_smtp_answers_are_not_too_many(code: int, message: str) -> None:
    assert not smtp_too_many(code, message)


@pytest.mark.parametrize(
    ("status", "code", "too_many"),
    [(429, 20429, True), (429, None, True), (400, 20429, True), (503, 20503, False), (400, 21211, False)],
)
def test_twilio_too_many_is_http_429_or_error_20429(status: int, code: int | None, too_many: bool) -> None:
    assert twilio_too_many(status, code) is too_many


NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        (" 120 ", 120.0),
        ("Sun, 29 Nov 2026 12:00:30 GMT", 30.0),
        ("Sun, 29 Nov 2026 11:00:00 GMT", 0.0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
    ],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    assert retry_after(header, now=NOW) == seconds
