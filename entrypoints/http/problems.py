"""One place that turns every error into RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException

from application.errors import (
    ForgedCallback,
    IdempotencyKeyReused,
    InvalidCallback,
    NotFound,
    StoreUnavailable,
)
from domain.messages import InvalidMessage

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
    500: "Internal server error",
    503: "Service unavailable",
}


def problem_response(request: Request[Any, Any, Any], error: Exception) -> Response[dict[str, Any]]:
    status, detail, extra, headers = _classify(error)
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extra,
    }
    return Response(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _classify(error: Exception) -> tuple[int, str, dict[str, Any], dict[str, str] | None]:
    if isinstance(error, InvalidMessage):
        return 400, f"{error.field}: {error.reason}", _invalid(error.field, error.reason), None
    if isinstance(error, HTTPException) and error.status_code == 400:
        return 400, *_bad_request(error), None
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
    if isinstance(error, StoreUnavailable):
        log.error("store.unavailable", error=str(error))
        return 503, "the event store is unavailable; nothing was recorded", {}, {"Retry-After": "1"}
    log.exception("http.unhandled_error")
    return 500, "an unexpected error occurred", {}, None


def _bad_request(error: HTTPException) -> tuple[str, dict[str, Any]]:
    items = [item for item in error.extra or [] if isinstance(item, dict)] or [{}]
    reason, field = items[0].get("message", error.detail), items[0].get("key")
    if reason.startswith("JSON is malformed"):
        field, reason = "body", "is not valid JSON"
    if reason == "'data'":  # Litestar found no body at all
        field, reason = "body", "is empty; a JSON object is expected"
    if reason.startswith("Invalid value") and field in (None, "channel"):
        field, reason = "channel", "must be one of email, sms, whatsapp"
    if reason.startswith(("Object missing required field", "Object contains unknown field")):
        field = reason.rpartition(" ")[2].strip("`")
        reason = "is required" if "missing" in reason else "is not a known field"
    if "matching regex" in reason:
        reason = "is not a phone number in E.164 form (+ and 7 to 15 digits)"
    if not field or field == "data":
        field = "body"
    reason = reason[0].lower() + reason[1:]
    return f"{field}: {reason}", _invalid(field, reason)


def _invalid(field: str, reason: str) -> dict[str, Any]:
    return {"invalid_params": [{"name": field, "reason": reason}]}
