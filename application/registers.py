"""Registers: one aggregate per kind (access tokens, Fineract tenants, webhooks) that every process
reads and any may change, so a change that loses a race is made again on a fresh copy."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from application.errors import Conflict, NotFound
from application.ports import EventStore
from domain.access import AccessTokens
from domain.fineract import FineractTenants
from domain.webhooks import Webhooks

R = TypeVar("R", AccessTokens, FineractTenants, Webhooks)
ATTEMPTS = 10


async def read_register(store: EventStore, kind: type[R]) -> R:
    """The register as stored, or an empty one before its first event."""
    try:
        register: R = await store.get(kind.create_id())
    except NotFound:
        return kind()
    return register


async def change_register(store: EventStore, kind: type[R], change: Callable[[R], None], name: str) -> R:
    """Applies `change` to a fresh copy and saves it; on a Conflict (another process wrote first)
    does it again, up to ATTEMPTS times. Raises Conflict ("the {name} register is too busy") after."""
    for _ in range(ATTEMPTS):
        register = await read_register(store, kind)
        change(register)
        try:
            await store.save(register)
        except Conflict:
            continue
        return register
    raise Conflict(f"the {name} register is too busy; try again")
