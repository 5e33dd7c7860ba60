"""`notifications webhook`: set, remove or list clients' webhooks (docs/webhooks.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bootstrap.container import Container
from domain.webhooks import InvalidWebhook, NoWebhook


def set_webhook(container: Container, args: argparse.Namespace) -> int:
    try:
        secret = asyncio.run(container.webhook_register().set_webhook(args.client, args.url))
    except InvalidWebhook as error:
        print(f"notifications: {error}", file=sys.stderr)
        return 2
    print(secret)
    print(
        f"webhook of {args.client} set; verify its messages with the secret above, shown only once",
        file=sys.stderr,
    )
    return 0


def remove_webhook(container: Container, args: argparse.Namespace) -> int:
    try:
        asyncio.run(container.webhook_register().remove_webhook(args.client))
    except NoWebhook:
        print(f"notifications: {args.client} has no webhook", file=sys.stderr)
        return 2
    print(f"webhook of {args.client} removed")
    return 0


def list_webhooks(container: Container, args: argparse.Namespace) -> None:
    register = asyncio.run(container.webhook_register().register())
    print(f"{'CLIENT':20}  {'SET (UTC)':16}  URL")
    for client, endpoint in sorted(register.endpoints.items()):
        print(f"{client:20}  {endpoint.set_at:%Y-%m-%d %H:%M}  {endpoint.url}")


def add_webhook_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhook = commands.add_parser("webhook", help="set, remove or list clients' signed webhooks")
    actions = webhook.add_subparsers(required=True, metavar="ACTION")
    setting = actions.add_parser(
        "set", help="set the URL that hears of the client's notifications; prints its signing secret once"
    )
    setting.add_argument("--client", required=True, help="the client's name, as in its tokens")
    setting.add_argument("--url", required=True, help="an http:// or https:// URL (https recommended)")
    setting.set_defaults(run=set_webhook)
    removing = actions.add_parser("remove", help="remove the client's webhook; unsent messages are dropped")
    removing.add_argument("--client", required=True, help="the client's name")
    removing.set_defaults(run=remove_webhook)
    actions.add_parser("list", help="list clients' webhooks (never their secrets)").set_defaults(
        run=list_webhooks
    )
