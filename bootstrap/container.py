"""The one container: which adapter serves which port, picked from the settings."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dependency_injector import containers, providers

from adapters.change_waiters import InProcessChanges
from adapters.clock import SystemClock
from adapters.event_store import EventSourcedStore
from adapters.group_commit import GroupCommit
from adapters.inprocess_queue import InProcessQueue
from adapters.jwt_tokens import JoseTokenAuthority, secret_in_file
from adapters.leadership import SoleLeadership
from application.access import Access
from application.audit_trail import AuditTrail
from application.dead_letters import DeadLetters
from application.delivery import Deliveries, RetryPolicy
from application.fineract import FineractGateway
from application.fineract_tenants import TenantKeys
from application.metrics import Backlog
from application.notifications import Notifications
from application.relay import Relay
from application.status_updates import StatusUpdates
from application.waiting import StatusWaits
from application.worker import Worker
from bootstrap.dead_letters import dead_letter_queue
from bootstrap.delivery_providers import delivery_providers, status_callbacks
from bootstrap.identity_provider import identity_provider
from bootstrap.limits import client_rate_limit, limit_store, recipient_guard
from bootstrap.mailbox import mailbox_reader
from bootstrap.metrics import metrics
from bootstrap.oauth_settings import oauth_tokens
from bootstrap.queues import azure_queue, file_leadership, postgres_leadership, sqs_queue
from bootstrap.settings import Settings
from bootstrap.tracing import (
    delivery_spans,
    trace_context,
    traced_providers,
    traced_queue,
    traced_requests,
    traced_store,
    tracer_provider,
)
from bootstrap.webhooks import webhook_providers
from domain.notification import Notification


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


def postgres_store(settings: Settings) -> EventSourcedStore:
    target = settings.postgres
    return EventSourcedStore.postgres(
        target.host,
        target.port,
        target.dbname,
        target.user,
        target.password,
        schema=settings.postgres_schema,
        pool_size=settings.postgres_pool_size,
        connect_timeout=settings.postgres_connect_timeout,
        create_tables=settings.postgres_create_tables,
        cipher_key=settings.cipher_key,
    )


def enabled(on: bool, relay: Relay) -> Relay | None:
    return relay if on else None


def changes_of(store: EventSourcedStore) -> InProcessChanges:
    return store.changes()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    # A notification as the HTTP API shows it (a webhook message's data): the entrypoints give it
    describe_notification: providers.Dependency[Callable[[Notification], dict[str, Any]]] = (
        providers.Dependency()
    )

    clock = providers.Singleton(SystemClock)
    event_store = providers.Selector(
        settings.provided.event_store,
        sqlite=providers.Singleton(
            EventSourcedStore.sqlite, settings.provided.sqlite_file, cipher_key=settings.provided.cipher_key
        ),
        memory=providers.Singleton(EventSourcedStore.in_memory, cipher_key=settings.provided.cipher_key),
        postgres=providers.Singleton(postgres_store, settings),
    )
    # Use cases write through group commit: concurrent saves share one transaction.
    # Long polls wait on `changes`: woken at once by this process's saves, by the log for others'.
    changes = providers.Singleton(changes_of, event_store)
    grouped_store = providers.Singleton(GroupCommit, event_store, saved=changes.provided.saved)
    queue = providers.Selector(
        settings.provided.queue,
        inprocess=providers.Singleton(InProcessQueue),
        # between processes, the relay of the delivery process that leads follows the log and hands
        # each notification to that process's consumer: the event log is the queue
        log=providers.Singleton(InProcessQueue),
        sqs=providers.Singleton(sqs_queue, settings),
        azure=providers.Singleton(azure_queue, settings),
    )
    token_authority = providers.Singleton(token_authority, settings)
    metrics = providers.Singleton(metrics, settings)
    # with the log as the queue, each process's in-process queue holds nothing worth a depth: the
    # relay lag is the backlog then
    backlog = providers.Singleton(
        Backlog,
        log=event_store,
        queue=providers.Selector(
            settings.provided.queue, inprocess=queue, log=providers.Object(None), sqs=queue, azure=queue
        ),
    )
    # OAuth 2.0 tokens for XOAUTH2 logins, one cache for SMTP and IMAP (None when not configured)
    oauth_tokens = providers.Singleton(oauth_tokens, settings)
    delivery_providers = providers.Singleton(delivery_providers, settings, oauth_tokens)
    retry_policy = providers.Singleton(
        RetryPolicy,
        max_attempts=settings.provided.max_attempts,
        base_delay=settings.provided.retry_base_delay,
        max_delay=settings.provided.retry_max_delay,
        attempt_timeout=settings.provided.attempt_timeout,
    )

    # The limits on what clients send (None when off): counters beside the event store
    limits = providers.Singleton(limit_store, settings)
    client_rate_limit = providers.Singleton(client_rate_limit, settings, limits.provider, clock)
    recipient_guard = providers.Singleton(recipient_guard, settings, limits.provider, clock)
    # OpenTelemetry (bootstrap/tracing.py): None, and the ports below their bare adapters, unless
    # OTEL_* variables turn it on; tests override it with a provider of their own
    tracer_provider = providers.Singleton(tracer_provider)
    traced_store = providers.Singleton(traced_store, grouped_store, tracer_provider)
    notifications = providers.Singleton(
        Notifications,
        store=traced_store,
        guard=recipient_guard,
        traces=providers.Singleton(trace_context, tracer_provider),
        metrics=metrics,
    )
    identity_provider = providers.Singleton(identity_provider, settings)
    access = providers.Singleton(
        Access,
        store=grouped_store,
        authority=token_authority,
        clock=clock,
        identity_provider=identity_provider,
    )
    status_waits = providers.Singleton(StatusWaits, notifications=notifications, changes=changes)
    deliveries = providers.Singleton(
        Deliveries,
        store=traced_store,
        providers=providers.Singleton(traced_providers, delivery_providers, settings, tracer_provider),
        policy=retry_policy,
        clock=clock,
        worker=providers.Callable(worker_name),
        metrics=metrics,
    )
    status_callbacks = providers.Singleton(status_callbacks, settings)
    status_updates = providers.Singleton(
        StatusUpdates, store=grouped_store, callbacks=status_callbacks, metrics=metrics
    )
    # one relay leads at a time among the processes sharing the event store
    relay_leadership = providers.Selector(
        settings.provided.event_store,
        sqlite=providers.Singleton(file_leadership, settings),
        memory=providers.Singleton(SoleLeadership),
        postgres=providers.Singleton(postgres_leadership, settings),
    )
    relay = providers.Singleton(
        Relay,
        log=providers.Singleton(traced_requests, event_store, tracer_provider),
        queue=providers.Singleton(traced_queue, queue, settings, tracer_provider),
        leadership=relay_leadership,
    )
    dead_letter_queue = providers.Singleton(dead_letter_queue, settings, queue)
    dead_letters = providers.Singleton(DeadLetters, queue=dead_letter_queue, store=grouped_store)
    audit_trail = providers.Singleton(AuditTrail, log=event_store, store=event_store, clock=clock)
    fineract_tenants = providers.Singleton(TenantKeys, store=grouped_store, clock=clock)
    fineract_gateway = providers.Singleton(
        FineractGateway,
        store=grouped_store,
        default_country_code=settings.provided.fineract_default_country_code,
        guard=recipient_guard,
        metrics=metrics,
    )
    webhook_register, webhook_transport, webhook_worker = webhook_providers(
        settings,
        event_store,
        grouped_store,
        clock,
        providers.Callable(worker_name),
        describe_notification,
        metrics,
    )
    mailbox_reader = providers.Singleton(mailbox_reader, settings, grouped_store, oauth_tokens, metrics)
    worker = providers.Factory(
        Worker,
        relay=providers.Callable(enabled, settings.provided.relay, relay),
        queue=queue,
        deliveries=deliveries,
        concurrency=settings.provided.worker_concurrency,
        visibility_timeout=settings.provided.queue_visibility_timeout,
        webhooks=webhook_worker,
        mailbox_reader=mailbox_reader,
        spans=providers.Singleton(delivery_spans, settings, tracer_provider),
    )


def build_container(
    settings: Settings, describe_notification: Callable[[Notification], dict[str, Any]] | None = None
) -> Container:
    """The container for the settings. Without `describe_notification` (the status view of
    `entrypoints/http/schemas.py`, which the processes' assembly passes), it makes no worker."""
    container = Container(settings=settings)
    if describe_notification is not None:
        container.describe_notification.override(providers.Object(describe_notification))
    return container
