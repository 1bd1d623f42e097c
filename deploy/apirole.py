"""The API's Lambda role, least privilege, as CloudFormation resources for the API's stack.

The role may do exactly what the app does: the DynamoDB actions it performs on the table and
on its indexes, PutObject and GetObject under exports/ in the exports bucket, and writing its
own logs. The table's and the bucket's ARNs are imported from the data stack; every ARN built
here goes through ${AWS::Partition}, so the same template deploys to the China regions
(aws-cn) and to any other. tests/test_apirole.py collects every DynamoDB and S3 call the API
makes while its routes run and checks them against APP_ACTIONS both ways: each call allowed,
nothing allowed that no call needs. Callers put functions/ on sys.path first, as build.py
and the tests do.
"""

from __future__ import annotations

from chalicelib.downloads import EXPORT_PREFIX

from deploy.datastack import EXPORTS_BUCKET, imported, table_logical_id
from deploy.stages import Stage

# The IAM actions the app needs, by what they touch. A transaction (TransactWriteItems) is
# authorised item by item, as the put, update, delete or condition check each item is, so it
# has no action of its own here. A presigned link is authorised as the signer's GetObject.
# An upload of an export over s3transfer's multipart threshold is PutObject too, and a failed
# one is aborted (AbortMultipartUpload), so its parts are not kept and billed.
TABLE = "table"
INDEXES = "indexes"
EXPORTS = "exports"
LOGS = "logs"
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
    # Lambda writes the function's output to its log group, which the stack makes (so the
    # role needs no logs:CreateLogGroup).
    LOGS: ("logs:CreateLogStream", "logs:PutLogEvents"),
}
API_ROLE = "ApiHandlerRole"
API_LOG_GROUP = "ApiHandlerLogGroup"
# Logs name record ids when something fails; a month is enough to look into a failure.
LOG_RETENTION_DAYS = 30
# Ref to the log group (its name) inside an Fn::Sub pattern.
_LOG_GROUP = f"${{{API_LOG_GROUP}}}"
# The data stack's table whose ARN the role imports.
SUBMISSIONS = "submissions"


def api_function_name(stage: Stage) -> str:
    """Return the name of a stage's API Lambda; its log group is named after it."""
    return f"sanwei-{stage.name}-api"


def api_role_resources(stage: Stage) -> dict[str, dict]:
    """Return the API's log group and its Lambda's role, as resources of the API's stack."""
    return {
        API_LOG_GROUP: {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{api_function_name(stage)}",
                "RetentionInDays": LOG_RETENTION_DAYS,
            },
        },
        API_ROLE: {
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
                "Policies": [{"PolicyName": "sanwei-api", "PolicyDocument": api_role_policy(stage)}],
            },
        },
    }


def api_role_policy(stage: Stage) -> dict:
    """Return the role's policy document: APP_ACTIONS on the stage's table, exports and logs."""
    table_arn = imported(stage, f"{table_logical_id(SUBMISSIONS)}Arn")
    bucket_arn = imported(stage, f"{EXPORTS_BUCKET}Arn")
    resources = {
        TABLE: table_arn,
        INDEXES: {"Fn::Sub": ["${TableArn}/index/*", {"TableArn": table_arn}]},
        EXPORTS: {"Fn::Sub": [f"${{BucketArn}}/{EXPORT_PREFIX}*", {"BucketArn": bucket_arn}]},
        # A reference to the log group also makes CloudFormation create it before the role.
        LOGS: {
            "Fn::Sub": f"arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{_LOG_GROUP}:*"
        },
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": what.title(), "Effect": "Allow", "Action": list(actions), "Resource": resources[what]}
            for what, actions in APP_ACTIONS.items()
        ],
    }
