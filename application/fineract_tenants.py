"""Use cases of Fineract's tenants: add, revoke and list them, and tell whether a call's key is right."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable

import structlog

from application.errors import ApplicationError
from application.ports import Clock, EventStore
from application.registers import change_register, read_register
from domain.fineract import FineractTenants, Tenant

log = structlog.get_logger("notifications")

Change = Callable[[FineractTenants], None]


class TenantRefused(ApplicationError):
    """The call names no tenant that may call, or carries a key that is not the tenant's."""


class TenantKeys:
    """The tenants' keys: recorded in the event store, checked against a copy held in memory.

    The copy follows the store through `refresh` (every NOTIFICATIONS_REVOCATION_REFRESH seconds in
    `serve`), so a tenant added or revoked by any process is honoured by every other one as soon.
    """

    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._keys: dict[str, str] = {}

    async def add_tenant(self, tenant_id: str) -> tuple[Tenant, str]:
        """Records a tenant with a new key (256 random bits) and returns the key, shown once.

        Raises InvalidTenant, TenantExists (domain.fineract), Conflict if the register stays busy.
        """
        key, now = secrets.token_urlsafe(32), self.clock.now()
        register = await self._change_register(lambda r: r.add(tenant_id, key_hash(key), now))
        self._keys = register.active_keys
        log.info("fineract.tenant_added", tenant=tenant_id)
        return register.tenants[tenant_id], key

    async def revoke_tenant(self, tenant_id: str) -> Tenant:
        """Revokes the tenant's key. Raises UnknownTenant (domain.fineract)."""
        now = self.clock.now()
        register = await self._change_register(lambda r: r.revoke(tenant_id, now))
        self._keys = register.active_keys
        log.info("fineract.tenant_revoked", tenant=tenant_id)
        return register.tenants[tenant_id]

    async def list_tenants(self) -> list[Tenant]:
        return sorted((await self._register()).tenants.values(), key=lambda t: t.added_at)

    async def refresh(self) -> None:
        """Reads the tenants added and revoked by any process since the last refresh."""
        self._keys = (await self._register()).active_keys

    def authenticate(self, tenant_id: str, key: str) -> str:
        """Returns the tenant id if `key` is its current key; raises TenantRefused otherwise.

        The hashes are compared in constant time (hmac.compare_digest), also for an unknown tenant.
        """
        expected = self._keys.get(tenant_id)
        matches = hmac.compare_digest(key_hash(key), expected or _NO_KEY)
        if expected is None or not matches:
            raise TenantRefused("unknown tenant, revoked tenant, or wrong Fineract-Tenant-App-Key")
        return tenant_id

    async def _register(self) -> FineractTenants:
        return await read_register(self.store, FineractTenants)

    async def _change_register(self, change: Change) -> FineractTenants:
        return await change_register(self.store, FineractTenants, change, "Fineract tenant")


def key_hash(key: str) -> str:
    """The SHA-256 of the key's UTF-8 bytes, in hexadecimal: what the register keeps of a key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


_NO_KEY = key_hash("")
