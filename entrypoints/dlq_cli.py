"""`notifications dlq list|replay`: see what the cloud queue dead-lettered, and send it back
(docs/operations.md, "Dead letters")."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import socket
import sys
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from application.dead_letters import DeadLetters, Listed, Outcome, Replay
from application.errors import QueueUnavailable
from bootstrap.container import Container

T = TypeVar("T")
HEADER = (
    f"{'NOTIFICATION':36}  {'CHANNEL':8}  {'STATUS':9}  {'ATTEMPTS':8}  {'DEAD-LETTERED (UTC)':19}  RECEIVED"
)


def list_dead_letters(container: Container, args: argparse.Namespace) -> int:
    dead_letters: DeadLetters = container.dead_letters()
    listed, total = _run(container, dead_letters.list_dead_letters())
    print(HEADER)
    for entry in listed:
        print(_row(entry))
    name = dead_letters.queue.name
    shown = f"{len(listed)} of about {total}" if total > len(listed) else str(len(listed))
    more = " (Azure shows at most 32 without taking them)" if total > len(listed) else ""
    print(f"{shown} dead-lettered messages in {name}{more}", file=sys.stderr)
    return 0


def replay_dead_letters(container: Container, args: argparse.Namespace) -> int:
    ids = [_notification_id(text) for text in args.ids]
    if None in ids:
        bad = next(text for text, i in zip(args.ids, ids, strict=True) if i is None)
        print(f"notifications: {bad!r} is not a notification id (a UUID)", file=sys.stderr)
        return 2
    dead_letters: DeadLetters = container.dead_letters()
    asked = [i for i in ids if i is not None] or None
    replays = _run(container, dead_letters.replay(asked, _operator()))
    for replay in replays:
        print(_said(replay, dead_letters.queue.name))
    done = sum(r.outcome is Outcome.REPLAYED for r in replays)
    print(f"replayed {done} of {len(replays)} dead-lettered messages", file=sys.stderr)
    failed = any(r.outcome is Outcome.FAILED for r in replays)
    refused = asked is not None and any(r.outcome is Outcome.NOT_PENDING for r in replays)
    return 1 if failed or refused else 0


def _run(container: Container, work: Awaitable[T]) -> T:
    async def run() -> T:
        try:
            return await work
        except QueueUnavailable as error:  # Azure's messages run over several lines
            raise type(error)(str(error).splitlines()[0]) from error
        finally:
            await container.queue().close()

    return asyncio.run(run())


def _row(entry: Listed) -> str:
    letter, notification = entry.letter, entry.notification
    received = "-" if letter.receive_count is None else str(letter.receive_count)
    if letter.message is None:
        columns = ["(unreadable message)", "-", "-", "-"]
    elif notification is None:
        columns = [str(letter.message.notification_id), "-", "unknown", "-"]
    else:
        columns = [str(notification.id), notification.channel.value, notification.status.value]
        columns.append(str(notification.attempts))
    ident, channel, status, attempts = columns
    when = _time(letter.dead_lettered_at)
    return f"{ident:36}  {channel:8}  {status:9}  {attempts:8}  {when:19}  {received}"


def _said(replay: Replay, queue: str) -> str:
    letter, notification = replay.letter, replay.notification
    ident = str(letter.message.notification_id) if letter.message else ""
    if replay.outcome is Outcome.REPLAYED:
        assert notification is not None
        return f"replayed {ident} ({notification.channel.value}, attempts so far {notification.attempts})"
    if replay.outcome is Outcome.DUPLICATE:
        return f"removed another message of {ident}, replayed above"
    if replay.outcome is Outcome.NOT_PENDING:
        assert notification is not None
        status = notification.status.value
        return f"not replayed: {ident} is {status}, not pending; its message stays in {queue}"
    if replay.outcome is Outcome.UNKNOWN:
        return f"not replayed: {ident} is not in the event store; its message stays in {queue}"
    if replay.outcome is Outcome.UNREADABLE:
        return f"not replayed: a message that is not a notification message stays in {queue}"
    return f"failed: {ident}: {replay.error}; its message stays in {queue}"


def _time(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}" if moment else "-"


def _notification_id(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None


def _operator() -> str:
    """Who ran the command, for the audit: the login name and the host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def add_dlq_commands(commands: Any) -> None:
    dlq = commands.add_parser("dlq", help="list or replay the cloud queue's dead-lettered messages")
    actions = dlq.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser(
        "list", help="list dead-lettered messages with their notifications' status, leaving them"
    ).set_defaults(run=list_dead_letters)
    replay = actions.add_parser(
        "replay", help="send dead-lettered notifications still pending back to the queue (all by default)"
    )
    replay.add_argument("ids", nargs="*", metavar="ID", help="notification ids (default: every message)")
    replay.set_defaults(run=replay_dead_letters)
