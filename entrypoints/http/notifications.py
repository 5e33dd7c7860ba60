"""/v1/notifications: send a notification, read its status and its events."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import Body, FromPath, HeaderParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from application.access import Principal
from application.limits import ClientRateLimit
from application.notifications import Notifications
from application.waiting import StatusWaits
from domain.access import Scope
from entrypoints.http.headers import idempotency_key as key_of
from entrypoints.http.json_bodies import checking_json_body_as
from entrypoints.http.long_poll import Wait, unless_client_leaves
from entrypoints.http.schemas import EventView, NotificationRequest, NotificationView, to_message

IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description="The same key with the same body returns the same notification; kept at least 24 hours. "
        "1 to 255 characters of UTF-8, without the whitespace around them.",
    ),
]


class NotificationsController(Controller):
    path = "/v1/notifications"
    tags = ["notifications"]
    notifications: Notifications  # given by `serving`
    waits: StatusWaits
    client_limit: ClientRateLimit | None

    @classmethod
    def serving(
        cls, notifications: Notifications, waits: StatusWaits, client_limit: ClientRateLimit | None = None
    ) -> type[NotificationsController]:
        """The controller, calling these use cases (not Litestar's dependency injection, which
        cost about 7 us a request); `client_limit` None when NOTIFICATIONS_CLIENT_RATE_LIMIT is off."""
        attributes = {"notifications": notifications, "waits": waits, "client_limit": client_limit}
        return type(cls.__name__, (cls,), attributes)

    @post(
        operation_id="sendNotification",
        status_code=HTTP_202_ACCEPTED,
        opt={"scope": Scope.SEND},
        response_headers=None,
        before_request=checking_json_body_as(NotificationRequest),
    )
    async def send(
        self,
        request: Request[Principal, Any, Any],
        data: Annotated[NotificationRequest, Body(title="Notification")],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[NotificationView]:
        """Accept an email, SMS or WhatsApp notification for delivery.

        Answers at once with the notification `pending`; it is stored before the answer. Delivery
        happens in the background: poll the `Location` to see it become `delivered` or `refused`.
        Beyond the client's rate limit, a 429 says after how many seconds to send again.
        """
        if self.client_limit is not None:
            await self.client_limit.admit(request.user.client)
        message, reference = to_message(data)
        notification = await self.notifications.send_notification(
            request.user.client, message, reference, key_of(idempotency_key)
        )
        return Response(
            NotificationView.of(notification),
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"{self.path}/{notification.id}"},
        )

    @get("/{notification_id:uuid}", operation_id="getNotificationStatus", opt={"scope": Scope.READ})
    async def status(
        self,
        request: Request[Principal, Any, Any],
        notification_id: FromPath[UUID],
        wait: Wait = 0,
    ) -> NotificationView:
        """Tell a notification's status: `pending`, `delivered` or `refused` (with the reason).

        With `wait=N`, a long poll: the answer comes as soon as a `pending` notification is
        delivered or refused, or after N seconds as it stands (an unknown id is a 404 at once).
        """
        client = request.user.client
        if wait:
            waiting = self.waits.wait_for_news(client, notification_id, wait)
            notification = await unless_client_leaves(request, waiting)
        else:
            notification = await self.notifications.get_notification_status(client, notification_id)
        return NotificationView.of(notification)

    @get("/{notification_id:uuid}/events", operation_id="getNotificationEvents", opt={"scope": Scope.READ})
    async def events(
        self,
        request: Request[Principal, Any, Any],
        notification_id: FromPath[UUID],
    ) -> list[EventView]:
        """List a notification's recorded events, oldest first, for support and audit."""
        history = await self.notifications.get_notification_events(request.user.client, notification_id)
        return [EventView.of(event) for event in history]
