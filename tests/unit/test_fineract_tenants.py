"""Fineract's tenants: their keys are recorded as hashes, checked in memory, and revoked for good."""

from __future__ import annotations

import pytest

from application.fineract_tenants import TenantKeys, TenantRefused, key_hash
from bootstrap.container import Container
from domain.addresses import InvalidValue
from domain.fineract import REGISTER_ID, InvalidTenant, TenantExists, UnknownTenant
from domain.fineract_numbers import NationalNumber, to_e164


@pytest.fixture
def tenants(container: Container) -> TenantKeys:
    return container.fineract_tenants()


async def test_an_added_tenant_is_known_by_its_key(tenants: TenantKeys) -> None:
    _, key = await tenants.add_tenant("default")
    assert len(key) >= 43  # 256 bits
    assert tenants.authenticate("default", key) == "default"


async def test_the_register_keeps_a_hash_of_the_key_never_the_key(
    tenants: TenantKeys, container: Container
) -> None:
    tenant, key = await tenants.add_tenant("default")
    history = repr(await container.event_store().history(REGISTER_ID))
    assert key not in history
    assert tenant.key_hash == key_hash(key) and key_hash(key) in history


@pytest.mark.parametrize(
    ("tenant", "key"), [("default", "wrong"), ("other", None), ("unknown", None), ("default", "")]
)
async def test_a_wrong_key_another_tenant_s_key_or_an_unknown_tenant_is_refused(
    tenants: TenantKeys, tenant: str, key: str | None
) -> None:
    _, ours = await tenants.add_tenant("default")
    await tenants.add_tenant("other")
    with pytest.raises(TenantRefused):
        tenants.authenticate(tenant, ours if key is None else key)


async def test_a_revoked_tenant_is_refused_and_another_process_learns_it_on_refresh(
    tenants: TenantKeys, container: Container
) -> None:
    _, key = await tenants.add_tenant("default")
    elsewhere = TenantKeys(container.event_store(), container.clock())
    await elsewhere.refresh()
    assert elsewhere.authenticate("default", key) == "default"
    await tenants.revoke_tenant("default")
    with pytest.raises(TenantRefused):
        tenants.authenticate("default", key)
    assert elsewhere.authenticate("default", key) == "default"  # until it refreshes
    await elsewhere.refresh()
    with pytest.raises(TenantRefused):
        elsewhere.authenticate("default", key)


async def test_a_revoked_tenant_may_be_added_again_with_a_new_key(tenants: TenantKeys) -> None:
    _, old = await tenants.add_tenant("default")
    await tenants.revoke_tenant("default")
    await tenants.revoke_tenant("default")  # again: nothing changes
    _, new = await tenants.add_tenant("default")
    assert tenants.authenticate("default", new) == "default"
    with pytest.raises(TenantRefused):
        tenants.authenticate("default", old)
    [listed] = await tenants.list_tenants()
    assert listed.active


async def test_a_tenant_with_a_standing_key_is_not_added_twice(tenants: TenantKeys) -> None:
    await tenants.add_tenant("default")
    with pytest.raises(TenantExists):
        await tenants.add_tenant("default")


@pytest.mark.parametrize("tenant", ["", "two words", "-x", "a" * 101, "tenant/1"])
async def test_a_malformed_tenant_id_is_refused(tenants: TenantKeys, tenant: str) -> None:
    with pytest.raises(InvalidTenant):
        await tenants.add_tenant(tenant)


async def test_revoking_an_unknown_tenant_says_so(tenants: TenantKeys) -> None:
    with pytest.raises(UnknownTenant, match="no Fineract tenant nobody"):
        await tenants.revoke_tenant("nobody")


@pytest.mark.parametrize(
    ("number", "country_code", "e164"),
    [
        ("+254712345678", "", "+254712345678"),
        ("+254 712-345 (678)", "", "+254712345678"),
        ("00254712345678", "", "+254712345678"),
        ("0712345678", "254", "+254712345678"),
        ("712345678", "254", "+254712345678"),
        ("+15551234567", "254", "+15551234567"),
    ],
)
def test_numbers_become_e164_as_message_gateway_made_them(number: str, country_code: str, e164: str) -> None:
    assert to_e164(number, country_code) == e164


def test_a_national_number_without_a_country_code_is_refused() -> None:
    with pytest.raises(NationalNumber):
        to_e164("0712345678")


@pytest.mark.parametrize("number", ["", "  ", "+12", "abc", "+0712345678", "0" * 20])
def test_what_is_no_phone_number_is_refused(number: str) -> None:
    with pytest.raises(InvalidValue):
        to_e164(number, "254")
