"""Bearer token authentication for /v1, with the check of the scope each route asks for."""

from __future__ import annotations

from typing import Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from application.access import Access
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
        # Checked here rather than in a Litestar guard, which copies the route handler per request.
        # The OPTIONS answer Litestar adds to each path asks for no scope.
        needed = connection.route_handler.opt.get("scope")
        if needed is not None and needed not in principal.scopes:
            raise PermissionDeniedException(f"the token lacks the {needed} scope")
        return AuthenticationResult(user=principal, auth=principal.token_id)


def _unauthorized(detail: str, challenge: str) -> NotAuthorizedException:
    return NotAuthorizedException(detail, headers={"WWW-Authenticate": challenge})
