"""/v1/providers: where providers report what became of the messages they took (not for clients)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Router, post
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from application.status_updates import StatusUpdates
from bootstrap.container import Container

PATH = "/v1/providers"

TwilioSignature = Annotated[
    str,
    HeaderParameter(name="X-Twilio-Signature", description="Twilio's signature of the URL and the form."),
]


class TwilioController(Controller):
    path = "/twilio"
    tags = ["providers"]

    @post("/status", operation_id="receiveTwilioStatus", status_code=HTTP_204_NO_CONTENT)
    async def status(
        self,
        request: Request[Any, Any, Any],
        status_updates: NamedDependency[StatusUpdates],
        signature: TwilioSignature = "",
    ) -> None:
        """Receive Twilio's status callback for a message (form-encoded, as Twilio sends it).

        Only a request Twilio signed is read (`X-Twilio-Signature`, checked against the configured
        public URL and the form before anything else is parsed); any other gets 403 and changes
        nothing, however malformed; a signed form that repeats a field gets 400. `delivered` and
        `read` deliver the notification, `failed` and `undelivered` refuse it; a repeated or late
        status changes nothing.
        """
        query = request.scope["query_string"].decode("latin-1")
        form = await request.body()
        await status_updates.record_status_update("twilio", query, form, signature)


def provider_routes(container: Container) -> Router:
    """The callback routes, outside bearer authentication: providers sign their requests instead."""

    def status_updates() -> StatusUpdates:
        return container.status_updates()

    return Router(
        path=PATH,
        route_handlers=[TwilioController],
        dependencies={"status_updates": Provide(status_updates, sync_to_thread=False)},
    )
