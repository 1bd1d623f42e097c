"""What Lambda's SQS event source does, on one machine: receive the queue's messages and hand
each to the app's own handler (the worker function), deleting it once handled.

A message the handler fails on stays on the queue and comes back after its visibility timeout,
then goes to the dead-letter queue after a few tries, as in AWS. Short polls only: the embedded
server answers one request at a time, and a long poll would hold every other request up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
# Lambda's longest run, the worker's timeout in the API's stack.
WORKER_SECONDS = 900
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class LocalContext:
    """The part of Lambda's context the worker reads: how long it has left."""

    deadline: float

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def sqs_event(message: dict, queue_arn: str) -> dict:
    """Return the event Lambda hands a function for one SQS message."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3],
            }
        ]
    }


def handle_waiting(sqs_client, queue_url: str, handler: Callable, seconds: float = WORKER_SECONDS) -> int:
    """Hand every message waiting on the queue to the handler, one at a time; return how many it
    handled. One it fails on is logged and left for SQS to give back later."""
    queue_arn = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    handled = 0
    while True:
        answer = sqs_client.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=0, AttributeNames=["All"]
        )
        messages = answer.get("Messages", [])
        if not messages:
            return handled
        message = messages[0]
        try:
            handler(sqs_event(message, queue_arn), LocalContext(time.monotonic() + seconds))
        except Exception:
            # As Lambda does: the failure is logged and the message comes back after its timeout.
            log.exception("export worker failed on message %s", message["MessageId"])
            continue
        sqs_client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        handled += 1


class QueuePoller:
    """Polls a queue on a thread of its own and hands what it receives to the handler."""

    def __init__(self, sqs_client, queue_url: str, handler: Callable) -> None:
        self._sqs = sqs_client
        self._url = queue_url
        self._handler = handler
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def stop(self) -> None:
        """Stop polling once the message in hand, if any, is handled."""
        self._stopped.set()
        self._thread.join()

    def _poll(self) -> None:
        while not self._stopped.wait(POLL_SECONDS):
            handle_waiting(self._sqs, self._url, self._handler)
