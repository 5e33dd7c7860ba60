"""Bearer token authentication for /v1, and the guard that checks a route's scope."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from application.access import Access, Principal
from application.errors import InvalidToken


class BearerAuthentication(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, access: Access, exclude: list[str]) -> None:
        super().__init__(app, exclude=exclude)
        self.access = access

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("a bearer token is required", 'Bearer realm="notifications"')
        try:
            principal = self.access.authenticate(token.strip())
        except InvalidToken as error:
            raise _unauthorized(str(error), 'Bearer realm="notifications", error="invalid_token"') from None
        structlog.contextvars.bind_contextvars(client=principal.client)
        return AuthenticationResult(user=principal, auth=principal.token_id)


async def requires_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    # async: Litestar would run a plain function in a thread, for every request
    needed = handler.opt.get("scope")
    if needed is None:  # the OPTIONS answer Litestar adds to each path needs no token
        return
    principal: Principal = connection.user
    if needed not in principal.scopes:
        raise PermissionDeniedException(f"the token lacks the {needed} scope")


def _unauthorized(detail: str, challenge: str) -> NotAuthorizedException:
    return NotAuthorizedException(detail, headers={"WWW-Authenticate": challenge})
