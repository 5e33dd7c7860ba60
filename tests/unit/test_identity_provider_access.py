"""Tokens from the identity provider next to ours: the issuer chooses the verifier, and its settings
are checked at start-up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dependency_injector import providers

from application.errors import InvalidToken
from bootstrap.container import Container
from bootstrap.settings import SettingsError, load_settings
from domain.access import Scope
from tests.fakes import FakeIdentityProvider


@pytest.fixture
def identity_provider(container: Container) -> FakeIdentityProvider:
    fake = FakeIdentityProvider()
    container.identity_provider.override(providers.Object(fake))
    return fake


async def test_a_token_of_the_provider_speaks_for_its_client_with_no_register_id(
    container: Container, identity_provider: FakeIdentityProvider
) -> None:
    principal = await container.access().authenticate("idp.token")
    assert (principal.client, principal.scopes, principal.token_id) == ("web-banking", {Scope.SEND}, None)
    assert identity_provider.verified == ["idp.token"]


async def test_the_provider_refusing_its_token_is_final(
    container: Container, identity_provider: FakeIdentityProvider
) -> None:
    with pytest.raises(InvalidToken, match="badly signed"):
        await container.access().authenticate("idp.bad")


async def test_our_tokens_never_reach_the_provider(
    container: Container, identity_provider: FakeIdentityProvider
) -> None:
    _, token = await container.access().issue_token("bank", [Scope.READ], timedelta(hours=1))
    principal = await container.access().authenticate(token)
    assert principal.client == "bank"
    assert identity_provider.verified == []


def test_without_an_issuer_there_is_no_identity_provider(container: Container) -> None:
    assert container.identity_provider() is None


ISSUER = {"NOTIFICATIONS_OIDC_ISSUER": "https://login.bank.example/realms/bank"}


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        (ISSUER, "AUDIENCE"),
        ({"NOTIFICATIONS_OIDC_ISSUER": "login.bank.example", "NOTIFICATIONS_OIDC_AUDIENCE": "a"}, "ISSUER"),
        ({"NOTIFICATIONS_OIDC_ISSUER": "ftp://idp.example", "NOTIFICATIONS_OIDC_AUDIENCE": "a"}, "ISSUER"),
        ({"NOTIFICATIONS_OIDC_ISSUER": "notifications", "NOTIFICATIONS_OIDC_AUDIENCE": "a"}, "ISSUER"),
        (
            {
                **ISSUER,
                "NOTIFICATIONS_JWT_ISSUER": ISSUER["NOTIFICATIONS_OIDC_ISSUER"],
                "NOTIFICATIONS_OIDC_AUDIENCE": "a",
            },
            "ISSUER",
        ),
        (
            {**ISSUER, "NOTIFICATIONS_OIDC_AUDIENCE": "a", "NOTIFICATIONS_OIDC_CLIENT_CLAIM": " "},
            "CLIENT_CLAIM",
        ),
    ],
)
def test_a_bad_identity_provider_setting_is_named_in_one_line(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=f"^invalid setting NOTIFICATIONS_(OIDC_)?{named}: [^\\n]+$"):
        load_settings(environ)


def test_the_identity_provider_settings_make_its_verifier() -> None:
    settings = load_settings({**ISSUER, "NOTIFICATIONS_OIDC_AUDIENCE": "https://notifications.bank.example"})
    verifier = Container(settings=settings).identity_provider()
    assert (verifier.issuer, verifier.audience, verifier.client_claims) == (
        ISSUER["NOTIFICATIONS_OIDC_ISSUER"],
        "https://notifications.bank.example",
        ["azp", "client_id", "sub"],
    )
