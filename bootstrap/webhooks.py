"""The webhook providers of the container: the register, the HTTP transport, and the worker's task."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.webhook_http import HttpWebhooks
from application.webhook_dispatch import WebhookDispatcher
from application.webhook_messages import WebhookRetries
from application.webhook_worker import WebhookWorker
from application.webhooks import WebhookRegister


def webhook_providers(
    settings: Any,
    event_store: Any,
    grouped_store: Any,
    clock: Any,
    worker_name: Any,
    describe: Any,
    metrics: Any,
) -> tuple[Any, Any, Any]:
    """`describe` provides the function that turns a notification into a webhook message's `data`
    (the HTTP API's status view, given by the entrypoints: bootstrap does not import them)."""
    register = providers.Singleton(WebhookRegister, store=grouped_store, clock=clock)
    transport = providers.Singleton(
        HttpWebhooks,
        timeout=settings.provided.webhook_timeout,
        allow_private=settings.provided.webhook_allow_private,
        max_connections=settings.provided.webhook_concurrency,
    )
    dispatcher = providers.Singleton(
        WebhookDispatcher,
        log=event_store,
        store=grouped_store,
        register=register,
        transport=transport,
        describe=describe,
        clock=clock,
        retries=providers.Singleton(WebhookRetries, timeout=settings.provided.webhook_timeout),
        worker=worker_name,
        metrics=metrics,
    )
    worker = providers.Factory(
        WebhookWorker,
        dispatcher=dispatcher,
        transport=transport,
        concurrency=settings.provided.webhook_concurrency,
    )
    return register, transport, worker
