"""The `notifications` command: run the service or the worker, and manage access tokens."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from application.errors import ApplicationError
from bootstrap.container import Container, build_container
from bootstrap.logging import configure_logging
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.access import InvalidClient, Scope, UnknownToken
from entrypoints.webhook_cli import add_webhook_commands

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        quiet = args.run not in (serve, work)  # token commands say what they did themselves
        configure_logging("warning" if quiet else settings.log_level, settings.log_format)
        _say_where(settings, args.run)
        return int(args.run(build_container(settings), args) or 0)
    except BrokenPipeError:  # the reader went away (`audit export | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (SettingsError, ApplicationError, InvalidClient, UnknownToken, OSError) as error:
        print(f"notifications: {_reason(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def serve(container: Container, args: argparse.Namespace) -> None:
    from entrypoints.http.app import create_app
    from entrypoints.http.server import HttpLimits, run

    settings = container.settings()
    app = create_app(container, run_worker=not args.no_worker)
    limits = HttpLimits(
        settings.http_max_header_bytes, settings.http_header_timeout, settings.http_keep_alive_timeout
    )
    _keep_collections_short()
    host, port = args.host or settings.host, settings.port if args.port is None else args.port
    run(app, host, port, limits, settings.shutdown_timeout, stopping=container.changes().stop_waiting)


def work(container: Container, args: argparse.Namespace) -> None:
    async def run() -> None:
        worker, stopping = container.worker(), asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        worker.start()
        await stopping.wait()
        await worker.shutdown(container.settings().shutdown_timeout)
        await container.queue().close()
        container.metrics().close()

    _keep_collections_short()
    try:
        import uvloop
    except ImportError:  # not on Windows
        asyncio.run(run())
    else:
        uvloop.run(run())


def _keep_collections_short() -> None:
    # A full collection walks every object; those made at start-up (the modules, the app) live
    # as long as the process. Left out of collections, they no longer stall requests for 60 ms.
    gc.collect()
    gc.freeze()
    # Nearly everything a request makes is freed by reference counting. With the default
    # threshold (700) the collector ran over 100 times a second under load, for little; at 10,000
    # it runs about once a second, and what it does find is held a little longer.
    gc.set_threshold(10_000, 10, 10)


def issue_token(container: Container, args: argparse.Namespace) -> None:
    scopes = [Scope(s) for s in args.scope] if args.scope else list(Scope)
    record, token = asyncio.run(container.access().issue_token(args.client, scopes, args.expires_in))
    print(token)
    print(
        f"token {record.id} for {record.client} ({' '.join(record.scopes)}), "
        f"expires {record.expires_at:%Y-%m-%d %H:%M} UTC",
        file=sys.stderr,
    )


def revoke_token(container: Container, args: argparse.Namespace) -> None:
    record = asyncio.run(container.access().revoke_token(args.token_id))
    print(f"revoked token {record.id} of {record.client}")


def list_tokens(container: Container, args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    print(f"{'ID':36}  {'CLIENT':20}  {'STATE':7}  {'EXPIRES (UTC)':16}  SCOPES")
    for record in asyncio.run(container.access().list_tokens()):
        state = "revoked" if record.revoked_at else "expired" if record.expires_at <= now else "active"
        print(
            f"{record.id!s:36}  {record.client:20}  {state:7}  "
            f"{record.expires_at:%Y-%m-%d %H:%M}  {' '.join(record.scopes)}"
        )


def migrate(container: Container, args: argparse.Namespace) -> None:
    store = container.event_store()
    asyncio.run(store.migrate())
    print(f"the tables of {store.where} are ready")


def duration(text: str) -> timedelta:
    """Reads durations such as 90d, 12h, 30m or 3600s."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match[1]) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration such as 90d, 12h, 30m or 3600s")
    return timedelta(**{_UNITS[match[2]]: int(match[1])})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifications", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("serve", help="run the HTTP API (and the worker, unless --no-worker)")
    run.add_argument("--host", help="address to listen on (default: NOTIFICATIONS_HOST)")
    run.add_argument("--port", type=int, help="port to listen on (default: NOTIFICATIONS_PORT)")
    run.add_argument("--no-worker", action="store_true", help="do not deliver in this process")
    run.set_defaults(run=serve)

    commands.add_parser("worker", help="run the queue worker alone").set_defaults(run=work)

    token = commands.add_parser("token", help="issue, revoke and list access tokens")
    token_commands = token.add_subparsers(required=True, metavar="ACTION")
    issue = token_commands.add_parser("issue", help="issue a token and print it once")
    issue.add_argument("--client", required=True, help="the client's name, the token's subject")
    issue.add_argument(
        "--scope", action="append", choices=[s.value for s in Scope], help="repeat for several (default: all)"
    )
    issue.add_argument(
        "--expires-in", type=duration, default=timedelta(days=90), help="e.g. 90d (default), 12h"
    )
    issue.set_defaults(run=issue_token)
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id", type=UUID, help="the id that `token list` shows")
    revoke.set_defaults(run=revoke_token)
    token_commands.add_parser("list", help="list tokens (never the tokens themselves)").set_defaults(
        run=list_tokens
    )

    from entrypoints.audit import add_audit_commands  # it imports this module

    add_audit_commands(commands)
    from entrypoints.fineract_cli import add_fineract_commands

    add_fineract_commands(commands)
    add_webhook_commands(commands)
    db = commands.add_parser("db", help="manage the event store's database")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    db_commands.add_parser("migrate", help="create the event store's tables if missing").set_defaults(
        run=migrate
    )
    return parser


def _say_where(settings: Settings, command: object) -> None:
    """One line on stderr naming the data directory and the event store, never a password: two
    commands run from different folders would otherwise use two keys and two stores."""
    where = f"data directory {settings.data_path.resolve()}, event store {_store(settings)}"
    if command in (serve, work):
        structlog.get_logger("notifications").info("data.directory", where=where)
    else:  # token, db and audit commands: stdout is their answer, kept clean for scripts
        print(f"notifications: {where}", file=sys.stderr)


def _store(settings: Settings) -> str:
    if settings.event_store == "sqlite":
        return f"SQLite {settings.sqlite_file.resolve()}"
    if settings.event_store == "postgres":
        target = settings.postgres
        return f"PostgreSQL {target.user}@{target.host}:{target.port}/{target.dbname}"
    return "in memory (lost at exit)"


def _reason(error: Exception) -> str:
    if isinstance(error, UnknownToken):
        return f"no token with id {error.args[0]}"
    return str(error)


if __name__ == "__main__":
    sys.exit(main())
