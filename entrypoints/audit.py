"""`notifications audit`: export the event log, replay it, and verify its hash chains."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any, NoReturn

from application.audit_trail import AuditRecord, AuditTrail
from application.replay import Replay
from bootstrap.container import Container
from domain.messages import Channel
from domain.notification import Status
from entrypoints.arguments import duration

PROGRESS_EVERY = 1000


class OneLineParser(argparse.ArgumentParser):
    """Tells bad input in one line, and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def export_events(container: Container, args: argparse.Namespace) -> None:
    trail: AuditTrail = container.audit_trail()
    file = args.output.open("w", encoding="utf-8") if args.output else contextlib.nullcontext(sys.stdout)
    with file as output:
        asyncio.run(_export(trail, args, output))


def replay_events(container: Container, args: argparse.Namespace) -> int:
    replay = asyncio.run(container.audit_trail().replay(args.pending_older_than))
    print("\n".join(replay_summary(replay, args.pending_older_than)))
    return 1 if replay.inconsistencies else 0


def verify_chains(container: Container, args: argparse.Namespace) -> int:
    async def run() -> tuple[int, int]:
        check, found = container.audit_trail().verify(), 0
        async for finding in check.findings():
            found += 1
            print(
                f"{finding.aggregate} {finding.aggregate_id} version {finding.version} "
                f"at position {finding.position}: {finding.problem}"
            )
        return check.events, found

    events, found = asyncio.run(run())
    verdict = "every chain is intact" if not found else f"{found} problem{'s' * (found != 1)}"
    print(f"verified {events:,} events: {verdict}")
    return 1 if found else 0


async def _export(trail: AuditTrail, args: argparse.Namespace, output: IO[str]) -> None:
    last, exported = await trail.last_position(), 0
    async for record in trail.export(args.since, args.until, args.client):
        output.write(json.dumps(exported_line(record), default=_plain, ensure_ascii=False) + "\n")
        exported += 1
        if exported % PROGRESS_EVERY == 0 and sys.stderr.isatty():
            print(f"\rexported {exported:,} events, position {record.event.position:,} of {last:,}", end="")
    if exported >= PROGRESS_EVERY and sys.stderr.isatty():
        print(f"\rexported {exported:,} events" + " " * 30)


def exported_line(record: AuditRecord) -> dict[str, Any]:
    event = record.event
    line = {
        "position": event.position,
        "aggregate": event.aggregate,
        "aggregate_id": event.aggregate_id,
        "version": event.version,
        "time": event.timestamp,
        "type": event.name,
        "client": record.client,
        "data": event.data,
        "hash": event.link.hash if event.link else None,
    }
    return line | ({"damage": event.damage} if event.damage else {})


def replay_summary(replay: Replay, threshold: timedelta) -> list[str]:
    lines = [f"replayed {replay.events:,} events, up to position {replay.last_position:,}", ""]
    statuses = list(Status)
    lines.append(f"{'channel':10}" + "".join(f"{status.value:>11}" for status in statuses))
    channels = [c.value for c in Channel] + sorted({c for c, _ in replay.counts} - set(Channel))
    for channel in channels:
        lines.append(f"{channel:10}" + "".join(f"{replay.counts[(channel, s)]:>11,}" for s in statuses))
    lines += [
        "",
        f"tokens: {replay.tokens['TokenIssued']:,} issued, {replay.tokens['TokenRevoked']:,} revoked",
    ]
    lines.append(f"pending for more than {_age(threshold)}: {len(replay.stale):,}")
    lines += [
        f"  {p.notification_id}  {p.channel:8}  requested {_time(p.requested_at)}" for p in replay.stale
    ]
    lines.append(f"inconsistencies: {len(replay.inconsistencies) or 'none'}")
    lines += [
        f"  notification {i.aggregate_id} version {i.version} at position {i.position}: {i.problem}"
        for i in replay.inconsistencies
    ]
    return lines


def add_audit_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="export, replay and verify the event log")
    actions = audit.add_subparsers(required=True, metavar="ACTION", parser_class=OneLineParser)
    export = actions.add_parser("export", help="every stored event in log order, as JSON lines")
    export.add_argument("--since", type=position, default=0, metavar="POSITION", help="start after it")
    export.add_argument("--until", type=position, metavar="POSITION", help="stop at it (included)")
    export.add_argument("--client", help="only the events of this client's notifications and tokens")
    export.add_argument("--output", type=Path, metavar="FILE", help="write there, not to standard output")
    export.set_defaults(run=export_events)
    replay = actions.add_parser("replay", help="rebuild every notification from its events, and check")
    replay.add_argument(
        "--pending-older-than", type=duration, default=timedelta(hours=1), metavar="AGE", help="e.g. 1h"
    )
    replay.set_defaults(run=replay_events)
    actions.add_parser("verify", help="check every aggregate's hash chain").set_defaults(run=verify_chains)


def position(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a log position (a whole number, 0 or more)")
    return int(text)


def _plain(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
