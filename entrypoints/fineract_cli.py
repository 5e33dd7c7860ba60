"""`notifications fineract tenant add|revoke|list`: the Fineract tenants that may send SMS."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from application.fineract_tenants import TenantKeys
from bootstrap.container import Container
from domain.fineract import InvalidTenant, TenantExists, UnknownTenant

T = TypeVar("T")


def add_tenant(container: Container, args: argparse.Namespace) -> int:
    tenants: TenantKeys = container.fineract_tenants()
    added = _run(lambda: tenants.add_tenant(args.tenant_id))
    if added is None:
        return 2
    tenant, key = added
    print(key)
    print(
        f"Fineract tenant {tenant.id} added: set this key as the MESSAGE_GATEWAY tenant_app_key"
        " of that tenant in Fineract (shown once)",
        file=sys.stderr,
    )
    return 0


def revoke_tenant(container: Container, args: argparse.Namespace) -> int:
    tenants: TenantKeys = container.fineract_tenants()
    tenant = _run(lambda: tenants.revoke_tenant(args.tenant_id))
    if tenant is None:
        return 2
    print(f"revoked Fineract tenant {tenant.id}")
    return 0


def list_tenants(container: Container, args: argparse.Namespace) -> int:
    tenants: TenantKeys = container.fineract_tenants()
    print(f"{'TENANT':30}  {'STATE':7}  {'ADDED (UTC)':16}  REVOKED (UTC)")
    for tenant in _run(tenants.list_tenants) or []:
        revoked = f"{tenant.revoked_at:%Y-%m-%d %H:%M}" if tenant.revoked_at else ""
        state = "active" if tenant.active else "revoked"
        print(f"{tenant.id:30}  {state:7}  {tenant.added_at:%Y-%m-%d %H:%M}  {revoked}")
    return 0


def _run(call: Callable[[], Awaitable[T]]) -> T | None:
    async def run() -> T:
        return await call()

    try:
        return asyncio.run(run())
    except (InvalidTenant, TenantExists, UnknownTenant) as error:
        print(f"notifications: {error}", file=sys.stderr)
        return None


def add_fineract_commands(commands: Any) -> None:
    fineract = commands.add_parser("fineract", help="manage the Fineract tenants (docs/fineract.md)")
    fineract_commands = fineract.add_subparsers(required=True, metavar="OBJECT")
    tenant = fineract_commands.add_parser("tenant", help="add, revoke and list Fineract tenants")
    actions = tenant.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a tenant and print its new app key once")
    add.add_argument("tenant_id", help="Fineract's tenant identifier, e.g. default")
    add.set_defaults(run=add_tenant)
    revoke = actions.add_parser("revoke", help="revoke a tenant's key")
    revoke.add_argument("tenant_id", help="Fineract's tenant identifier")
    revoke.set_defaults(run=revoke_tenant)
    actions.add_parser("list", help="list tenants (never their keys)").set_defaults(run=list_tenants)
