"""The OpenAPI description of Fineract's routes, added to the document when they are mounted.

The handlers read their bodies themselves (strict msgspec decoding, Gson's escapes on the way out),
so Litestar cannot derive these operations; they are written here from the shapes in
`fineract_json.py`, as Fineract's Java classes define them (docs/fineract.md).
"""

from __future__ import annotations

from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    PathItem,
    RequestBody,
    Schema,
    SecurityScheme,
)

from entrypoints.http.fineract_json import MAX_ITEMS
from entrypoints.http.openapi import PROBLEM
from entrypoints.http.problems import MEDIA_TYPE

TENANT, APP_KEY = "fineractTenant", "fineractAppKey"
_LONG = Schema(type=OpenAPIType.INTEGER, minimum=-(2**63), maximum=2**63 - 1)
_TEXT = Schema(type=OpenAPIType.STRING)
_MAYBE_TEXT = Schema(one_of=[_TEXT, Schema(type=OpenAPIType.NULL)])
SMS = Schema(
    type=OpenAPIType.OBJECT,
    title="FineractSms",
    description="Fineract's `SmsMessageApiQueueResourceData`; Gson leaves null fields out. A bad number "
    "or an empty message does not fail the batch: the SMS is recorded refused and reported 400.",
    required=["internalId"],
    properties={
        "internalId": _LONG,
        "mobileNumber": _MAYBE_TEXT,
        "message": _MAYBE_TEXT,
        "tenantId": _MAYBE_TEXT,
        "providerId": Schema(one_of=[_LONG, Schema(type=OpenAPIType.NULL)]),
        "createdOnDate": _MAYBE_TEXT,
        "sourceAddress": _MAYBE_TEXT,
    },
)
REPORT_ROW = Schema(
    type=OpenAPIType.OBJECT,
    title="FineractDeliveryReport",
    description="Fineract's `SmsMessageDeliveryReportData`. `deliveryStatus`: 0 unknown id, 100 pending, "
    "150 handed to the provider, 200 sent (awaiting its report), 300 delivered, 400 failed.",
    required=[
        "id",
        "externalId",
        "addedOnDate",
        "deliveredOnDate",
        "deliveryStatus",
        "hasError",
        "errorMessage",
    ],
    properties={
        "id": _TEXT,
        "externalId": _MAYBE_TEXT,
        "addedOnDate": _MAYBE_TEXT,
        "deliveredOnDate": _MAYBE_TEXT,
        "deliveryStatus": Schema(type=OpenAPIType.INTEGER, enum=[0, 100, 150, 200, 300, 400]),
        "hasError": Schema(type=OpenAPIType.BOOLEAN, const=False),
        "errorMessage": _MAYBE_TEXT,
    },
)
BRIDGE = Schema(
    type=OpenAPIType.OBJECT,
    title="FineractSmsBridge",
    required=["id", "tenantId", "phoneNo", "providerAppKey", "providerName", "providerDescription"],
    properties={
        "id": _LONG,
        "tenantId": _TEXT,
        "phoneNo": _TEXT,
        "providerAppKey": _TEXT,
        "providerName": _TEXT,
        "providerDescription": _TEXT,
    },
)
_ANSWERS = {
    400: "The body is not JSON of this shape (see `invalid_params`).",
    401: "`Fineract-Platform-TenantId` or `Fineract-Tenant-App-Key` is missing.",
    403: "An unknown or revoked tenant, or a key that is not the tenant's; nothing is recorded.",
    413: "The body is larger than `NOTIFICATIONS_MAX_REQUEST_BYTES`.",
    415: "The body is not `application/json`.",
    503: "The event store is unavailable; nothing was recorded.",
}


def describe_fineract(app: Litestar, prefix: str) -> None:
    """Adds the three operations under `prefix` and the two header schemes to the app's document."""
    document = app.openapi_schema
    if not isinstance(document.components, Components):
        document.components = Components()
    document.components.security_schemes = {
        **(document.components.security_schemes or {}),
        TENANT: SecurityScheme(type="apiKey", name="Fineract-Platform-TenantId", security_scheme_in="header"),
        APP_KEY: SecurityScheme(
            type="apiKey",
            name="Fineract-Tenant-App-Key",
            security_scheme_in="header",
            description="The key `notifications fineract tenant add` printed for the tenant.",
        ),
    }
    base = prefix.rstrip("/")
    document.paths = {
        **(document.paths or {}),
        f"{base}/sms": PathItem(post=_send()),
        f"{base}/sms/report": PathItem(post=_report()),
        f"{base}/smsbridges": PathItem(get=_bridges()),
    }


def _send() -> Operation:
    return _operation(
        "sendFineractSms",
        "Take a batch of SMS from Fineract",
        "Each new SMS becomes an SMS notification of the tenant, its `internalId` the reference; the batch "
        "is stored in one transaction before the 202. A repeated internalId creates nothing.",
        Schema(type=OpenAPIType.ARRAY, items=SMS, max_items=MAX_ITEMS),
        {"202": OpenAPIResponse(description="Stored (Fineract ignores the body, which is empty).")},
        (400, 401, 403, 413, 415, 503),
    )


def _report() -> Operation:
    return _operation(
        "reportFineractSms",
        "Report on SMS by internalId",
        "One row per id asked, in order (also served at `/sms%2Freport`, the path Fineract's URI "
        "template makes).",
        Schema(type=OpenAPIType.ARRAY, items=_LONG, max_items=MAX_ITEMS),
        {"200": _json("The rows.", Schema(type=OpenAPIType.ARRAY, items=REPORT_ROW))},
        (400, 401, 403, 413, 415, 503),
    )


def _bridges() -> Operation:
    return _operation(
        "listFineractSmsBridges",
        "List the SMS providers as message-gateway bridges",
        "One bridge, id 1: the SMS provider of this service, without secrets.",
        None,
        {"200": _json("The bridges.", Schema(type=OpenAPIType.ARRAY, items=BRIDGE, min_items=1))},
        (401, 403),
    )


def _operation(
    operation_id: str,
    summary: str,
    description: str,
    body: Schema | None,
    responses: dict[str, OpenAPIResponse],
    errors: tuple[int, ...],
) -> Operation:
    problems = {
        str(status): OpenAPIResponse(
            description=_ANSWERS[status], content={MEDIA_TYPE: OpenAPIMediaType(schema=PROBLEM)}
        )
        for status in errors
    }
    return Operation(
        operation_id=operation_id,
        summary=summary,
        description=description,
        tags=["fineract"],
        security=[{TENANT: [], APP_KEY: []}],
        request_body=RequestBody(content={"application/json": OpenAPIMediaType(schema=body)}, required=True)
        if body
        else None,
        responses={**responses, **problems},
    )


def _json(description: str, schema: Schema) -> OpenAPIResponse:
    return OpenAPIResponse(
        description=description, content={"application/json": OpenAPIMediaType(schema=schema)}
    )
