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


class Throttled(DeliveryError):
    """The provider answered "too many" (SMTP 421, 452 or 4.7.x; Twilio 429 or error 20429): it took
    nothing, and nothing is wrong with the message. `retry_after` is the provider's wait in seconds
    (Twilio's `Retry-After`), or the worker's backoff once paced, or None when nobody said."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class ForgedCallback(ApplicationError):
    """A request claiming to come from a provider that the provider did not sign."""


class InvalidCallback(ApplicationError):
    """A callback the provider signed that names no notification of ours."""


class MailboxUnavailable(ApplicationError):
    """The mailbox that bounces and read receipts arrive in cannot be read now (network, login)."""


class NoDeadLetterQueue(QueueUnavailable):
    """The queue configured has no dead-letter queue an operator can read (the in-process one, or
    SQS without one); the message says which setting would give one."""


class RateLimited(ApplicationError):
    """The client sent more requests than its rate allows; one may go after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"over the client rate limit; try again in {retry_after:.3f} s")
        self.retry_after = retry_after
