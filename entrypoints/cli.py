"""The `notifications` command: run the service or the worker, and manage access tokens."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog

from application.errors import ApplicationError
from bootstrap.container import Container
from bootstrap.logging import configure_logging
from bootstrap.settings import Settings, SettingsError, load_settings
from domain.access import InvalidClient, Scope, UnknownToken
from entrypoints.arguments import duration
from entrypoints.audit import add_audit_commands
from entrypoints.dlq_cli import add_dlq_commands
from entrypoints.fineract_cli import add_fineract_commands
from entrypoints.processes import api_process, container_for, delivery_process, one_process
from entrypoints.supervisor import supervise
from entrypoints.webhook_cli import add_webhook_commands


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        quiet = args.run not in (serve, work)  # token commands say what they did themselves
        configure_logging("warning" if quiet else settings.log_level, settings.log_format)
        _say_where(settings, args.run)
        return int(args.run(container_for(settings), args) or 0)
    except BrokenPipeError:  # the reader went away (`audit export | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (SettingsError, ApplicationError, InvalidClient, UnknownToken, OSError) as error:
        print(f"notifications: {_reason(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def serve(container: Container, args: argparse.Namespace) -> int:
    settings = container.settings()
    host, port = args.host or settings.host, settings.port if args.port is None else args.port
    if args.fd is not None:  # one of the API processes a supervisor started
        api_process(container, host, port, listening_fd=args.fd)
    elif args.processes > 1:
        return supervise(container, host, port, args.processes, deliver=not args.no_worker)
    elif args.no_worker:
        api_process(container, host, port)
    else:
        one_process(container, host, port)
    return 0


def work(container: Container, args: argparse.Namespace) -> None:
    delivery_process(container)


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

    async def run() -> None:
        await store.migrate()
        if container.settings().event_store == "postgres":  # the limits' tables, ready for when they are on
            limits = container.limits()
            await limits.migrate()
            limits.close()

    asyncio.run(run())
    print(f"the tables of {store.where} are ready")


def processes(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes from 1 to 64")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="notifications", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser("serve", help="run the HTTP API (and the worker, unless --no-worker)")
    run.add_argument("--host", help="address to listen on (default: NOTIFICATIONS_HOST)")
    run.add_argument("--port", type=int, help="port to listen on (default: NOTIFICATIONS_PORT)")
    run.add_argument("--no-worker", action="store_true", help="do not deliver in this process")
    run.add_argument(
        "--processes",
        type=processes,
        default=1,
        metavar="N",
        help="N API processes on one port, and a delivery process (default 1: one process for both)",
    )
    run.add_argument("--fd", type=int, help=argparse.SUPPRESS)  # the supervisor's shared socket
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

    add_audit_commands(commands)
    add_fineract_commands(commands)
    add_webhook_commands(commands)
    add_dlq_commands(commands)
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
