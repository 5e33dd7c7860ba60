"""The queue on Amazon SQS, through boto3.

Messages carry a notification id and log position, never contents (when traced, the W3C
`traceparent` rides as a message attribute). A message is deleted only once its outcome is stored;
a retry hides it for the backoff delay; a message for a notification whose attempts are exhausted,
or one no version of the service wrote, goes to the dead-letter queue.
boto3 is synchronous: every call runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import boto3
import structlog
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from application.errors import NoDeadLetterQueue, QueueUnavailable
from application.ports import Delivery, QueueMessage

T = TypeVar("T")
MAX_VISIBILITY = 43_200  # SQS's limit, 12 hours
RECEIVE_COUNT = "receive_count"  # a message attribute: how often the queue handed out a dead letter
TRACEPARENT = "traceparent"  # the message attribute carrying the W3C trace context, when traced
log = structlog.get_logger("notifications")


class SqsQueue:
    def __init__(
        self,
        queue_url: str,
        region: str | None = None,
        endpoint_url: str | None = None,
        visibility_timeout: int = 30,
        dead_letter_queue_url: str | None = None,
    ) -> None:
        self.queue_url = queue_url
        self.visibility_timeout = visibility_timeout
        self._dead_letter_url = dead_letter_queue_url
        self._client = boto3.session.Session().client(
            "sqs",
            region_name=region,
            endpoint_url=endpoint_url,
            config=Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"}),
        )

    async def send(self, messages: Sequence[QueueMessage]) -> None:
        for start in range(0, len(messages), 10):
            entries = [_entry(str(i), m) for i, m in enumerate(messages[start : start + 10])]
            answer = await sqs_call(self._client.send_message_batch, QueueUrl=self.queue_url, Entries=entries)
            if answer.get("Failed"):
                raise QueueUnavailable(f"SQS refused {len(answer['Failed'])} messages: {answer['Failed'][0]}")

    async def receive(self, max_messages: int, wait_seconds: float) -> list[Delivery]:
        answer = await sqs_call(
            self._client.receive_message,
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(max_messages, 10)),
            WaitTimeSeconds=min(int(wait_seconds), 20),
            VisibilityTimeout=self.visibility_timeout,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            MessageAttributeNames=[TRACEPARENT],
        )
        deliveries = []
        for raw in answer.get("Messages", []):
            carried = raw.get("MessageAttributes", {}).get(TRACEPARENT, {}).get("StringValue")
            try:
                message = QueueMessage.decode(raw["Body"], carried)
            except ValueError as error:
                await self._dead_letter_raw(raw, str(error), _receive_count(raw))
                continue
            deliveries.append(Delivery(message, _receive_count(raw), raw["ReceiptHandle"]))
        return deliveries

    async def acknowledge(self, delivery: Delivery) -> None:
        await sqs_call(self._client.delete_message, QueueUrl=self.queue_url, ReceiptHandle=delivery.handle)

    async def retry_later(self, delivery: Delivery, delay_seconds: float) -> None:
        await self.extend(delivery, delay_seconds)

    async def extend(self, delivery: Delivery, seconds: float) -> None:
        await sqs_call(
            self._client.change_message_visibility,
            QueueUrl=self.queue_url,
            ReceiptHandle=delivery.handle,
            VisibilityTimeout=max(0, min(round(seconds), MAX_VISIBILITY)),
        )

    async def dead_letter(self, delivery: Delivery) -> None:
        raw = {"Body": delivery.message.encode(), "ReceiptHandle": delivery.handle}
        await self._dead_letter_raw(raw, "", delivery.receive_count)

    def safe_position(self, sent_up_to: int) -> int:
        return sent_up_to

    async def ping(self) -> None:
        await sqs_call(
            self._client.get_queue_attributes, QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )

    async def depth(self) -> int:
        """`ApproximateNumberOfMessages`: messages available to receive (not those in flight or delayed)."""
        answer = await sqs_call(
            self._client.get_queue_attributes,
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages"],
        )
        return int(answer["Attributes"]["ApproximateNumberOfMessages"])

    async def close(self) -> None:
        self._client.close()

    async def _dead_letter_raw(self, raw: dict[str, Any], problem: str, receive_count: int) -> None:
        url = await self.dead_letter_queue_url()
        count = {"DataType": "Number", "StringValue": str(receive_count)}  # for `notifications dlq list`
        await sqs_call(
            self._client.send_message,
            QueueUrl=url,
            MessageBody=raw["Body"],
            MessageAttributes={RECEIVE_COUNT: count},
        )
        await sqs_call(
            self._client.delete_message, QueueUrl=self.queue_url, ReceiptHandle=raw["ReceiptHandle"]
        )
        log.warning("queue.dead_lettered", queue="sqs", problem=problem or None)

    async def dead_letter_queue_url(self) -> str:
        """The setting's, or the one the queue's redrive policy names. Raises NoDeadLetterQueue."""
        if self._dead_letter_url is None:  # the queue's redrive policy names it
            answer = await sqs_call(
                self._client.get_queue_attributes, QueueUrl=self.queue_url, AttributeNames=["RedrivePolicy"]
            )
            policy = answer.get("Attributes", {}).get("RedrivePolicy")
            if not policy:
                raise NoDeadLetterQueue(
                    "no dead-letter queue: the SQS queue has no redrive policy"
                    " and NOTIFICATIONS_SQS_DEAD_LETTER_QUEUE_URL is not set"
                )
            name = json.loads(policy)["deadLetterTargetArn"].rsplit(":", 1)[1]
            self._dead_letter_url = (await sqs_call(self._client.get_queue_url, QueueName=name))["QueueUrl"]
        return self._dead_letter_url

    @property
    def client(self) -> Any:
        """boto3's SQS client, for the dead-letter queue's adapter."""
        return self._client


async def sqs_call(operation: Callable[..., T], **arguments: Any) -> T:
    """Runs a boto3 call in a thread. Raises QueueUnavailable for any error of boto3's."""
    try:
        return await asyncio.to_thread(operation, **arguments)
    except (BotoCoreError, ClientError) as error:
        raise QueueUnavailable(f"SQS: {error}") from error


def _receive_count(raw: dict[str, Any]) -> int:
    return int(raw.get("Attributes", {}).get("ApproximateReceiveCount", 1))


def _entry(entry_id: str, message: QueueMessage) -> dict[str, Any]:
    """A batch entry: the trace context travels as a message attribute, beside the body."""
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": replace(message, traceparent=None).encode()}
    if message.traceparent:
        entry["MessageAttributes"] = {TRACEPARENT: {"DataType": "String", "StringValue": message.traceparent}}
    return entry
