"""The limits over HTTP, on real SQLite and PostgreSQL: a client over its rate gets 429 with
Retry-After; an SMS or WhatsApp message beyond the recipient's hourly limit is recorded refused,
with the reason, by POST /v1/notifications and by Fineract's POST /sms alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from bootstrap.settings import load_settings
from entrypoints.http.app import create_app
from entrypoints.processes import container_for
from tests.conftest import issue
from tests.postgres import URL, fresh_schema

PROBLEM = "application/problem+json"
NUMBER, OTHER = "+15551234567", "+447911123456"
Serving = Callable[..., Any]


@pytest.fixture(params=["sqlite", "postgres"])
def serving(request: pytest.FixtureRequest, tmp_path: Path) -> Serving:
    """Opens the app on the store with these settings; yields its test client and a token maker."""

    @contextmanager
    def serve(**settings: str) -> Iterator[tuple[TestClient[Litestar], Callable[[str], dict[str, str]]]]:
        with fresh_schema() if request.param == "postgres" else _no_schema() as schema:
            environ = {
                "NOTIFICATIONS_DATA_DIR": str(tmp_path),
                "NOTIFICATIONS_EVENT_STORE": request.param,
                "NOTIFICATIONS_POSTGRES_URL": URL,
                "NOTIFICATIONS_POSTGRES_SCHEMA": schema,
                "NOTIFICATIONS_FINERACT": "true",
                **{f"NOTIFICATIONS_{name.upper()}": value for name, value in settings.items()},
            }
            container = container_for(load_settings(environ))
            with TestClient(create_app(container, run_worker=False)) as client:

                def bearer(name: str) -> dict[str, str]:
                    return {"Authorization": f"Bearer {client.blocking_portal.call(issue, container, name)}"}

                client.app.state.container = container
                yield client, bearer
            container.event_store().close()

    return serve


@contextmanager
def _no_schema() -> Iterator[str]:
    yield "public"


def sms(to: str = NUMBER) -> dict[str, str]:
    return {"channel": "sms", "to": to, "body": "Your code is 123456"}


def test_a_client_over_its_rate_gets_a_429_with_retry_after_and_nothing_is_recorded(serving: Serving) -> None:
    with serving(client_rate_limit="0.01", client_rate_burst="2") as (client, bearer):
        bank, shop = bearer("bank"), bearer("shop")
        statuses = [client.post("/v1/notifications", json=sms(), headers=bank).status_code for _ in range(2)]
        refused = client.post("/v1/notifications", json=sms(), headers=bank)
        assert statuses == [202, 202]
        assert (refused.status_code, refused.headers["content-type"]) == (429, PROBLEM)
        assert refused.headers["retry-after"] == "100"  # a token every 100 s, whole seconds
        assert refused.json()["title"] == "Too many requests"
        assert client.post("/v1/notifications", json=sms(), headers=shop).status_code == 202
        logged = client.blocking_portal.call(client.app.state.container.event_store().requested_after, 0, 10)
        assert len(logged) == 3


def test_a_message_beyond_the_recipients_hourly_limit_is_refused_with_the_reason(serving: Serving) -> None:
    with serving(recipient_hourly_limit="2") as (client, bearer):
        bank, shop = bearer("bank"), bearer("shop")
        whatsapp = {"channel": "whatsapp", "to": NUMBER, "body": "Your card has shipped"}
        answers = [
            client.post("/v1/notifications", json=sms(), headers=bank),
            client.post("/v1/notifications", json=whatsapp, headers=shop),  # the same number, another client
            client.post("/v1/notifications", json=sms(), headers=bank),
            client.post("/v1/notifications", json=sms(OTHER), headers=bank),
        ]
        assert [a.status_code for a in answers] == [202] * 4
        assert [a.json()["status"] for a in answers] == ["pending", "pending", "refused", "pending"]
        third = client.get(answers[2].headers["location"], headers=bank).json()
        assert third["reason"] == "recipient hourly limit: 2 messages to this number in the last hour already"


def test_a_request_repeated_with_its_idempotency_key_counts_once(serving: Serving) -> None:
    with serving(recipient_hourly_limit="2") as (client, bearer):
        bank = bearer("bank") | {"Idempotency-Key": "otp-1"}
        first, again = (client.post("/v1/notifications", json=sms(), headers=bank) for _ in range(2))
        assert (first.json()["id"], first.json()["status"]) == (again.json()["id"], "pending")
        bank.pop("Idempotency-Key")
        answers = [client.post("/v1/notifications", json=sms(), headers=bank).json() for _ in range(2)]
        assert [a["status"] for a in answers] == ["pending", "refused"]


def test_fineract_batches_obey_both_limits_each_sms_counted_alone(serving: Serving) -> None:
    with serving(recipient_hourly_limit="2", client_rate_limit="0.01", client_rate_burst="1") as (client, _):
        container = client.app.state.container
        _, key = client.blocking_portal.call(container.fineract_tenants().add_tenant, "default")
        headers = {"Fineract-Platform-TenantId": "default", "Fineract-Tenant-App-Key": key}
        batch = [
            {"internalId": i, "mobileNumber": to, "message": "Hello"}
            for i, to in enumerate([NUMBER] * 3 + [OTHER])
        ]
        assert client.post("/sms", json=batch, headers=headers).status_code == 202
        rows = client.post("/sms/report", json=[0, 1, 2, 3], headers=headers).json()
        assert [row["deliveryStatus"] for row in rows] == [100, 100, 400, 100]
        assert rows[2]["errorMessage"].startswith("recipient hourly limit: 2 messages")
        again = client.post(
            "/sms", json=[{"internalId": 9, "mobileNumber": OTHER, "message": "Hi"}], headers=headers
        )
        assert (again.status_code, again.headers["retry-after"]) == (429, "100")
