"""Tamper evidence: each aggregate's stored events form a chain of SHA-256 hashes.

An event's stored state is its encoded state (the library's JSON, timestamp included) with a
`__chain__` member appended: the hash of its predecessor (GENESIS for version 1) and its own
hash, taken over that predecessor hash, its originator id, version and topic, and the exact bytes
of its encoded state. Altering, reordering or deleting a stored event therefore breaks the chain.
Compression and encryption, if any, apply after chaining. The chain is added on write and
removed on read: domain events never see it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    EventStore,
    Mapper,
    MapperDeserialisationError,
    Recording,
    StoredEvent,
    Transcoder,
)
from eventsourcing.persistence import Notification as LogRecord

from application.audit import GENESIS, Link

CHAIN = "__chain__"
_SUFFIX_LENGTH = 170  # the chain member and the closing brace: the last 166 or 167 bytes
_SUFFIX = re.compile(rb',?"__chain__":\{"previous":"([0-9a-f]{64})","hash":"([0-9a-f]{64})"\}\}\Z')


def chain_hash(previous: str, stored: StoredEvent, body: bytes) -> str:
    head = f"{previous}\n{_uuid(stored.originator_id)}\n{stored.originator_version}\n{stored.topic}\n"
    return hashlib.sha256(head.encode() + body).hexdigest()


class ChainingMapper(Mapper[UUID]):
    """Chains events on write and unchains them on read; compresses and encrypts after chaining."""

    def __init__(
        self, transcoder: Transcoder, compressor: Compressor | None = None, cipher: Cipher | None = None
    ) -> None:
        super().__init__(transcoder)  # the library's part only encodes and decodes
        self.sealing = (compressor, cipher)
        self.heads = Heads()

    def to_chained_stored_event(
        self, event: DomainEventProtocol[UUID], previous: str
    ) -> tuple[StoredEvent, str]:
        """Returns the stored form of the event, chained after `previous`, and its own hash."""
        plain = super().to_stored_event(event)
        own = chain_hash(previous, plain, plain.state)
        member = f'"{CHAIN}":{{"previous":"{previous}","hash":"{own}"}}}}'.encode()
        state = plain.state[:-1] + (b"," if plain.state != b"{}" else b"") + member
        sealed = StoredEvent(plain.originator_id, plain.originator_version, plain.topic, self._seal(state))
        return sealed, own

    def to_domain_event(self, stored_event: StoredEvent, newest: bool = False) -> DomainEventProtocol[UUID]:
        """The domain event; with `newest`, the event is its aggregate's newest, whose hash the
        next save of the aggregate continues from, and is remembered for it."""
        state = self._open(stored_event)
        event = self._decoded(stored_event, state)
        if newest and (found := _chain_of(state)):
            self.heads.remember(stored_event, found[2].decode())
        return event

    def read(self, stored: StoredEvent) -> tuple[DomainEventProtocol[UUID], Link]:
        """Returns the domain event and its link. Raises MapperDeserialisationError if unreadable."""
        state = self._open(stored)
        return self._decoded(stored, state), link(stored, state)

    def _decoded(self, stored: StoredEvent, state: bytes) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored if state is stored.state else replace(stored, state=state))
        vars(event).pop(CHAIN, None)
        return event

    def link_of(self, stored: StoredEvent) -> Link:
        return link(stored, self._open(stored))

    def _seal(self, state: bytes) -> bytes:
        compressor, cipher = self.sealing
        state = compressor.compress(state) if compressor else state
        return cipher.encrypt(state) if cipher else state

    def _open(self, stored: StoredEvent) -> bytes:
        compressor, cipher = self.sealing
        try:
            state = cipher.decrypt(stored.state) if cipher else stored.state
            return compressor.decompress(state) if compressor else state
        except Exception as error:
            raise MapperDeserialisationError(
                f"event {stored.originator_id} v{stored.originator_version} cannot be decrypted: {error}"
            ) from error


def link(stored: StoredEvent, state: bytes) -> Link:
    """The link an event carries, and whether its own hash matches its content."""
    found = _chain_of(state)
    if found is None:
        return Link(None, chain_hash(GENESIS, stored, state), intact=False)
    previous, own = found[1].decode(), found[2].decode()
    body = state[: found.start()] + b"}"
    return Link(previous, own, intact=chain_hash(previous, stored, body) == own)


class Heads:
    """The hashes of the events last read or written, so that a save seldom reads its predecessor."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._hashes: OrderedDict[tuple[UUID, int], str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, stored: StoredEvent, hash_: str) -> None:
        with self._lock:
            self._hashes[(_uuid(stored.originator_id), stored.originator_version)] = hash_
            if len(self._hashes) > self.size:
                self._hashes.popitem(last=False)

    def get(self, aggregate_id: UUID, version: int) -> str | None:
        with self._lock:
            return self._hashes.get((aggregate_id, version))


class ChainedEventStore(EventStore[UUID]):
    """The library's event store, chaining each event after the one stored before it."""

    def __init__(self, mapper: ChainingMapper, recorder: Any) -> None:
        super().__init__(mapper, recorder)
        self.chaining = mapper

    def put(self, domain_events: Any, **kwargs: Any) -> list[Recording[UUID]]:
        events = list(domain_events)
        chained = self._chained(events, self._stored_head)
        stored = [event for event, _ in chained]
        ids = self.recorder.insert_events(stored, **kwargs) or []
        self.remember(chained)
        return [
            Recording(event, LogRecord(s.originator_id, s.originator_version, s.topic, s.state, id=i))
            for event, s, i in zip(events, stored, ids, strict=False)
        ]

    def chain_without_reading(self, events: list[Any]) -> list[tuple[StoredEvent, str]] | None:
        """The events' stored forms and own hashes, or None if a predecessor's hash must be read."""
        try:
            return self._chained(events, self._known_head)
        except LookupError:
            return None

    def remember(self, chained: list[tuple[StoredEvent, str]]) -> None:
        """Only once stored: a save that lost a race must not be followed."""
        for event, own in chained:
            self.chaining.heads.remember(event, own)

    def _chained(
        self, events: list[DomainEventProtocol[UUID]], head: Callable[[DomainEventProtocol[UUID]], str]
    ) -> list[tuple[StoredEvent, str]]:
        heads: dict[UUID, str] = {}
        chained = []
        for event in events:
            previous = heads.get(event.originator_id) or head(event)
            stored, heads[event.originator_id] = self.chaining.to_chained_stored_event(event, previous)
            chained.append((stored, heads[event.originator_id]))
        return chained

    def _known_head(self, event: DomainEventProtocol[UUID]) -> str:
        if event.originator_version == 1:
            return GENESIS
        if known := self.chaining.heads.get(event.originator_id, event.originator_version - 1):
            return known
        raise LookupError(event.originator_id)

    def _stored_head(self, event: DomainEventProtocol[UUID]) -> str:
        with contextlib.suppress(LookupError):
            return self._known_head(event)
        before = self.recorder.select_events(
            event.originator_id, lte=event.originator_version - 1, desc=True, limit=1
        )
        return self.chaining.link_of(before[0]).hash if before else GENESIS


def _uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def _chain_of(state: bytes) -> re.Match[bytes] | None:
    return _SUFFIX.search(state, max(0, len(state) - _SUFFIX_LENGTH))
