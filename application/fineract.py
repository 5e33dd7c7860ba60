"""Use cases of Apache Fineract's message gateway: take a batch of SMS, report what became of them.

A Fineract tenant is a client of this service: each SMS it sends becomes an ordinary SMS
notification of that client, its `internalId` kept as the reference. The notification's id follows
from (tenant, internalId), so a batch sent twice collides in the store itself and creates nothing
new, whichever process it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid5

import structlog

from application.errors import Conflict
from application.limits import RecipientGuard
from application.metrics import NO_METRICS, Metrics
from application.ports import EventStore
from domain.addresses import InvalidValue, PhoneNumber
from domain.fineract_numbers import NationalNumber, to_e164
from domain.messages import InvalidMessage, Sms, message_from_dict
from domain.notification import Notification, Status

FINERACT_NAMESPACE = UUID("5b0f3c2e-7d8a-4e1b-9f6c-2a4d8e0b1c37")
ATTEMPTS_ON_CONFLICT = 5
NO_COUNTRY_CODE = "and NOTIFICATIONS_FINERACT_DEFAULT_COUNTRY_CODE is not set"

log = structlog.get_logger("notifications")


@dataclass(frozen=True)
class FineractSms:
    """One SMS of a batch, as Fineract's `SmsMessageApiQueueResourceData` carries it."""

    internal_id: int
    mobile_number: str
    message: str


@dataclass(frozen=True)
class Report:
    """One row of a delivery report, in the status codes of Fineract's `SmsMessageStatusType`:
    0 invalid, 100 pending, 150 waiting for a report, 200 sent, 300 delivered, 400 failed."""

    internal_id: int
    status: int
    external_id: str | None = None
    delivered_at: datetime | None = None
    error: str | None = None


def notification_id(tenant: str, internal_id: int) -> UUID:
    """The id of the notification made for a tenant's SMS: the same for the same (tenant, internalId)."""
    return uuid5(FINERACT_NAMESPACE, f"{tenant}\n{internal_id}")


class FineractGateway:
    def __init__(
        self,
        store: EventStore,
        default_country_code: str = "",
        guard: RecipientGuard | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self.store = store
        self.default_country_code = default_country_code
        self.guard = guard
        self.metrics = metrics

    async def accept(self, tenant: str, batch: list[FineractSms]) -> list[Notification]:
        """Records the batch's SMS that are new, in one transaction; returns what it recorded.

        An SMS already recorded (same tenant and internalId, from an earlier batch, from another
        process, or earlier in this batch) is left as it is. An SMS that cannot be sent (no number,
        a number not in E.164 without a default country code, an empty body) is recorded refused
        with the reason, which its report row gives; so is an SMS over the recipient guard's limit.
        Raises Conflict if other writers keep
        recording the same ids first, StoreUnavailable.
        """
        first: dict[int, FineractSms] = {}
        for sms in batch:
            first.setdefault(sms.internal_id, sms)
        unique = list(first.values())
        ids = [notification_id(tenant, sms.internal_id) for sms in unique]
        for _ in range(ATTEMPTS_ON_CONFLICT):
            stored = await self.store.get_many(ids)
            new = [
                self._notification(tenant, sms, nid)
                for sms, nid, found in zip(unique, ids, stored, strict=True)
                if found is None
            ]
            if not new:
                return []
            try:
                await self._save(new)
            except Conflict:  # another process recorded some of them meanwhile: read again
                continue
            refused = sum(n.status is Status.REFUSED for n in new)
            for notification in new:
                self.metrics.accepted(notification.channel)
                self.metrics.concluded(notification)
            log.info("fineract.batch_accepted", client=tenant, sms=len(batch), new=len(new), refused=refused)
            return new
        raise Conflict("other writers keep recording this batch's SMS; try again")

    async def _save(self, new: list[Notification]) -> None:
        if self.guard is None:
            await self.store.save(*new)
            return
        async with self.guard.screening(new):  # each SMS counts, as if sent alone
            await self.store.save(*new)

    async def report(self, tenant: str, internal_ids: list[int]) -> list[Report]:
        """One row per id asked, in order, read in one query; an unknown id is a row with status 0."""
        found = await self.store.get_many([notification_id(tenant, i) for i in internal_ids])
        return [
            _report(i, n if _owned_by(n, tenant) else None) for i, n in zip(internal_ids, found, strict=True)
        ]

    def _notification(self, tenant: str, sms: FineractSms, nid: UUID) -> Notification:
        reference = str(sms.internal_id)
        try:
            to = to_e164(sms.mobile_number, self.default_country_code)
            message = Sms(PhoneNumber(to), sms.message)
        except InvalidValue as error:
            reason = f"mobileNumber {error}"
            if isinstance(error, NationalNumber):
                reason = f"{reason} {NO_COUNTRY_CODE}"
            return _refused(nid, tenant, sms, reference, reason)
        except InvalidMessage as error:
            return _refused(nid, tenant, sms, reference, f"message {error.reason}")
        return Notification.request(nid, tenant, message, reference)


def _refused(nid: UUID, tenant: str, sms: FineractSms, reference: str, reason: str) -> Notification:
    # Recorded as it came, with the reason it was refused: audited like any notification, and the
    # report tells Fineract why. Its rules are suspended only to keep the values that broke them.
    message = message_from_dict("sms", {"to": sms.mobile_number, "body": sms.message}, checked=False)
    notification = Notification.request(nid, tenant, message, reference)
    notification.refuse(reason)
    return notification


def _owned_by(notification: Notification | None, tenant: str) -> bool:
    return isinstance(notification, Notification) and notification.client == tenant


def _report(internal_id: int, notification: Notification | None) -> Report:
    if notification is None:
        return Report(internal_id, 0, error="no SMS with this internalId was received from this tenant")
    external_id = notification.provider_message_id
    if notification.status is Status.DELIVERED:
        return Report(internal_id, 300, external_id, notification.modified_on)
    if notification.status is Status.REFUSED:
        return Report(internal_id, 400, external_id, error=notification.reason)
    if notification.awaiting_confirmation:
        return Report(internal_id, 200, external_id)
    return Report(internal_id, 150 if notification.attempts else 100, external_id)
