"""CORS for browser frontends, by Litestar's own support (`CORSConfig`), from
`NOTIFICATIONS_CORS_ALLOW_ORIGINS`.

An allowed origin's preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`) for
GET, HEAD or POST with `Authorization`, `Content-Type`, `Idempotency-Key` or `X-Request-ID`
answers 204; any other origin, method or header answers 400
(problem details) without `Access-Control-Allow-Origin`.
Every answer to an allowed origin, 401 and other problem details included, carries
`Access-Control-Allow-Origin: <origin>` and exposes the headers a frontend reads (Fetch standard,
"CORS protocol"). Tokens are bearer headers, never cookies: `Access-Control-Allow-Credentials` is
never sent, which also makes `*` (any origin) safe to allow.
"""

from __future__ import annotations

import json

from litestar.config.cors import CORSConfig
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

from bootstrap.origins import ANY
from entrypoints.http.problems import MEDIA_TYPE

ALLOWED_METHODS = ["GET", "HEAD", "POST"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"]
EXPOSED_HEADERS = ["Location", "X-Request-ID", "Retry-After", "WWW-Authenticate"]
PREFLIGHT_CACHE_SECONDS = 600


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    """Litestar's CORS for these origins (`("*",)`: any); None, CORS off, when there are none."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=list(ALLOWED_METHODS),  # type: ignore[arg-type]  # Litestar's Method literals
        allow_headers=list(ALLOWED_HEADERS),
        expose_headers=list(EXPOSED_HEADERS),
        allow_credentials=False,
        max_age=PREFLIGHT_CACHE_SECONDS,
    )


def cors_hooks(origins: tuple[str, ...]) -> list[BeforeMessageSendHookHandler]:
    """What Litestar's CORS leaves out: a refused preflight as problem details (it answers
    `text/plain`), and `Vary: Origin` on every answer when `Access-Control-Allow-Origin` depends
    on the origin.

    Litestar adds `Vary` only to the answers it gives an allowed origin; the Fetch standard (CORS
    protocol and HTTP caches) asks for it on the others too, those without `Origin` included, so
    that no cache hands one origin's answer to another.
    """
    if not origins:
        return []
    return (
        [_refused_preflight_as_problem]
        if origins == (ANY,)
        else [_refused_preflight_as_problem, _vary_by_origin]
    )


_REFUSED = "notifications.refused_preflight"  # marks the scope of a preflight Litestar refused


async def _refused_preflight_as_problem(message: Message, scope: Scope) -> None:
    """Litestar answers `400 Disallowed CORS Origin` (or `method`, `headers`) in plain text."""
    if message["type"] == "http.response.start":
        headers = dict(message.get("headers", ()))
        if (
            scope.get("method") == "OPTIONS"
            and message["status"] == 400
            and b"text/plain" in headers.get(b"content-type", b"")
        ):
            scope[_REFUSED] = True  # type: ignore[literal-required]  # our own key
            message["headers"] = [
                *((name, value) for name, value in message.get("headers", ()) if name not in _REPLACED),
                (b"content-type", MEDIA_TYPE.encode()),
            ]
    elif message["type"] == "http.response.body" and scope.get(_REFUSED):
        refusal = bytes(message.get("body", b"")).decode("utf-8", "replace")
        message["body"] = json.dumps(
            {
                "type": "about:blank",
                "title": "Bad request",
                "status": 400,
                "detail": f"{refusal}: the preflight asked for what CORS does not allow here"
                f" (methods {', '.join(ALLOWED_METHODS)}; headers {', '.join(ALLOWED_HEADERS)})",
                "instance": scope["path"],
            }
        ).encode()


_REPLACED = {b"content-type", b"content-length"}


async def _vary_by_origin(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    headers = list(message.get("headers", ()))
    vary = [(index, value) for index, (name, value) in enumerate(headers) if name.lower() == b"vary"]
    if not vary:
        headers.append((b"vary", b"Origin"))
    elif not any(b"origin" in value.lower() for _, value in vary):
        index, value = vary[0]
        headers[index] = (b"vary", value + b", Origin")
    message["headers"] = headers
