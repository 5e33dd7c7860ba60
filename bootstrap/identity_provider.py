"""The identity provider's settings: checked at start-up, and the adapter they make."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from adapters.oidc_keys import ProviderKeys
from adapters.oidc_tokens import OidcTokens

if TYPE_CHECKING:
    from bootstrap.setting_fields import SettingFields


def oidc_problem(settings: SettingFields) -> str | None:
    """One line naming what is wrong with the NOTIFICATIONS_OIDC_* settings, or None."""
    issuer = settings.oidc_issuer
    if not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
        return "must be an http(s) URL with a host, and no query or fragment - at `$.oidc_issuer`"
    if issuer == settings.jwt_issuer:
        return "must differ from NOTIFICATIONS_JWT_ISSUER (the issuer chooses the key) - at `$.oidc_issuer`"
    if not settings.oidc_audience:
        return "is required with NOTIFICATIONS_OIDC_ISSUER - at `$.oidc_audience`"
    if not settings.oidc_client_claim.strip():
        return "must name a claim - at `$.oidc_client_claim`"
    return None


def identity_provider(settings: SettingFields) -> OidcTokens | None:
    if not settings.oidc_issuer:
        return None
    return OidcTokens(
        ProviderKeys(settings.oidc_issuer),
        audience=settings.oidc_audience,
        client_claim=settings.oidc_client_claim,
    )
