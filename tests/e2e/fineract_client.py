"""Fineract's calls to its message gateway, byte for byte: what its RestTemplate puts on the wire."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from typing import Any

from tests.e2e.conftest import Service


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def gson(value: Any) -> bytes:
    """Compact JSON with Gson's HTML-safe escapes, as `new Gson().toJson(...)` writes it."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for character in "<>&='":
        text = text.replace(character, f"\\u{ord(character):04x}")
    return text.encode()


def call(
    service: Service, method: str, target: str, tenant: str | None, key: str | None, body: bytes = b""
) -> Answer:
    """One request on its own connection, the request line exactly `target` (`/sms%2Freport` stays so)."""
    headers = [
        f"{method} {target} HTTP/1.1",
        "Accept: text/plain, application/json, application/*+json, */*",
        "Content-Type: application/json",
        *([f"Fineract-Platform-TenantId: {tenant}"] if tenant is not None else []),
        *([f"Fineract-Tenant-App-Key: {key}"] if key is not None else []),
        "User-Agent: Java/17.0.9",
        f"Host: 127.0.0.1:{service.port}",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as connection:
        connection.sendall("\r\n".join(headers).encode() + b"\r\n\r\n" + body)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, content = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    fields = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return Answer(int(status_line.split()[1]), fields, content)


def send(service: Service, tenant: str, key: str, batch: list[dict[str, Any]]) -> Answer:
    return call(service, "POST", "/sms", tenant, key, gson(batch))


def report(service: Service, tenant: str, key: str, ids: list[int], target: str = "/sms%2Freport") -> Answer:
    return call(service, "POST", target, tenant, key, gson(ids))
