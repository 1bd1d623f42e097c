"""The export jobs' SQS queue and its dead-letter queue, as CloudFormation resources for the API's stack.

They hold only messages naming jobs on their way (the jobs themselves are in the table), so they
belong with the functions that send and read them, not with the data. A message the worker
fails on MAX_RECEIVES times goes to the dead-letter queue, whose alarm is in deploy/alarms.py.
"""

from __future__ import annotations

from chalicelib.jobqueue import DEAD_LETTER_SECONDS, MAX_RECEIVES, VISIBILITY_SECONDS

from deploy.stages import Stage

EXPORTS_QUEUE = "ExportsQueue"
EXPORTS_DEAD_LETTERS = "ExportsDeadLetterQueue"


def exports_queue_name(stage: Stage) -> str:
    """Return the name of a stage's export jobs' queue (its dead-letter queue adds `-failed`)."""
    return f"sanwei-{stage.name}-exports"


def exports_queue_resources(stage: Stage) -> dict[str, dict]:
    """Return the queue the API sends export jobs to and the worker reads, with its dead-letter queue."""
    name = exports_queue_name(stage)
    return {
        EXPORTS_DEAD_LETTERS: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": f"{name}-failed",
                "MessageRetentionPeriod": DEAD_LETTER_SECONDS,
                "SqsManagedSseEnabled": True,
            },
        },
        EXPORTS_QUEUE: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": VISIBILITY_SECONDS,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [EXPORTS_DEAD_LETTERS, "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        },
    }
