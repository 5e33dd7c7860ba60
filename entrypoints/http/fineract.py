"""The API of openMF's message-gateway, as Apache Fineract calls it: `POST /sms`, `POST /sms/report`
(also reached as `/sms%2Freport`, the path Fineract's URI template makes), `GET /smsbridges`.

Read from Fineract's source (apache/fineract, `SmsConfigUtils`, `SmsMessageScheduledJobServiceImpl`,
`SmsMessageApiQueueResourceData`, `SmsMessageDeliveryReportData`); see docs/fineract.md.
Calls authenticate with `Fineract-Platform-TenantId` and `Fineract-Tenant-App-Key`, not a bearer token.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import structlog
from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED

from application.fineract import FineractGateway, FineractSms
from application.fineract_tenants import TenantKeys, TenantRefused
from application.limits import ClientRateLimit
from entrypoints.http.fineract_json import (
    Batch,
    ReportRequest,
    ReportRow,
    SmsBridge,
    SmsIn,
    gson,
    report_row,
    whole,
)
from entrypoints.http.json_bodies import check_json_body

TENANT_HEADER = "Fineract-Platform-TenantId"
KEY_HEADER = "Fineract-Tenant-App-Key"
JSON = "application/json"
ROUTES = ("/sms", "/sms/report", "/smsbridges")


def fineract_paths(prefix: str) -> list[str]:
    """Patterns of the paths this API serves under `prefix`, for the bearer middleware to skip."""
    base = prefix.rstrip("/")
    return [f"^{re.escape(base + route)}$" for route in ROUTES]


def fineract_routes(
    prefix: str,
    tenants: TenantKeys,
    gateway: FineractGateway,
    bridges: list[SmsBridge],
    client_limit: ClientRateLimit | None = None,
) -> Router:
    """The routes under `prefix` (NOTIFICATIONS_FINERACT_PATH, Fineract's `end_point`); a batch
    counts as one request of the tenant against `client_limit` (NOTIFICATIONS_CLIENT_RATE_LIMIT)."""

    def authenticated(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        tenant, key = connection.headers.get(TENANT_HEADER), connection.headers.get(KEY_HEADER)
        if not tenant or not key:
            raise NotAuthorizedException(
                f"{TENANT_HEADER} and {KEY_HEADER} are required",
                headers={"WWW-Authenticate": f'{KEY_HEADER} realm="fineract"'},
            )
        try:
            connection.state.tenant = tenants.authenticate(tenant, key)
        except TenantRefused as error:
            raise PermissionDeniedException(str(error)) from None
        structlog.contextvars.bind_contextvars(client=tenant)

    @post("/sms", status_code=HTTP_202_ACCEPTED, include_in_schema=False)
    async def send(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Take a batch of SMS: each new one is stored (refused with its reason if it cannot be
        sent) in one transaction before the 202; a repeated internalId creates nothing."""
        batch = await _decoded(request, Batch)
        items = [_sms(i, sms) for i, sms in enumerate(batch)]
        if client_limit is not None:
            await client_limit.admit(request.state.tenant)
        await gateway.accept(request.state.tenant, items)
        return Response(b"", status_code=HTTP_202_ACCEPTED, media_type="text/plain")  # Fineract ignores it

    @post("/sms/report", status_code=HTTP_200_OK, include_in_schema=False)
    async def report(request: Request[Any, Any, Any]) -> Response[bytes]:
        """Report on SMS by internalId: one row per id, in order, as Fineract reads them."""
        ids = [_whole(value, f"body[{i}]") for i, value in enumerate(await _decoded(request, ReportRequest))]
        rows: list[ReportRow] = [report_row(r) for r in await gateway.report(request.state.tenant, ids)]
        return Response(gson(rows), media_type=JSON)

    @get("/smsbridges", include_in_schema=False)
    async def smsbridges(request: Request[Any, Any, Any]) -> Response[bytes]:
        """The SMS providers, one bridge each; never a secret."""
        tenant = request.state.tenant
        return Response(
            gson([msgspec.structs.replace(b, tenant_id=tenant) for b in bridges]), media_type=JSON
        )

    return Router(path=prefix, route_handlers=[send, report, smsbridges], guards=[authenticated])


def _sms(index: int, sms: SmsIn) -> FineractSms:
    if sms.provider_id is not None:  # not used: one provider serves all; checked as the Long it is
        _whole(sms.provider_id, f"body[{index}].providerId")
    internal_id = _whole(sms.internal_id, f"body[{index}].internalId")
    return FineractSms(internal_id, sms.mobile_number or "", sms.message or "")


def _whole(value: int | float, field: str) -> int:
    try:
        return whole(value, field)
    except ValueError as error:
        reason = str(error).partition(": ")[2]
        raise ValidationException(detail=str(error), extra=[{"key": field, "message": reason}]) from None


async def _decoded(request: Request[Any, Any, Any], shape: Any) -> Any:
    await check_json_body(request)  # 415 for another media type; 400 for repeated names, depth
    try:
        return msgspec.json.decode(await request.body(), type=shape, strict=True)
    except msgspec.ValidationError as error:
        rule, _, path = str(error).partition(" - at `$")
        field = "body" + path.rstrip("`") if path.startswith("[") else path.rstrip("`").lstrip(".") or "body"
        raise ValidationException(
            detail=f"{field}: {rule}", extra=[{"key": field, "message": rule}]
        ) from None
    except msgspec.DecodeError:
        raise ValidationException(
            detail="body: is not valid JSON", extra=[{"key": "body", "message": "is not valid JSON"}]
        ) from None
