"""One place that turns every error into RFC 9457 problem details."""

from __future__ import annotations

import math
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.utils.scope.state import ScopeState

from application.errors import (
    Conflict,
    ForgedCallback,
    IdempotencyKeyReused,
    InvalidCallback,
    NotFound,
    RateLimited,
    StoreUnavailable,
)
from domain.messages import InvalidMessage
from entrypoints.http.field_errors import field_and_rule

log = structlog.get_logger("notifications")

MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    status, detail, extra, headers = _classify(error, request)
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return Response(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _classify(
    error: Exception, request: Request[Any, Any, Any]
) -> tuple[int, str, dict[str, Any], dict[str, str] | None]:
    if isinstance(error, InvalidMessage):
        return 400, f"{error.field}: {error.reason}", _invalid(error.field, error.reason), None
    if isinstance(error, HTTPException) and error.status_code == 400:
        return 400, *_bad_request(error, request), None
    if isinstance(error, HTTPException) and error.status_code < 500:
        return error.status_code, error.detail, {}, error.headers
    if isinstance(error, HTTPException):  # raised by the framework, e.g. a client gone mid-request
        log.warning("http.server_error", status=error.status_code, detail=error.detail)
        return error.status_code, _TITLES.get(error.status_code, "Error"), {}, None
    if isinstance(error, ForgedCallback):
        log.warning("callback.forged", reason=str(error))
        return 403, str(error), {}, None
    if isinstance(error, InvalidCallback):
        return 400, str(error), {}, None
    if isinstance(error, NotFound):
        return 404, "no such notification", {}, None
    if isinstance(error, IdempotencyKeyReused):
        return 422, "the Idempotency-Key was used before with a different request", {}, None
    if isinstance(error, RateLimited):  # Retry-After in whole seconds (RFC 9110 section 10.2.3)
        wait = str(max(1, math.ceil(error.retry_after)))
        detail = f"this client sent more requests than its rate limit allows; try again in {wait} s"
        return 429, detail, {}, {"Retry-After": wait}
    if isinstance(error, StoreUnavailable):
        log.error("store.unavailable", error=str(error))
        return 503, "the event store is unavailable; nothing was recorded", {}, {"Retry-After": "1"}
    if isinstance(error, Conflict):  # other writers kept winning the same aggregate: try again
        log.warning("store.busy", error=str(error))
        return 503, str(error), {}, {"Retry-After": "1"}
    log.exception("http.unhandled_error")
    return 500, "an unexpected error occurred", {}, None


def _bad_request(error: HTTPException, request: Request[Any, Any, Any]) -> tuple[str, dict[str, Any]]:
    items = [item for item in error.extra or [] if isinstance(item, dict)] or [{}]
    body = ScopeState.from_scope(request.scope).body  # read by Litestar before it failed to decode
    field, reason = field_and_rule(
        items[0].get("key"), items[0].get("message", error.detail), body if isinstance(body, bytes) else None
    )
    return f"{field}: {reason}", _invalid(field, reason)


def _invalid(field: str, reason: str) -> dict[str, Any]:
    return {"invalid_params": [{"name": field, "reason": reason}]}
