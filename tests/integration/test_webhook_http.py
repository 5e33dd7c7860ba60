"""The HTTP transport of webhooks against a real receiver that verifies with `standardwebhooks`."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.too_many import retry_after
from adapters.webhook_http import HttpWebhooks
from adapters.webhook_targets import forbidden
from application.webhook_ports import TargetForbidden, TargetUnreachable
from application.webhooks import new_secret
from tests.webhook_receiver import Receiver

BODY = b'{"type":"notification.delivered","timestamp":"2026-11-29T10:00:00Z","data":{"id":"x"}}'


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(secret=new_secret())
    receiver.start()
    yield receiver
    receiver.stop()


async def test_a_post_carries_the_body_signed_as_standard_webhooks_verify_it(receiver: Receiver) -> None:
    transport = HttpWebhooks(timeout=5, allow_private=True)
    answer = await transport.post(receiver.url("localhost"), receiver.secret, "msg-1", BODY)
    await transport.close()
    [received] = receiver.verified()
    assert answer.status == 200
    assert received.body == BODY and received.id == "msg-1"
    assert received.headers["host"] == f"localhost:{receiver.port}"
    assert received.headers["content-type"] == "application/json"


async def test_the_signature_is_the_spec_s_hmac_of_id_timestamp_and_body(receiver: Receiver) -> None:
    # Signed and verified by the same library, a wrong reading of the secret would go unseen: this
    # recomputes the signature as the Standard Webhooks specification writes it (spec/standard-webhooks.md,
    # "Signature scheme"): HMAC-SHA256 keyed by the base64 after `whsec_`, over `{id}.{timestamp}.{body}`.
    transport = HttpWebhooks(timeout=5, allow_private=True)
    await transport.post(receiver.url("localhost"), receiver.secret, "msg-1", BODY)
    await transport.close()
    [received] = receiver.verified()
    key = base64.b64decode(receiver.secret.removeprefix("whsec_"))
    signed = b".".join([b"msg-1", received.headers["webhook-timestamp"].encode(), BODY])
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert expected in received.headers["webhook-signature"].split(" ")


async def test_a_host_resolving_to_loopback_is_refused_and_nothing_is_sent(receiver: Receiver) -> None:
    transport = HttpWebhooks(timeout=5)
    for host in ("localhost", "127.0.0.1"):
        with pytest.raises(TargetForbidden, match=f"{host} resolves to"):
            await transport.post(receiver.url(host), receiver.secret, "msg-1", BODY)
    assert receiver.received == []


async def test_the_answer_is_returned_as_it_is_and_a_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.answers = [302, 503, 410]
    transport = HttpWebhooks(timeout=5, allow_private=True)
    statuses = [(await transport.post(receiver.url(), receiver.secret, "m", BODY)).status for _ in range(3)]
    await transport.close()
    assert statuses == [302, 503, 410]
    assert len(receiver.verified()) == 3


async def test_no_answer_in_time_and_an_unknown_host_are_unreachable(receiver: Receiver) -> None:
    receiver.holding.set()
    transport = HttpWebhooks(timeout=0.5, allow_private=True)
    with pytest.raises(TargetUnreachable, match=r"no answer from 127\.0\.0\.1 within 0\.5 s"):
        await transport.post(receiver.url(), receiver.secret, "m", BODY)
    with pytest.raises(TargetUnreachable, match="cannot resolve"):
        await transport.post("https://no-such-host.invalid/hooks", receiver.secret, "m", BODY)
    await transport.close()


def certificate_for(name: str, folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


@pytest.mark.parametrize(("named", "accepted"), [("localhost", True), ("elsewhere.example", False)])
async def test_https_checks_the_certificate_against_the_urls_host_not_the_address(
    tmp_path: Path, named: str, accepted: bool
) -> None:
    cert_file, key_file = certificate_for(named, tmp_path)
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert_file, key_file)
    receiver = Receiver(secret=new_secret(), tls=serving)
    receiver.start()
    transport = HttpWebhooks(
        timeout=5, allow_private=True, trusted=ssl.create_default_context(cafile=cert_file)
    )
    try:
        if accepted:  # connected to 127.0.0.1, with SNI and the certificate check on "localhost"
            answer = await transport.post(receiver.url("localhost"), receiver.secret, "m", BODY)
            assert answer.status == 200 and len(receiver.verified()) == 1
        else:
            with pytest.raises(TargetUnreachable):
                await transport.post(receiver.url("localhost"), receiver.secret, "m", BODY)
            assert receiver.received == []
    finally:
        await transport.close()
        receiver.stop()


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("127.0.0.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("0.0.0.0", True),
        ("100.64.0.1", True),  # carrier-grade NAT
        ("224.0.0.1", True),
        ("240.0.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("fc00::1", True),
        ("::ffff:127.0.0.1", True),
        ("::ffff:10.0.0.1", True),
        ("93.184.215.14", False),
        ("2606:4700:4700::1111", False),
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_forbidden(
    address: str, refused: bool
) -> None:
    assert forbidden(address) is refused


def test_retry_after_is_read_in_seconds_or_as_a_date() -> None:
    now = datetime.datetime(2026, 11, 29, 10, 0, tzinfo=datetime.UTC)
    assert retry_after("120") == 120
    assert retry_after("Sun, 29 Nov 2026 10:01:00 GMT", now) == 60
    assert retry_after("Sun, 29 Nov 2026 09:00:00 GMT", now) == 0
    assert retry_after("soon") is None and retry_after(None) is None


async def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_timeout() -> None:
    listening = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = listening.accept()
        with connection:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
                if stop.wait(0.1):
                    return
                connection.sendall(bytes([byte]))

    threading.Thread(target=trickle, daemon=True).start()
    transport = HttpWebhooks(timeout=0.5, allow_private=True)
    url = f"http://127.0.0.1:{listening.getsockname()[1]}/hooks"
    try:
        with pytest.raises(TargetUnreachable, match="no answer"):
            await transport.post(url, new_secret(), "m", BODY)
    finally:
        stop.set()
        await transport.close()
        listening.close()
