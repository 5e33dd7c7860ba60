from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from dependency_injector import providers

from application.access import Access
from application.errors import ApplicationError, InvalidToken
from bootstrap.container import Container
from domain.access import REGISTER_ID, InvalidClient, Scope, UnknownToken
from tests.fakes import FixedClock


@pytest.fixture
def clock(container: Container) -> FixedClock:
    clock = FixedClock()
    container.clock.override(providers.Object(clock))
    return clock


async def test_an_issued_token_speaks_for_its_client_and_scopes(container: Container) -> None:
    record, token = await container.access().issue_token("bank", [Scope.SEND], timedelta(days=1))
    principal = await container.access().authenticate(token)
    assert (principal.client, principal.scopes, principal.token_id) == ("bank", {Scope.SEND}, record.id)


async def test_a_token_is_recorded_in_the_register_but_never_its_signed_form(container: Container) -> None:
    record, token = await container.access().issue_token("bank", list(Scope), timedelta(days=1))
    [listed] = await container.access().list_tokens()
    assert listed == record
    assert token not in repr(await container.event_store().history(REGISTER_ID))


async def test_an_expired_token_is_refused(container: Container, clock: FixedClock) -> None:
    # issued by a clock far in the past, so it expired long ago
    _, token = await container.access().issue_token("bank", list(Scope), timedelta(seconds=1))
    with pytest.raises(InvalidToken, match="expired"):
        await container.access().authenticate(token)


async def test_a_revoked_token_is_refused_by_this_process_at_once(container: Container) -> None:
    record, token = await container.access().issue_token("bank", list(Scope), timedelta(days=1))
    await container.access().revoke_token(record.id)
    with pytest.raises(InvalidToken, match="revoked"):
        await container.access().authenticate(token)


async def test_a_revocation_reaches_another_process_on_its_next_refresh(container: Container) -> None:
    record, token = await container.access().issue_token("bank", list(Scope), timedelta(days=1))
    elsewhere = Access(container.event_store(), container.token_authority(), container.clock())
    await elsewhere.refresh_revocations()
    await elsewhere.authenticate(token)
    await container.access().revoke_token(record.id)
    await elsewhere.refresh_revocations()
    with pytest.raises(InvalidToken):
        await elsewhere.authenticate(token)


async def test_revoking_twice_records_one_revocation(container: Container) -> None:
    record, _ = await container.access().issue_token("bank", list(Scope), timedelta(days=1))
    await container.access().revoke_token(record.id)
    await container.access().revoke_token(record.id)
    events = await container.event_store().history(REGISTER_ID)
    assert [e.type for e in events] == ["Opened", "TokenIssued", "TokenRevoked"]


async def test_revoking_an_unknown_token_says_so(container: Container) -> None:
    with pytest.raises(UnknownToken):
        await container.access().revoke_token(uuid4())


@pytest.mark.parametrize("client", ["", "two words", "x" * 129])
async def test_a_client_name_must_be_one_word(container: Container, client: str) -> None:
    with pytest.raises(InvalidClient):
        await container.access().issue_token(client, list(Scope), timedelta(days=1))


async def test_a_process_that_cannot_sign_records_no_token(container: Container) -> None:
    authority = container.token_authority()
    verify_only = type(authority)(
        "HS256", authority.verifying_key, None, "notifications", "notifications-api"
    )
    with container.token_authority.override(providers.Object(verify_only)):
        container.access.reset()
        with pytest.raises(ApplicationError):
            await container.access().issue_token("bank", list(Scope), timedelta(days=1))
        assert await container.access().list_tokens() == []
