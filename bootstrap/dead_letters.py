"""Which dead-letter queue `notifications dlq` reads: the one of the cloud queue the settings choose."""

from __future__ import annotations

from typing import Any

from application.errors import NoDeadLetterQueue
from application.ports import DeadLetterQueue
from bootstrap.settings import Settings


def dead_letter_queue(settings: Settings, queue: Any) -> DeadLetterQueue:
    """The adapter for `queue`'s dead-letter queue. Raises NoDeadLetterQueue for the in-process
    queue, whose dead letters live in the memory of the process that serves, and end with it."""
    if settings.queue == "sqs":
        from adapters.sqs_dead_letters import SqsDeadLetters

        return SqsDeadLetters(queue)
    if settings.queue == "azure":
        from adapters.azure_dead_letters import AzureDeadLetters

        return AzureDeadLetters(queue)
    if settings.queue == "log":
        raise NoDeadLetterQueue(
            "no dead-letter queue: the queue is the event log (NOTIFICATIONS_QUEUE=log), whose dead letters"
            " are kept in the delivery process's memory only; dlq works with sqs or azure"
        )
    raise NoDeadLetterQueue(
        "no dead-letter queue: the queue is in-process (NOTIFICATIONS_QUEUE=inprocess), its dead"
        " letters are kept in the serving process's memory only; dlq works with sqs or azure"
    )
