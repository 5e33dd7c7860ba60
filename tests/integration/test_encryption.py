"""Events stored encrypted: nothing of a message can be read from the database, only through the key."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from adapters.event_store import EventSourcedStore
from application.audit_trail import AuditTrail
from application.errors import StoreUnavailable
from domain.messages import message_from_dict
from domain.notification import Notification
from tests.backends import Backend
from tests.cli import notifications, without_where
from tests.fakes import FixedClock

SECRETS = [b"ada.lovelace@example.org", b"bob@example.org", b"Your statement is ready", b"+15551234567"]
EMAIL = {
    "to": ["ada.lovelace@example.org"],
    "bcc": ["bob@example.org"],
    "subject": "Statement",
    "text": "Your statement is ready",
}


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


async def store_messages(store: EventSourcedStore) -> Notification:
    email = Notification.request(uuid4(), "bank", message_from_dict("email", EMAIL))
    sms = Notification.request(
        uuid4(), "bank", message_from_dict("sms", {"to": "+15551234567", "body": "Hi"})
    )
    await store.save(email, sms)
    return email


async def test_with_a_key_no_recipient_or_body_can_be_read_from_the_database(backend: Backend) -> None:
    store = backend.open(cipher_key=new_key())
    email = await store_messages(store)
    assert (await store.get(email.id)).message == email.message
    raw = backend.raw()
    assert raw and [secret for secret in SECRETS if secret in raw] == []


async def test_without_a_key_the_same_scan_finds_them_in_the_clear(backend: Backend) -> None:
    await store_messages(backend.open())
    raw = backend.raw()
    assert [secret for secret in SECRETS if secret in raw] == SECRETS


async def test_a_store_opened_with_another_key_or_none_stops_at_once_saying_why(backend: Backend) -> None:
    await store_messages(backend.open(cipher_key=new_key()))
    with pytest.raises(StoreUnavailable, match="cannot be decrypted with the cipher key given"):
        backend.open(cipher_key=new_key())
    with pytest.raises(StoreUnavailable, match="they look encrypted, and no cipher key is given"):
        backend.open()


async def test_an_encrypted_store_verifies_and_a_changed_byte_is_named(backend: Backend) -> None:
    key = new_key()
    store = backend.open(cipher_key=key)
    email = await store_messages(store)
    trail = AuditTrail(store, store, FixedClock(datetime.now(UTC)))
    assert [f async for f in trail.verify().findings()] == []
    state = bytearray(backend.state(email.id, 1))
    state[-1] ^= 1
    backend.set_state(email.id, 1, bytes(state))
    assert [(f.aggregate_id, f.problem) async for f in trail.verify().findings()] == [
        (email.id, "altered: it cannot be read (Cipher text is damaged: MAC check failed)")
    ]
    backend.open(cipher_key=key)  # one damaged event does not keep the service from starting


async def test_a_wrong_key_stops_a_command_with_one_line(backend: Backend) -> None:
    await store_messages(backend.open(cipher_key=new_key()))
    answer = notifications(
        "audit", "verify", env=backend.settings() | {"NOTIFICATIONS_CIPHER_KEY": new_key()}
    )
    assert answer.returncode == 2
    assert answer.stdout == ""
    assert without_where(answer.stderr) == [
        "notifications: the stored events cannot be decrypted with the cipher key given: "
        "it is not the key they were stored with, or they were stored unencrypted"
    ]


async def test_a_store_written_in_clear_cannot_be_opened_with_a_key(backend: Backend) -> None:
    await store_messages(backend.open())
    with pytest.raises(StoreUnavailable, match="or they were stored unencrypted"):
        backend.open(cipher_key=new_key())
