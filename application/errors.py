"""What a use case or a port can fail with, in the application's own words."""


class ApplicationError(Exception):
    pass


class NotFound(ApplicationError, LookupError):
    """No such notification, or not one the asking client may see."""


class Conflict(ApplicationError):
    """Another writer recorded events for the same aggregate first."""


class StoreUnavailable(ApplicationError):
    """The event store cannot be reached or refused the operation."""


class WritesRefused(StoreUnavailable):
    """The event store answers reads but would not take a write now (readiness's probe)."""


class QueueUnavailable(ApplicationError):
    """The queue cannot be reached or refused the operation."""


class IdempotencyKeyReused(ApplicationError):
    """The client used an idempotency key before with a different request."""


class InvalidToken(ApplicationError):
    """A bearer token that is missing, malformed, badly signed, expired or revoked."""


class DeliveryError(ApplicationError):
    pass


class TransientDeliveryError(DeliveryError):
    """The provider could not take the message now; trying again later may work."""


class PermanentDeliveryError(DeliveryError):
    """The provider will never take this message; the reason says why."""


class ForgedCallback(ApplicationError):
    """A request claiming to come from a provider that the provider did not sign."""


class InvalidCallback(ApplicationError):
    """A callback the provider signed that names no notification of ours."""


class MailboxUnavailable(ApplicationError):
    """The mailbox that bounces and read receipts arrive in cannot be read now (network, login)."""


class RateLimited(ApplicationError):
    """The client sent more requests than its rate allows; one may go after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"over the client rate limit; try again in {retry_after:.3f} s")
        self.retry_after = retry_after
