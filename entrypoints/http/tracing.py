"""A server span for every HTTP request, when tracing is on (bootstrap/tracing.py).

Outermost, so that answers made before any route (401, 404, 405) are traced too. The span continues
the caller's W3C `traceparent` header, is current while the request is handled (the `Requested`
event records it), and is named after the route template once routing has found it
(`POST /v1/notifications`, `GET /v1/notifications/{notification_id}`; OpenTelemetry's HTTP
semantic conventions): never after the raw path, which holds ids. Neither the query string nor
any header is recorded.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

W3C = TraceContextTextMapPropagator()


def server_spans(app: ASGIApp, provider: TracerProvider) -> ASGIApp:
    tracer = provider.get_tracer("notifications")

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        method = scope["method"]
        carrier = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k == b"traceparent"
        }
        attributes = {"http.request.method": method, "url.scheme": scope.get("scheme", "http")}
        with tracer.start_as_current_span(
            method, W3C.extract(carrier), SpanKind.SERVER, attributes, record_exception=False
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    span.set_attribute("http.response.status_code", message["status"])
                    if message["status"] >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            try:
                await app(scope, receive, send_traced)
            finally:
                if route := scope.get("path_template"):
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)

    return middleware
