"""HEAD answered as GET without the body, on every route that answers GET (RFC 9110 §9.3.2)."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def head_as_get(app: ASGIApp) -> ASGIApp:
    """Runs a HEAD request as a GET and sends its status and headers (Content-Length included)
    with an empty body; Litestar's `@get` routes answer HEAD with 405 otherwise."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await app({**scope, "method": "GET"}, receive, send_without_body)

    return middleware
