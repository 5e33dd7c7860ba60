"""Gives every request an id, binds it to the logs and sends it back; logs each request once."""

from __future__ import annotations

import re
import time

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from application.ids import random_hex
from entrypoints.http.headers import field_value

log = structlog.get_logger("notifications.http")
_ACCEPTABLE = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        given = field_value(next((v for k, v in scope["headers"] if k == b"x-request-id"), b""))
        request_id = given if _ACCEPTABLE.fullmatch(given) else random_hex().encode()
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id.decode())
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", request_id)]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            log.info(
                "http.request",
                method=scope["method"],
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    return middleware
