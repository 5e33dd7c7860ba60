"""Ids made of bytes from the kernel's random source, read 4 KiB at a time.

Each read is a system call that cost several microseconds under load, about 3% of accepting a
notification; the bytes are those `os.urandom` gives, only fetched in bulk. A forked process
starts with none of its parent's bytes, so the two never hand out the same id.
"""

from __future__ import annotations

import os
import threading
import time
from uuid import UUID

_CHUNK = 4096
_VERSION_7 = 0x7 << 76 | 0b10 << 62  # the version and the variant of RFC 9562
_RANDOM_ONLY = ~(0xF << 76 | 0b11 << 62)


class _RandomBytes:
    def __init__(self) -> None:
        self.forget()

    def forget(self) -> None:
        self._buffer, self._at = b"", _CHUNK
        self._lock = threading.Lock()

    def take(self, size: int) -> bytes:
        with self._lock:
            if self._at + size > len(self._buffer):
                self._buffer, self._at = os.urandom(_CHUNK), 0
            self._at += size
            return self._buffer[self._at - size : self._at]


_random = _RandomBytes()
os.register_at_fork(after_in_child=_random.forget)


def time_ordered_uuid() -> UUID:
    """A version 7 UUID (RFC 9562): the Unix time in milliseconds, then 74 random bits.

    Ids made later sort after those made before, so an index on them grows at its end: a batch
    of new notifications changes a few pages of the store's index instead of one page each.
    """
    random = int.from_bytes(_random.take(10), "big")
    return UUID(int=(time.time_ns() // 1_000_000) << 80 | (random & _RANDOM_ONLY) | _VERSION_7)


def random_hex(size: int = 16) -> str:
    """`size` random bytes in hexadecimal."""
    return _random.take(size).hex()
