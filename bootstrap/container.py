"""The one container: which adapter serves which port, picked from the settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path

from dependency_injector import containers, providers

from adapters.azure_queue import AzureQueue
from adapters.clock import SystemClock
from adapters.event_store import EventSourcedStore
from adapters.inprocess_queue import InProcessQueue
from adapters.jwt_tokens import JoseTokenAuthority, secret_in_file
from adapters.outbox import OutboxProvider
from adapters.sqs_queue import SqsQueue
from application.access import Access
from application.delivery import Deliveries, RetryPolicy
from application.notifications import Notifications
from application.ports import NotificationProvider
from application.relay import Relay
from bootstrap.settings import Settings
from domain.messages import Channel
from entrypoints.worker import Worker


def token_authority(settings: Settings) -> JoseTokenAuthority:
    if settings.jwt_algorithm.startswith("HS"):
        secret = settings.jwt_secret or secret_in_file(settings.data_path / "jwt-secret")
        verifying_key = secret
        signing_key: str | None = secret
    else:
        verifying_key = Path(settings.jwt_public_key_file).read_text()
        private = settings.jwt_private_key_file
        signing_key = Path(private).read_text() if private else None
    return JoseTokenAuthority(
        algorithm=settings.jwt_algorithm,
        verifying_key=verifying_key,
        signing_key=signing_key,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


def delivery_providers(settings: Settings) -> Mapping[Channel, NotificationProvider]:
    chosen = {
        Channel.EMAIL: settings.email_provider,
        Channel.SMS: settings.sms_provider,
        Channel.WHATSAPP: settings.whatsapp_provider,
    }
    return {
        channel: OutboxProvider(settings.outbox_path, channel, sender=settings.email_from)
        for channel, name in chosen.items()
        if name == "outbox"
    }


def sqs_queue(settings: Settings) -> SqsQueue:
    return SqsQueue(
        settings.sqs_queue_url,
        region=settings.sqs_region or None,
        endpoint_url=settings.sqs_endpoint_url or None,
        visibility_timeout=settings.queue_visibility_timeout,
        dead_letter_queue_url=settings.sqs_dead_letter_queue_url or None,
    )


def azure_queue(settings: Settings) -> AzureQueue:
    return AzureQueue.from_settings(
        settings.azure_queue_name,
        connection_string=settings.azure_connection_string,
        account_url=settings.azure_account_url,
        credential=settings.azure_credential,
        poison_queue_name=settings.azure_poison_queue_name,
        visibility_timeout=settings.queue_visibility_timeout,
    )


def enabled(on: bool, relay: Relay) -> Relay | None:
    return relay if on else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)
    event_store = providers.Selector(
        settings.provided.event_store,
        sqlite=providers.Singleton(EventSourcedStore.sqlite, settings.provided.sqlite_file),
        memory=providers.Singleton(EventSourcedStore.in_memory),
    )
    queue = providers.Selector(
        settings.provided.queue,
        inprocess=providers.Singleton(InProcessQueue),
        sqs=providers.Singleton(sqs_queue, settings),
        azure=providers.Singleton(azure_queue, settings),
    )
    token_authority = providers.Singleton(token_authority, settings)
    delivery_providers = providers.Singleton(delivery_providers, settings)
    retry_policy = providers.Singleton(
        RetryPolicy,
        max_attempts=settings.provided.max_attempts,
        base_delay=settings.provided.retry_base_delay,
        max_delay=settings.provided.retry_max_delay,
        attempt_timeout=settings.provided.attempt_timeout,
    )

    notifications = providers.Singleton(Notifications, store=event_store)
    access = providers.Singleton(Access, store=event_store, authority=token_authority, clock=clock)
    deliveries = providers.Singleton(
        Deliveries,
        store=event_store,
        providers=delivery_providers,
        policy=retry_policy,
        clock=clock,
        worker=providers.Callable(worker_name),
    )
    relay = providers.Singleton(Relay, log=event_store, queue=queue)
    worker = providers.Factory(
        Worker,
        relay=providers.Callable(enabled, settings.provided.relay, relay),
        queue=queue,
        deliveries=deliveries,
        concurrency=settings.provided.worker_concurrency,
        visibility_timeout=settings.provided.queue_visibility_timeout,
    )


def build_container(settings: Settings) -> Container:
    return Container(settings=settings)
