"""The data stack: what holds a stage's data, as a CloudFormation template made in Python.

Data outlives every deploy of code, so the table, the buckets and the alarm topic live
in a stack of their own, apart from the API's stack (`chalice package`), which imports
what this one exports. The table is made from chalicelib.tables.TABLE_SPECS, the one
definition `build.py tables` and the tests use, so the app and the deployed table cannot
disagree. Callers put functions/ on sys.path first, as build.py and the tests do.
"""

from __future__ import annotations

import json

from chalicelib.downloads import EXPORT_PREFIX, KEEP_DAYS
from chalicelib.tables import TABLE_SPECS, TTL_ATTRIBUTE

from deploy.cloudformation import stack_outputs
from deploy.stages import Stage

# What holds data stays when the stack is deleted, or when a change would replace it.
RETAIN = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
ALARM_EMAIL_PARAMETER = "AlarmEmail"
HAS_ALARM_EMAIL = "HasAlarmEmail"
EXPORTS_BUCKET = "ExportsBucket"
SITE_BUCKET = "SiteBucket"
ARTIFACTS_BUCKET = "ArtifactsBucket"
# Where `build.py deploy` puts the API's deployment packages, each named after its SHA-256.
ARTIFACT_PREFIX = "api/"
ALARM_TOPIC = "AlarmTopic"
_PRIVATE = {
    "BlockPublicAcls": True,
    "IgnorePublicAcls": True,
    "BlockPublicPolicy": True,
    "RestrictPublicBuckets": True,
}
_ENCRYPTED = {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
# Access is by policy alone: no object ACLs, every object owned by the account.
_NO_ACLS = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}


def data_stack_name(stage: Stage) -> str:
    """Return the name of a stage's data stack (its exports are named after it)."""
    return f"sanwei-{stage.name}-data"


def imported(stage: Stage, output: str) -> dict:
    """Return a stack's reference to an output of the stage's data stack (exported as <stack name>-<output>)."""
    return {"Fn::ImportValue": f"{data_stack_name(stage)}-{output}"}


def table_logical_id(logical_name: str) -> str:
    """Return the template's id of a table of TABLE_SPECS, e.g. "submissions" -> "SubmissionsTable"."""
    return "".join(part.title() for part in logical_name.split("_")) + "Table"


def deployed_table_names(cloudformation, stage: Stage) -> dict[str, str] | None:
    """Return {logical name: table name} of a stage's deployed data stack, None when it has not been deployed."""
    outputs = stack_outputs(cloudformation, data_stack_name(stage))
    keys = {logical_name: f"{table_logical_id(logical_name)}Name" for logical_name in TABLE_SPECS}
    if not all(key in outputs for key in keys.values()):
        return None
    return {logical_name: outputs[key] for logical_name, key in keys.items()}


def data_stack_parameters(stage: Stage) -> list[dict[str, str]]:
    """Return the stack's parameters for a stage, as CloudFormation's CreateStack takes them."""
    return [{"ParameterKey": ALARM_EMAIL_PARAMETER, "ParameterValue": stage.alarm_email or ""}]


