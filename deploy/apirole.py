"""The roles of the API's Lambda and of the export worker, least privilege, as CloudFormation
resources for the API's stack.

Each role may do exactly what its function does: the DynamoDB actions it performs on the table
and on its indexes, the S3 actions under exports/ in the exports bucket, sending to (the worker:
and being handed messages from) the export jobs' queue, and writing its own logs. The table's
and the bucket's ARNs are imported from the data stack; every ARN built here goes through
${AWS::Partition}, so the same template deploys to the China regions (aws-cn) and to any
other. tests/test_apirole.py collects every DynamoDB, S3 and SQS call the API makes while its
routes run, and the worker while it runs export jobs, and checks them against APP_ACTIONS and
WORKER_ACTIONS both ways: each call allowed, nothing allowed that no call needs. Callers put
functions/ on sys.path first, as build.py and the tests do.
"""

from __future__ import annotations

from chalicelib.downloads import EXPORT_PREFIX

from deploy.datastack import EXPORTS_BUCKET, imported, table_logical_id
from deploy.exportqueue import EXPORTS_QUEUE
from deploy.stages import Stage

# The IAM actions each function needs, by what they touch. A transaction (TransactWriteItems)
# is authorised item by item, as the put, update, delete or condition check each item is, so it
# has no action of its own here. A presigned link is authorised as the signer's GetObject, and
# so is HeadObject. Every step of a multipart upload is PutObject, and a failed one is aborted
# (AbortMultipartUpload), so its parts are not kept and billed.
TABLE = "table"
INDEXES = "indexes"
EXPORTS = "exports"
QUEUE = "queue"
LOGS = "logs"
# Lambda writes a function's output to its log group, which the stack makes (so the role needs
# no logs:CreateLogGroup).
LOG_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# What Lambda's event source mapping does with the worker's role to hand it the queue's messages.
EVENT_SOURCE_ACTIONS = ("sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage")
APP_ACTIONS: dict[str, tuple[str, ...]] = {
    TABLE: (
        "dynamodb:BatchGetItem",
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    INDEXES: ("dynamodb:Query",),
    EXPORTS: ("s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"),
    # An export not done within its request goes to the worker.
    QUEUE: ("sqs:SendMessage",),
    LOGS: LOG_ACTIONS,
}
# The worker goes on with export jobs: it reads the rows and the job, records its parts and
# progress, uploads, and sends a job it has not finished back to the queue.
WORKER_ACTIONS: dict[str, tuple[str, ...]] = {
    TABLE: ("dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:UpdateItem"),
    INDEXES: ("dynamodb:Query",),
    EXPORTS: ("s3:AbortMultipartUpload", "s3:PutObject"),
    QUEUE: ("sqs:SendMessage", *EVENT_SOURCE_ACTIONS),
    LOGS: LOG_ACTIONS,
}
API_ROLE = "ApiHandlerRole"
API_LOG_GROUP = "ApiHandlerLogGroup"
WORKER_ROLE = "ExportWorkerRole"
WORKER_LOG_GROUP = "ExportWorkerLogGroup"
# Logs name record ids when something fails; a month is enough to look into a failure.
LOG_RETENTION_DAYS = 30
# The data stack's table whose ARN the role imports.
SUBMISSIONS = "submissions"


def api_function_name(stage: Stage) -> str:
    """Return the name of a stage's API Lambda; its log group is named after it."""
    return f"sanwei-{stage.name}-api"


def worker_function_name(stage: Stage) -> str:
    """Return the name of a stage's export worker Lambda; its log group is named after it."""
    return f"sanwei-{stage.name}-exports"


def api_role_resources(stage: Stage) -> dict[str, dict]:
    """Return the API's and the export worker's log groups and roles, as resources of the API's stack."""
    return {
        **_function_role(api_function_name(stage), API_LOG_GROUP, API_ROLE, "sanwei-api", api_role_policy(stage)),
        **_function_role(
            worker_function_name(stage), WORKER_LOG_GROUP, WORKER_ROLE, "sanwei-exports", worker_role_policy(stage)
        ),
    }


def _function_role(function_name: str, log_group: str, role: str, policy_name: str, policy: dict) -> dict[str, dict]:
    return {
        log_group: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": f"/aws/lambda/{function_name}", "RetentionInDays": LOG_RETENTION_DAYS},
        },
        role: {
            "Type": "AWS::IAM::Role",
            # No Description: IAM takes only Latin-1 text there, and what people read is in Chinese.
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [{"PolicyName": policy_name, "PolicyDocument": policy}],
            },
        },
    }


def api_role_policy(stage: Stage) -> dict:
    """Return the API role's policy document: APP_ACTIONS on the stage's table, exports, queue and logs."""
    return _policy(stage, APP_ACTIONS, API_LOG_GROUP)


def worker_role_policy(stage: Stage) -> dict:
    """Return the worker role's policy document: WORKER_ACTIONS on the same, and its own logs."""
    return _policy(stage, WORKER_ACTIONS, WORKER_LOG_GROUP)


def _policy(stage: Stage, actions: dict[str, tuple[str, ...]], log_group: str) -> dict:
    table_arn = imported(stage, f"{table_logical_id(SUBMISSIONS)}Arn")
    bucket_arn = imported(stage, f"{EXPORTS_BUCKET}Arn")
    resources = {
        TABLE: table_arn,
        INDEXES: {"Fn::Sub": ["${TableArn}/index/*", {"TableArn": table_arn}]},
        EXPORTS: {"Fn::Sub": [f"${{BucketArn}}/{EXPORT_PREFIX}*", {"BucketArn": bucket_arn}]},
        QUEUE: {"Fn::GetAtt": [EXPORTS_QUEUE, "Arn"]},
        # A reference to the log group also makes CloudFormation create it before the role.
        LOGS: {
            "Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{log_group}}}:*"
        },
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": what.title(), "Effect": "Allow", "Action": list(allowed), "Resource": resources[what]}
            for what, allowed in actions.items()
        ],
    }
