"""The SQS queue that hands export jobs to the worker function: a message names a job, nothing more."""

from __future__ import annotations

import json

# A message the worker failed on this often goes to the dead-letter queue (and its alarm).
MAX_RECEIVES = 3
# The worker runs for up to 15 minutes; SQS hides a message being worked on for longer than that.
VISIBILITY_SECONDS = 960
# A dead letter is kept two weeks, SQS's longest, for whoever answers the alarm.
DEAD_LETTER_SECONDS = 14 * 86400


class JobQueue:
    """Sends export jobs to the queue it is handed (by its URL)."""

    def __init__(self, sqs_client, queue_url: str) -> None:
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, job_id: str) -> None:
        """Ask the worker to go on with a job."""
        self._sqs.send_message(QueueUrl=self._url, MessageBody=json.dumps({"job": job_id}))


def job_of_message(body: str) -> str:
    """Return the job id a message names."""
    return str(json.loads(body)["job"])


def create_queue(sqs_client, name: str, visibility_seconds: int = VISIBILITY_SECONDS) -> str:
    """Create the queue and its dead-letter queue (`<name>-failed`) if they are not there; return its URL."""
    dead = sqs_client.create_queue(
        QueueName=f"{name}-failed", Attributes={"MessageRetentionPeriod": str(DEAD_LETTER_SECONDS)}
    )["QueueUrl"]
    dead_arn = sqs_client.get_queue_attributes(QueueUrl=dead, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": MAX_RECEIVES})
    attributes = {"VisibilityTimeout": str(visibility_seconds), "RedrivePolicy": redrive}
    return sqs_client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
