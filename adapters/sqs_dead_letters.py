"""The SQS queue's dead-letter queue, for `notifications dlq`.

SQS cannot show a message without receiving it: `peek` receives every message (each receive adds
one to its `ApproximateReceiveCount`) and makes it visible again at once. The queue is the one
`NOTIFICATIONS_SQS_DEAD_LETTER_QUEUE_URL` names, else the one the main queue's redrive policy names.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adapters.sqs_queue import RECEIVE_COUNT, SqsQueue, sqs_call
from application.ports import DeadLetter, QueueMessage

HOLD = 120  # seconds a taken message stays hidden if this process dies before releasing it
WAIT = 1  # a long poll asks every SQS server; a short one samples some, and may miss messages


class SqsDeadLetters:
    def __init__(self, queue: SqsQueue) -> None:
        self._queue = queue
        self._client = queue.client
        self.name = ""  # known once `peek` or `take` has found the queue

    async def peek(self) -> tuple[list[DeadLetter], int]:
        letters = await self.take()
        for letter in letters:
            await self.release(letter)
        return letters, len(letters)

    async def take(self) -> list[DeadLetter]:
        url = await self._url()
        taken: dict[str, DeadLetter] = {}
        while True:
            answer = await sqs_call(
                self._client.receive_message,
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=WAIT,
                VisibilityTimeout=HOLD,
                MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
                MessageAttributeNames=[RECEIVE_COUNT],
            )
            new = [raw for raw in answer.get("Messages", []) if raw["MessageId"] not in taken]
            if not new:  # empty, or only messages whose hold ran out while this read the rest
                return list(taken.values())
            taken |= {raw["MessageId"]: _letter(raw) for raw in new}

    async def replay(self, letter: DeadLetter) -> None:
        await sqs_call(self._client.send_message, QueueUrl=self._queue.queue_url, MessageBody=letter.body)
        await self.remove(letter)

    async def remove(self, letter: DeadLetter) -> None:
        await sqs_call(self._client.delete_message, QueueUrl=await self._url(), ReceiptHandle=letter.handle)

    async def release(self, letter: DeadLetter) -> None:
        await sqs_call(
            self._client.change_message_visibility,
            QueueUrl=await self._url(),
            ReceiptHandle=letter.handle,
            VisibilityTimeout=0,
        )

    async def _url(self) -> str:
        url = await self._queue.dead_letter_queue_url()
        self.name = url.rsplit("/", 1)[-1]
        return url


def _letter(raw: dict[str, Any]) -> DeadLetter:
    try:
        message: QueueMessage | None = QueueMessage.decode(raw["Body"])
    except ValueError:
        message = None
    attributes = raw.get("Attributes", {})
    sent = attributes.get("SentTimestamp")
    kept = raw.get("MessageAttributes", {}).get(RECEIVE_COUNT, {}).get("StringValue")
    # a message SQS moved itself (its redrive policy's maxReceiveCount) kept its count, this
    # receive included; one the worker moved carries the count it had in the main queue
    count = int(kept) if kept else int(attributes.get("ApproximateReceiveCount", 1)) - 1
    return DeadLetter(
        message=message,
        body=raw["Body"],
        dead_lettered_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
        receive_count=count,
        handle=raw["ReceiptHandle"],
    )
