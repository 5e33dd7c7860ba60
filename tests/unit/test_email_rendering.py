"""The MIME form of an email reads back as it was asked: Subject and display names exactly, in any
script and length, each mailbox once, and a text part for HTML-only emails."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.email_mime import OVER_SMTP, add_bcc, mime_message
from domain.addresses import EmailAddress, Mailbox
from domain.messages import message_from_dict
from domain.notification import Notification

SENDER = Mailbox(EmailAddress("no-reply@bank.example"), "Bank")
EMAIL: dict[str, Any] = {"to": ["alice@example.org"], "subject": "Hello", "text": "Hello Alice"}
# printable text: no control characters, surrogates or line and paragraph separators
CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))
WORDS = st.lists(
    st.one_of(st.text(CHARACTERS, min_size=1, max_size=12), st.from_regex(r"[A-Za-z]{1,12}", fullmatch=True)),
    min_size=1,
    max_size=40,
)
SPACES = st.sampled_from([" ", "  ", "   ", " \xa0", "\u3000 ", "\xa0"])
TEXTS = st.one_of(
    st.text(CHARACTERS, min_size=1, max_size=998),
    st.builds(lambda words, gap: gap.join(words), WORDS, SPACES),
    st.builds(
        lambda words: " ".join(words),
        st.lists(
            st.sampled_from(
                ["le", "Überweisung", "réglé", "–", "für", "n°", "votre", "de", "İstanbul", "żółć"]  # noqa: RUF001
            ),
            min_size=1,
            max_size=200,
        ),
    ),
).filter(lambda text: text.strip() != "" and len(text) <= 998)


def rendered(sender: Mailbox = SENDER, **changes: Any) -> EmailMessage:
    """The message as a mail client reads it: the bytes that go out, parsed by Python's email parser.
    Over SMTP and in the outbox alike: the two must read the same."""
    notification = Notification.request(uuid4(), "bank", message_from_dict("email", EMAIL | changes))
    mime = mime_message(notification, sender)
    read = [
        message_from_bytes(content, policy=policy.default)
        for content in (mime.as_bytes(), mime.as_bytes(policy=OVER_SMTP))
    ]
    assert [(m["From"], m["Subject"]) for m in read[1:]] == [(read[0]["From"], read[0]["Subject"])]
    return read[0]  # type: ignore[return-value]


def parts(mail: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): part.get_content() for part in mail.walk() if not part.is_multipart()}


def test_a_subject_keeps_the_space_between_two_encoded_words() -> None:
    subject = "le Überweisung et réglé – de votre für n°"  # noqa: RUF001
    assert rendered(subject=subject)["Subject"] == subject


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_any_printable_subject_reads_back_exactly(subject: str) -> None:
    assert rendered(subject=subject)["Subject"] == subject


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_any_display_name_of_the_sender_reads_back_exactly(name: str) -> None:
    sender = Mailbox(EmailAddress("no-reply@bank.example"), name)
    (address,) = rendered(sender)["From"].addresses
    assert (address.display_name, address.addr_spec) == (sender.display_name, "no-reply@bank.example")


def test_a_display_name_is_kept_as_a_phrase_reads_it() -> None:
    assert (
        Mailbox(EmailAddress("a@example.org"), "  Zoë \xa0 Bänk,\u3000Inc. ").display_name == "Zoë Bänk, Inc."
    )


def test_a_sender_with_a_unicode_display_name_and_a_comma_reads_back_whole() -> None:
    sender = Mailbox.parse('"Zoë Bänk, Inc." <no-reply@example.org>')
    (address,) = rendered(sender)["From"].addresses
    assert (address.display_name, address.addr_spec) == ("Zoë Bänk, Inc.", "no-reply@example.org")


def test_an_internationalized_domain_is_written_in_its_ascii_form() -> None:
    mail = rendered(to=["alice@пример.рф", "bob@example.xn--p1ai"])
    assert mail["To"] == "alice@xn--e1afmkfd.xn--p1ai, bob@example.xn--p1ai"


def test_each_mailbox_is_named_once_in_the_headers() -> None:
    changes = {
        "to": ["alice@example.org", "alice@example.org"],
        "cc": ["alice@example.org", "bob@example.org"],
    }
    mail = rendered(**changes)
    assert (mail["To"], mail["Cc"]) == ("alice@example.org", "bob@example.org")


def test_the_outbox_copy_names_as_bcc_only_who_is_not_in_to_or_cc() -> None:
    email = message_from_dict(
        "email",
        EMAIL
        | {
            "cc": ["bob@example.org"],
            "bcc": ["alice@EXAMPLE.org", "bob@example.org", "carol@example.org", "carol@example.org"],
        },
    )
    mime = mime_message(Notification.request(uuid4(), "bank", email), SENDER)
    add_bcc(mime, email)  # type: ignore[arg-type]
    assert message_from_bytes(mime.as_bytes(), policy=policy.default)["Bcc"] == "carol@example.org"


def test_an_html_only_email_gets_a_text_part_with_its_links_lists_and_tables() -> None:
    html = (
        '<p>Hello <b>Alice</b>, see <a href="https://bank.example/s?a=1&amp;b=2">your statement</a>.</p>'
        "<ul><li>one</li><li>two</li></ul><table><tr><td>1 Dec</td><td>12,00 €</td></tr></table>"
    )
    text = parts(rendered(text=None, html=html))["text/plain"]
    assert "Hello Alice, see [your statement](https://bank.example/s?a=1&b=2)." in text
    assert "* one" in text and "* two" in text
    assert re.search(r"1 Dec +12,00 €", text)
    assert "<" not in text


@settings(deadline=None)  # its first example renders through html2text cold: slow on a loaded machine
@given(st.text(st.sampled_from(" \t\r\n\xa0\u2003\u3000"), min_size=1, max_size=20))
def test_a_text_of_white_space_only_is_replaced_by_one_made_from_the_html(blank: str) -> None:
    found = parts(rendered(text=blank, html="<p>Your card is on its way</p>"))
    assert found["text/plain"].strip() == "Your card is on its way"
    assert found["text/html"].strip() == "<p>Your card is on its way</p>"


@settings(deadline=None)
@given(st.text(CHARACTERS, min_size=1, max_size=200).filter(lambda t: t.strip() != ""))
def test_a_text_given_is_sent_as_given_beside_the_html(text: str) -> None:
    found = parts(rendered(text=text, html="<p>x</p>"))
    assert found["text/plain"].rstrip("\n") == text.rstrip("\n")
