"""Apache Fineract's tenants: the register of the app keys its message-gateway calls carry.

A Fineract deployment sends SMS as one tenant (`Fineract-Platform-TenantId`) with that tenant's
key (`Fineract-Tenant-App-Key`). Keys are random and long, so a SHA-256 hash stands for each: the
register never holds a key, only what a given key is checked against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

REGISTER_ID = uuid5(UUID("b1e2f0a4-3c5d-4e6f-8a7b-9c0d1e2f3a4b"), "fineract-tenants")
TENANT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""Fineract's tenant identifiers (`default`, `bank-2`): also a client name of this service."""


@dataclass(frozen=True)
class Tenant:
    id: str
    key_hash: str
    added_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class FineractTenants(Aggregate):
    """Every Fineract tenant ever added, the hash of its current key, and whether it was revoked."""

    @staticmethod
    def create_id() -> UUID:
        return REGISTER_ID

    @event("Opened")
    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}

    def add(self, tenant_id: str, key_hash: str, added_at: datetime) -> None:
        """Adds a tenant, or gives a revoked one a new key. Raises InvalidTenant for a malformed id,
        TenantExists for a tenant that has a key that still stands."""
        if not TENANT_ID.fullmatch(tenant_id):
            raise InvalidTenant(
                "a Fineract tenant id is 1 to 100 letters, digits, '_', '.' or '-', starting with"
                " a letter or digit"
            )
        if tenant_id in self.tenants and self.tenants[tenant_id].active:
            raise TenantExists(tenant_id)
        self._tenant_added(tenant_id=tenant_id, key_hash=key_hash, added_at=added_at)

    def revoke(self, tenant_id: str, revoked_at: datetime) -> None:
        """Revokes the tenant's key; revoking it again changes nothing. Raises UnknownTenant."""
        if tenant_id not in self.tenants:
            raise UnknownTenant(tenant_id)
        if self.tenants[tenant_id].active:
            self._tenant_revoked(tenant_id=tenant_id, revoked_at=revoked_at)

    @property
    def active_keys(self) -> dict[str, str]:
        """The key hash of each tenant that may call."""
        return {t.id: t.key_hash for t in self.tenants.values() if t.active}

    @event("TenantAdded")
    def _tenant_added(self, tenant_id: str, key_hash: str, added_at: datetime) -> None:
        self.tenants[tenant_id] = Tenant(tenant_id, key_hash, added_at)

    @event("TenantRevoked")
    def _tenant_revoked(self, tenant_id: str, revoked_at: datetime) -> None:
        self.tenants[tenant_id] = replace(self.tenants[tenant_id], revoked_at=revoked_at)


class InvalidTenant(ValueError):
    pass


class TenantExists(ValueError):
    def __str__(self) -> str:
        return f"tenant {self.args[0]} already has a key; revoke it first to give it a new one"


class UnknownTenant(LookupError):
    def __str__(self) -> str:
        return f"no Fineract tenant {self.args[0]}"