def data_stack_template(stage: Stage) -> dict:
    """Return the data stack's template for a stage; its parameters default to the stage's settings."""
    resources: dict[str, dict] = {}
    outputs: dict[str, dict] = {}
    for logical_name in TABLE_SPECS:
        logical_id = table_logical_id(logical_name)
        resources[logical_id] = _table(logical_name)
        outputs[f"{logical_id}Name"] = _output(f"数据表 {logical_name} 的表名", {"Ref": logical_id})
        outputs[f"{logical_id}Arn"] = _output(
            f"数据表 {logical_name} 的 ARN（索引在其后加 /index/*）", {"Fn::GetAtt": [logical_id, "Arn"]}
        )
    # The same rule `build.py tables` puts on a bucket it makes (chalicelib.downloads).
    resources[EXPORTS_BUCKET] = _private_bucket(
        {
            "Id": "delete-exports",
            "Status": "Enabled",
            "Prefix": EXPORT_PREFIX,
            "ExpirationInDays": KEEP_DAYS,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": KEEP_DAYS},
        }
    )
    resources[f"{EXPORTS_BUCKET}Policy"] = _tls_only_policy(EXPORTS_BUCKET)
    resources[SITE_BUCKET] = _private_bucket()
    # No expiry by age: a failed update rolls back to the package the stack runs, however old it
    # is. The deploy removes the others once an update is through (deploy/artifacts.py,
    # remove_other_packages).
    resources[ARTIFACTS_BUCKET] = _private_bucket(
        {
            "Id": "abort-unfinished-uploads",
            "Status": "Enabled",
            "Prefix": ARTIFACT_PREFIX,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
    )
    resources[ALARM_TOPIC] = {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "三微告警"}}
    resources[f"{ALARM_TOPIC}Email"] = {
        "Type": "AWS::SNS::Subscription",
        "Condition": HAS_ALARM_EMAIL,
        "Properties": {
            "TopicArn": {"Ref": ALARM_TOPIC},
            "Protocol": "email",
            "Endpoint": {"Ref": ALARM_EMAIL_PARAMETER},
        },
    }
    outputs.update(
        {
            f"{EXPORTS_BUCKET}Name": _output("导出文件桶的名称", {"Ref": EXPORTS_BUCKET}),
            f"{EXPORTS_BUCKET}Arn": _output("导出文件桶的 ARN", {"Fn::GetAtt": [EXPORTS_BUCKET, "Arn"]}),
            f"{SITE_BUCKET}Name": _output("网站文件桶的名称", {"Ref": SITE_BUCKET}),
            f"{SITE_BUCKET}Arn": _output("网站文件桶的 ARN", {"Fn::GetAtt": [SITE_BUCKET, "Arn"]}),
            # The CDN's origin. Its bucket policy (reads by the CloudFront distribution, through
            # origin access control) belongs to the stack that makes the distribution: a bucket
            # has one policy, and it must name the distribution.
            f"{SITE_BUCKET}RegionalDomainName": _output(
                "网站文件桶的区域域名：CDN 的源站；桶策略由建 CDN 的栈添加",
                {"Fn::GetAtt": [SITE_BUCKET, "RegionalDomainName"]},
            ),
            f"{ARTIFACTS_BUCKET}Name": _output("接口部署包所在桶的名称", {"Ref": ARTIFACTS_BUCKET}),
            f"{ALARM_TOPIC}Arn": _output("告警通知主题的 ARN", {"Ref": ALARM_TOPIC}),
        }
    )
    # Every output is exported as <stack name>-<output>, for the API's stack to import.
    for key, output in outputs.items():
        output["Export"] = {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{key}"}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"三微 {stage.name} 环境的数据：提交记录表、导出文件桶、网站文件桶、接口部署包桶和告警主题。"
        "删除本栈时，表和桶都会保留。",
        "Parameters": {
            ALARM_EMAIL_PARAMETER: {
                "Type": "String",
                "Default": stage.alarm_email or "",
                "AllowedPattern": r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
                "ConstraintDescription": "请填一个电子邮件地址，或者留空（不发告警邮件）",
                "Description": "接收告警邮件的地址（可以留空）；AWS 会先发一封确认邮件",
            }
        },
        "Conditions": {HAS_ALARM_EMAIL: {"Fn::Not": [{"Fn::Equals": [{"Ref": ALARM_EMAIL_PARAMETER}, ""]}]}},
        "Resources": resources,
        "Outputs": outputs,
    }


def render_template(template: dict) -> str:
    """Return a template as CloudFormation reads it: JSON, the Chinese text left readable."""
    return json.dumps(template, ensure_ascii=False, indent=2) + "\n"


def _table(logical_name: str) -> dict:
    return {
        "Type": "AWS::DynamoDB::Table",
        **RETAIN,
        "Properties": {
            **TABLE_SPECS[logical_name],
            # Items are deleted when a form's promised retention is over.
            "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": True},
            # A mistaken write or delete can be undone to any second of the last 35 days.
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS"},
            "DeletionProtectionEnabled": True,
        },
    }


def _private_bucket(lifecycle_rule: dict | None = None) -> dict:
    """A bucket no one outside the account reads, encrypted, without ACLs, and retained: data
    outlives the stack, and CloudFormation cannot delete a bucket that still holds files."""
    properties: dict = {
        "BucketEncryption": _ENCRYPTED,
        "PublicAccessBlockConfiguration": _PRIVATE,
        "OwnershipControls": _NO_ACLS,
    }
    if lifecycle_rule is not None:
        properties["LifecycleConfiguration"] = {"Rules": [lifecycle_rule]}
    return {"Type": "AWS::S3::Bucket", **RETAIN, "Properties": properties}


def _tls_only_policy(bucket: str) -> dict:
    # Presigned links and the app's own calls all use HTTPS; anything else is refused.
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        # ${AWS::Partition} is aws-cn in the China regions, aws elsewhere.
                        "Resource": [
                            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}"},
                            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{bucket}}}/*"},
                        ],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def _output(description: str, value: object) -> dict:
    return {"Description": description, "Value": value}
