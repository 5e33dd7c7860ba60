"""Apache Fineract's message-gateway calls against the running service, replayed byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import Service
from tests.e2e.fineract_client import call, gson, report, send
from tests.e2e.test_real_providers import eventually, with_twilio
from tests.twilio_server import TwilioServer

TEXT = "Dear Ada, loan <L-1> is due: pay 100 & stay 'on track' = no fee"
CAMPAIGN = [  # SmsMessageApiQueueResourceData of a campaign: tenantId set, nulls left out
    {
        "internalId": 1,
        "tenantId": "default",
        "mobileNumber": "+254712345678",
        "message": TEXT,
        "providerId": 1,
    },
    {"internalId": 2, "tenantId": "default", "mobileNumber": "0712345679", "message": "Hi", "providerId": 1},
]
TRIGGERED = [
    {"internalId": 3, "mobileNumber": "+254712345680", "message": "Deposit received", "providerId": 1}
]


def add_tenant(service: Service, tenant: str) -> str:
    added = service.cli("fineract", "tenant", "add", tenant)
    assert added.returncode == 0, added.stderr
    return added.stdout.strip()


@pytest.fixture
def fineract(service: Service) -> Service:
    service.env |= {"NOTIFICATIONS_FINERACT": "true"}
    return service


def exported(service: Service, client: str) -> list[dict[str, Any]]:
    export = service.cli("audit", "export", "--client", client)
    assert export.returncode == 0, export.stderr
    return [json.loads(line) for line in export.stdout.splitlines()]


def statuses(service: Service, tenant: str, key: str, ids: list[int]) -> list[int]:
    answer = report(service, tenant, key, ids)
    assert answer.status == 200, answer.body
    return [row["deliveryStatus"] for row in answer.json()]


def test_fineract_s_batches_are_stored_delivered_and_reported_on_the_encoded_path_too(
    fineract: Service,
) -> None:
    key = add_tenant(fineract, "default")  # before `serve` ever ran
    fineract.start()
    assert gson(CAMPAIGN).count(b"\\u003c") == 1 and b"<" not in gson(CAMPAIGN)
    for batch in (CAMPAIGN, TRIGGERED):
        answer = send(fineract, "default", key, batch)
        assert answer.status == 202, answer.body
    eventually(lambda: statuses(fineract, "default", key, [1, 3]) == [300, 300])

    answer = report(fineract, "default", key, [1, 2, 3, 99])
    assert answer.headers["content-type"] == "application/json"
    assert answer.body == gson(answer.json()), "compact, with Gson's escapes"
    rows = answer.json()
    assert [(r["id"], r["deliveryStatus"], r["hasError"]) for r in rows] == [
        ("1", 300, False),
        ("2", 400, False),
        ("3", 300, False),
        ("99", 0, False),
    ]
    assert "NOTIFICATIONS_FINERACT_DEFAULT_COUNTRY_CODE" in rows[1]["errorMessage"]
    assert [r["deliveryStatus"] for r in report(fineract, "default", key, [1], "/sms/report").json()] == [300]

    events = exported(fineract, "default")
    requested = [e["data"] for e in events if e["type"] == "Requested"]
    assert (requested[0]["reference"], requested[0]["message"]["body"]) == ("1", TEXT)
    assert {e["type"] for e in events} >= {"TenantAdded", "Requested", "Delivered", "Refused"}
    fineract.terminate()
    log = fineract.log.read_text()
    assert [s for s in (key, "712345678", "0712345679", "loan", "Deposit received") if s in log] == []


def test_a_repeated_batch_creates_nothing_and_two_tenants_keep_their_own_ids(fineract: Service) -> None:
    ours, theirs = add_tenant(fineract, "default"), add_tenant(fineract, "bank-2")
    fineract.start()
    assert send(fineract, "default", ours, CAMPAIGN).status == 202
    assert send(fineract, "default", ours, CAMPAIGN).status == 202
    other = [{"internalId": 1, "tenantId": "bank-2", "mobileNumber": "+254799999999", "message": "Theirs"}]
    assert send(fineract, "bank-2", theirs, other).status == 202
    assert statuses(fineract, "bank-2", theirs, [1, 2]) == [statuses(fineract, "bank-2", theirs, [1])[0], 0]

    requested = [e for e in exported(fineract, "default") if e["type"] == "Requested"]
    assert len(requested) == 2
    [their_request] = [e for e in exported(fineract, "bank-2") if e["type"] == "Requested"]
    assert their_request["data"]["message"]["body"] == "Theirs"


def test_calls_without_the_tenant_s_key_are_refused_and_record_nothing(fineract: Service) -> None:
    ours, theirs = add_tenant(fineract, "default"), add_tenant(fineract, "bank-2")
    fineract.start()
    body = gson(CAMPAIGN)
    for tenant, key, status in [
        (None, None, 401),
        ("default", None, 401),
        ("default", "not-the-key", 403),
        ("default", theirs, 403),
        ("nobody", ours, 403),
    ]:
        for target in ("/sms", "/sms%2Freport", "/smsbridges"):
            method = "GET" if target == "/smsbridges" else "POST"
            answer = call(fineract, method, target, tenant, key, b"[1]" if "report" in target else body)
            assert answer.status == status, (tenant, key, target, answer.body)
            assert answer.headers["content-type"] == "application/problem+json"
    assert [e["type"] for e in exported(fineract, "default")] == ["TenantAdded"]
    fineract.terminate()
    log = fineract.log.read_text()
    assert [secret for secret in (ours, theirs, "+254712345678", "loan") if secret in log] == []


def test_a_tenant_revoked_by_another_process_is_refused_within_about_a_second(fineract: Service) -> None:
    key = add_tenant(fineract, "default")
    fineract.start()
    assert call(fineract, "GET", "/smsbridges", "default", key).status == 200
    revoked = fineract.cli("fineract", "tenant", "revoke", "default")
    assert revoked.returncode == 0, revoked.stderr
    # followed every NOTIFICATIONS_REVOCATION_REFRESH (1 s): a generous bound, not a timing
    eventually(lambda: call(fineract, "GET", "/smsbridges", "default", key).status == 403, seconds=5)
    assert send(fineract, "default", key, CAMPAIGN).status == 403


def test_national_numbers_get_the_default_country_code(fineract: Service) -> None:
    fineract.env |= {"NOTIFICATIONS_FINERACT_DEFAULT_COUNTRY_CODE": "254"}
    key = add_tenant(fineract, "default")
    fineract.start()
    assert send(fineract, "default", key, CAMPAIGN).status == 202
    eventually(lambda: statuses(fineract, "default", key, [1, 2]) == [300, 300])
    requested = [
        e["data"]["message"]["to"] for e in exported(fineract, "default") if e["type"] == "Requested"
    ]
    assert requested == ["+254712345678", "+254712345679"]


def test_smsbridges_lists_the_sms_provider_without_its_secrets(
    fineract: Service, twilio: TwilioServer
) -> None:
    with_twilio(fineract, twilio)
    key = add_tenant(fineract, "default")
    fineract.start()
    answer = call(fineract, "GET", "/smsbridges", "default", key)
    assert answer.status == 200
    [bridge] = answer.json()
    assert bridge["id"] == 1 and bridge["tenantId"] == "default" and bridge["providerName"] == "twilio"
    assert bridge["phoneNo"] == "+15005550006"
    assert fineract.env["NOTIFICATIONS_TWILIO_AUTH_TOKEN"].encode() not in answer.body


def test_the_round_trip_as_fineract_s_jobs_make_it_with_twilio(
    fineract: Service, twilio: TwilioServer
) -> None:
    with_twilio(fineract, twilio)
    key = add_tenant(fineract, "default")
    fineract.start()
    assert send(fineract, "default", key, CAMPAIGN[:1]).status == 202
    [message] = eventually(lambda: twilio.messages)
    assert (message["To"], message["Body"]) == ("+254712345678", TEXT)
    eventually(lambda: statuses(fineract, "default", key, [1]) == [200])
    [row] = report(fineract, "default", key, [1]).json()
    assert row["externalId"] == message["Sid"]
    assert twilio.send_callback(message, "delivered") == 204
    eventually(lambda: statuses(fineract, "default", key, [1]) == [300])
