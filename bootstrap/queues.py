"""The queue between the event log and the workers, and who leads the relay, as the settings choose."""

from __future__ import annotations

from typing import TYPE_CHECKING

from adapters.leadership import FileLeadership
from bootstrap.settings import Settings

if TYPE_CHECKING:  # imported when chosen: every command starts faster without boto3 and azure
    from adapters.azure_queue import AzureQueue
    from adapters.postgres_leadership import PostgresLeadership
    from adapters.sqs_queue import SqsQueue


def sqs_queue(settings: Settings) -> SqsQueue:
    from adapters.sqs_queue import SqsQueue

    return SqsQueue(
        settings.sqs_queue_url,
        region=settings.sqs_region or None,
        endpoint_url=settings.sqs_endpoint_url or None,
        visibility_timeout=settings.queue_visibility_timeout,
        dead_letter_queue_url=settings.sqs_dead_letter_queue_url or None,
    )


def azure_queue(settings: Settings) -> AzureQueue:
    from adapters.azure_queue import AzureQueue

    return AzureQueue.from_settings(
        settings.azure_queue_name,
        connection_string=settings.azure_connection_string,
        account_url=settings.azure_account_url,
        credential=settings.azure_credential,
        poison_queue_name=settings.azure_poison_queue_name,
        visibility_timeout=settings.queue_visibility_timeout,
    )


def postgres_leadership(settings: Settings) -> PostgresLeadership:
    from adapters.postgres_leadership import PostgresLeadership

    return PostgresLeadership(settings.postgres_connection, settings.postgres_schema)


def file_leadership(settings: Settings) -> FileLeadership:
    return FileLeadership(settings.sqlite_file.with_name(settings.sqlite_file.name + ".relay-lock"))
