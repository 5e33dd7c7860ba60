"""Ids made from random bytes read in bulk from the kernel's random source."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

from application.ids import random_hex, time_ordered_uuid


def test_time_ordered_uuids_are_version_7_with_the_time_first_and_never_repeat() -> None:
    before = time.time_ns() // 1_000_000
    ids = [time_ordered_uuid() for _ in range(3000)]  # a few reads of the random source
    after = time.time_ns() // 1_000_000
    assert {(i.version, i.variant) for i in ids} == {(7, "specified in RFC 4122")}
    assert all(before <= i.int >> 80 <= after for i in ids)
    assert len(set(ids)) == len(ids)


def test_time_ordered_uuids_made_a_millisecond_apart_sort_in_that_order() -> None:
    earlier = [time_ordered_uuid() for _ in range(100)]
    time.sleep(0.002)
    later = [time_ordered_uuid() for _ in range(100)]
    assert max(earlier) < min(later)
    assert max(e.hex for e in earlier) < min(x.hex for x in later)  # as the stores keep them


def test_threads_taking_ids_at_once_never_get_the_same_one() -> None:
    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(lambda _: [random_hex() for _ in range(2000)], range(8)))
    ids = [i for batch in batches for i in batch]
    assert len(set(ids)) == len(ids) == 16_000
    assert {len(i) for i in ids} == {32}


def test_a_forked_process_hands_out_other_ids_than_its_parent() -> None:
    random_hex()  # the parent holds unread random bytes
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child process
        os.write(writing, random_hex().encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reading, 32) != random_hex().encode()  # the same bytes if the child reused them
