"""The OpenAPI description: what each route accepts and every answer it can give.

The raw document is served at `/schema/openapi.json` (and `/schema/openapi.yaml`); `/schema` is
Swagger UI, whose scripts and styles are served by the service itself (`swagger_ui/`, from the
npm package swagger-ui-dist), so the page works with no internet.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, Router
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.static_files import create_static_files_router

from entrypoints.http.headers import MAX_IDEMPOTENCY_KEY
from entrypoints.http.problems import MEDIA_TYPE
from entrypoints.http.request_schemas import NOTIFICATION_REQUEST, REQUESTS

ASSETS = "/schema/assets"
ASSETS_DIR = Path(__file__).parent / "swagger_ui"
BEARER = "bearerAuth"

_STRING = Schema(type=OpenAPIType.STRING)
PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem",
    description="RFC 9457 problem details.",
    required=["type", "title", "status", "detail", "instance"],
    properties={
        "type": _STRING,
        "title": _STRING,
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": _STRING,
        "instance": Schema(type=OpenAPIType.STRING, description="The request's path."),
        "invalid_params": Schema(
            type=OpenAPIType.ARRAY,
            description="The bad field, as `to[0]`, `subject` or `template.content_sid`, and why.",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["name", "reason"],
                properties={"name": _STRING, "reason": _STRING},
            ),
        ),
    },
)
_ANSWERS = {
    400: "A field is invalid, missing or unknown, or the body is not a JSON object; or a query parameter "
    "such as `wait` is out of range (see `invalid_params`).",
    401: "No bearer token, or one that is malformed, badly signed, expired, revoked or for another service.",
    403: "The token lacks the route's scope.",
    404: "No such notification, or another client's.",
    413: "The body is larger than `NOTIFICATIONS_MAX_REQUEST_BYTES` (1 MiB by default).",
    415: "The body is not of the media type this route reads.",
    422: "The Idempotency-Key was used before with a different request.",
    429: "The client sent more requests than `NOTIFICATIONS_CLIENT_RATE_LIMIT` allows (a token bucket per "
    "client); nothing was recorded. Send again after `Retry-After` seconds.",
    503: "The event store is unavailable; nothing was recorded. Try again after `Retry-After` seconds.",
}
_HEADERS = {
    401: {"WWW-Authenticate": OpenAPIHeader(schema=_STRING, required=True, description="`Bearer …`")},
    429: {"Retry-After": OpenAPIHeader(schema=_STRING, required=True, description="Whole seconds.")},
    503: {"Retry-After": OpenAPIHeader(schema=_STRING, required=True, description="Seconds.")},
}
_ERRORS = {
    "sendNotification": (400, 401, 403, 413, 415, 422, 429, 503),
    "getNotificationStatus": (400, 401, 403, 404, 503),
    "getNotificationEvents": (401, 403, 404, 503),
    "receiveTwilioStatus": (400, 403, 413, 415, 503),
    "metrics": (401,),
}
_TWILIO_FORBIDDEN = "Not signed by Twilio, or no callbacks are expected from Twilio; nothing is recorded."
_METRICS_UNAUTHORIZED = (
    "`NOTIFICATIONS_METRICS_TOKEN` is set and the request does not carry it as a bearer token."
)


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="Notifications",
        version="1.0.0",
        description=(
            "Send email, SMS and WhatsApp notifications, and see whether they arrived. "
            "Errors are RFC 9457 problem details (`application/problem+json`)."
        ),
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    bearer_format="JWT",
                    description="A token issued by `notifications token issue`.",
                )
            }
        ),
        render_plugins=[
            SwaggerRenderPlugin(
                path=["/", "/swagger"],
                js_url=f"{ASSETS}/swagger-ui-bundle.js",
                css_url=f"{ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{ASSETS}/favicon-32x32.png'>",
            ),
            YamlRenderPlugin(),
        ],
    )


def swagger_ui_assets() -> Router:
    """Swagger UI's scripts and styles, from the service itself."""
    return create_static_files_router(ASSETS, [ASSETS_DIR], include_in_schema=False)


def describe(app: Litestar) -> None:
    """Completes the document Litestar derived from the routes, before it is first served."""
    document = app.openapi_schema
    schemas = document.components.schemas if isinstance(document.components, Components) else None
    if schemas is not None:
        schemas.update(REQUESTS)
    for path, item in (document.paths or {}).items():
        for operation in (item.get, item.post):
            if operation is not None:
                _describe(operation, secured=path.startswith("/v1/notifications"))


def _describe(operation: Operation, secured: bool) -> None:
    if secured:
        operation.security = [{BEARER: []}]
    responses = {code: answer for code, answer in (operation.responses or {}).items() if code < "400"}
    success = next(iter(responses.values()))
    if operation.operation_id == "sendNotification" and isinstance(success, OpenAPIResponse):
        success.headers = {"Location": OpenAPIHeader(schema=_STRING, required=True, description="Its URL.")}
        _describe_send(operation)
    if operation.operation_id == "ready" and isinstance(success, OpenAPIResponse):
        responses["503"] = OpenAPIResponse(
            description="The event store or the queue does not answer.", content=success.content
        )
    for status in _ERRORS.get(operation.operation_id or "", ()):
        responses[str(status)] = _problem(status, operation.operation_id)
    operation.responses = responses


def _describe_send(operation: Operation) -> None:
    if isinstance(operation.request_body, RequestBody):
        operation.request_body.content["application/json"].schema = NOTIFICATION_REQUEST
    for parameter in operation.parameters or []:
        if isinstance(parameter, Parameter) and parameter.name == "Idempotency-Key":
            parameter.schema = Schema(type=OpenAPIType.STRING, min_length=1, max_length=MAX_IDEMPOTENCY_KEY)


def _problem(status: int, operation_id: str | None) -> OpenAPIResponse:
    forbidden_callback = status == 403 and operation_id == "receiveTwilioStatus"
    headers: dict[str, OpenAPIHeader | Reference] = {} if forbidden_callback else {**_HEADERS.get(status, {})}
    description = _METRICS_UNAUTHORIZED if operation_id == "metrics" else _ANSWERS[status]
    return OpenAPIResponse(
        description=_TWILIO_FORBIDDEN if forbidden_callback else description,
        headers=headers or None,
        content={MEDIA_TYPE: OpenAPIMediaType(schema=PROBLEM)},
    )
