"""The webhook providers of the container: the register, the HTTP transport, and the worker's task."""

from __future__ import annotations

from typing import Any

import msgspec
from dependency_injector import providers

from adapters.webhook_http import HttpWebhooks
from application.webhook_dispatch import WebhookDispatcher
from application.webhook_messages import WebhookRetries
from application.webhooks import WebhookRegister
from domain.notification import Notification
from entrypoints.http.schemas import NotificationView
from entrypoints.webhook_worker import WebhookWorker


def status_view(notification: Notification) -> dict[str, Any]:
    """The notification as `GET /v1/notifications/{id}` shows it: a webhook message's `data`."""
    view: dict[str, Any] = msgspec.to_builtins(NotificationView.of(notification))
    return view


def webhook_providers(
    settings: Any, event_store: Any, grouped_store: Any, clock: Any, worker_name: Any, metrics: Any
) -> tuple[Any, Any, Any]:
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
        describe=providers.Object(status_view),
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
