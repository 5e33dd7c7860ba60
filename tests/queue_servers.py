"""The cloud queues' emulators, run by the test suite: moto's SQS server and Azurite's queue service."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

AZURITE = Path(__file__).parent / "azurite"
AZURITE_MAIN = AZURITE / "node_modules" / "azurite" / "dist" / "src" / "queue" / "main.js"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class MotoSqs:
    """moto's server in a thread of the test process; its queues survive a stop and a start."""

    def __init__(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        wait_for_port(self.port)

    def stop(self) -> None:
        if self._server:
            self._server.stop()
            self._server = None

    def client(self):  # type: ignore[no-untyped-def]
        return boto3.client(
            "sqs",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def create_queue(self, name: str, max_receives: int = 10) -> tuple[str, str]:
        """Creates a queue with a dead-letter queue; returns both URLs."""
        sqs = self.client()
        dead_url = sqs.create_queue(QueueName=f"{name}-dead")["QueueUrl"]
        dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        redrive = f'{{"deadLetterTargetArn": "{dead_arn}", "maxReceiveCount": "{max_receives}"}}'
        url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive})["QueueUrl"]
        return url, dead_url

    def bodies(self, url: str) -> list[str]:
        answer = self.client().receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)
        return [m["Body"] for m in answer.get("Messages", [])]


class Azurite:
    """Azurite's queue service in a Node process; its queues persist in a folder across restarts."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def connection_string(self) -> str:
        return (
            "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
            f"AccountKey={AZURITE_KEY};QueueEndpoint=http://127.0.0.1:{self.port}/devstoreaccount1;"
        )

    def start(self) -> None:
        if not AZURITE_MAIN.exists():
            npm = shutil.which("npm")
            assert npm, "Azurite needs Node.js and npm"
            subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=AZURITE, check=True)
        self._process = subprocess.Popen(
            [
                "node",
                str(AZURITE_MAIN),
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                str(self.port),
                "--location",
                str(self.folder),
                "--silent",
                "--skipApiVersionCheck",
                "--disableTelemetry",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self._process:
            self._process.terminate()
            self._process.wait(10)
            self._process = None
