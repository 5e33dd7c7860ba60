"""The JSON Fineract sends and reads, in the shapes of its Java classes and as Gson writes them."""

from __future__ import annotations

from typing import Annotated

import msgspec

from application.fineract import Report

MAX_ITEMS = 5000
"""The most SMS in a batch, and ids in a report request; Fineract sends pages of 200."""
_LONG = msgspec.Meta(ge=-(2**63), le=2**63 - 1)
InternalId = Annotated[int, _LONG] | Annotated[float, _LONG]
"""Fineract's ids are Java `Long`s. A JSON integer may be written `42.0` (JSON Schema's `integer`);
`whole` refuses any other number."""

# Gson's default HtmlSafe escaping (com.google.gson.stream.JsonWriter): these characters are
# written as \u00XX; they occur only inside strings, so the bytes can be replaced after encoding.
_GSON_ESCAPES = {b"<": b"\\u003c", b">": b"\\u003e", b"&": b"\\u0026", b"=": b"\\u003d", b"'": b"\\u0027"}


class SmsIn(msgspec.Struct, rename="camel"):
    """`SmsMessageApiQueueResourceData`: Gson leaves null fields out (`tenantId` of triggered SMS,
    `createdOnDate`, `sourceAddress`); `tenantId` is not trusted, the authenticated header is."""

    internal_id: InternalId
    mobile_number: str | None = None
    message: str | None = None
    tenant_id: str | None = None
    provider_id: InternalId | None = None
    created_on_date: str | None = None
    source_address: str | None = None


Batch = Annotated[list[SmsIn], msgspec.Meta(max_length=MAX_ITEMS)]
ReportRequest = Annotated[list[InternalId], msgspec.Meta(max_length=MAX_ITEMS)]


class ReportRow(msgspec.Struct, rename="camel"):
    """`SmsMessageDeliveryReportData`; `hasError` is always false: Fineract skips rows with
    `hasError: true`, so a failed SMS is `deliveryStatus: 400` with its reason in `errorMessage`."""

    id: str
    external_id: str | None
    added_on_date: str | None
    delivered_on_date: str | None
    delivery_status: int
    has_error: bool
    error_message: str | None


class SmsBridge(msgspec.Struct, rename="camel"):
    """message-gateway's `SMSBridge` as its `GET /smsbridges` listed it, without configurations."""

    id: int
    tenant_id: str
    phone_no: str
    provider_app_key: str
    provider_name: str
    provider_description: str


def whole(value: int | float, field: str) -> int:
    """The id as an int. Raises ValueError naming the field for a number with a fraction."""
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{field}: expected an integer, got {value!r}")
    return int(value)


def report_row(report: Report) -> ReportRow:
    delivered = report.delivered_at.strftime("%Y-%m-%d %H:%M:%S") if report.delivered_at else None
    return ReportRow(
        id=str(report.internal_id),
        external_id=report.external_id,
        added_on_date=None,
        delivered_on_date=delivered,
        delivery_status=report.status,
        has_error=False,
        error_message=report.error,
    )


def gson(value: object) -> bytes:
    """Compact JSON as Gson writes it, `<>&='` escaped."""
    body = msgspec.json.encode(value)
    for character, escape in _GSON_ESCAPES.items():
        body = body.replace(character, escape)
    return body
