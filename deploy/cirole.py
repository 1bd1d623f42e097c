"""The role a CI run on `main` deploys a stage with: GitHub's OIDC provider and a role trusting it.

CI gets short-lived credentials by trading the token GitHub gives a workflow run for this
role (sts:AssumeRoleWithWebIdentity); no access key is ever stored. The role is trusted only
by runs of one repository's `main` branch, and may do only what `build.py deploy` does and
what CloudFormation does on its behalf, on the stage's own stacks, functions, roles, tables,
buckets, queues, topics, alarms and logs: everything named `sanwei-<stage>-*`. What IAM cannot scope
by name (API Gateway's and CloudFront's ids are random) is scoped to the account and region.
It may read the site's certificate, as CloudFront does with its caller's rights. The role
cannot delete a stack, a table or a bucket, read a table's items, or touch exports:
taking a stage down is a person's decision (docs/部署指南.md). Its own stack and name are
outside `sanwei-<stage>-*`, so it cannot widen its own rights.
"""

from __future__ import annotations

from deploy.apirole import api_function_name, worker_function_name
from deploy.apistack import api_stack_name
from deploy.datastack import ARTIFACTS_BUCKET, SITE_BUCKET, data_stack_name
from deploy.stages import CHINA_PARTITION, Stage, partition

REPOSITORY_PARAMETER = "GitHubRepository"
PROVIDER_PARAMETER = "ExistingOidcProviderArn"
MAKE_PROVIDER = "MakeOidcProvider"
PROVIDER = "GitHubOidcProvider"
ROLE = "DeployRole"
GITHUB_ISSUER = "token.actions.githubusercontent.com"
# The only ref whose runs may deploy; pull requests and other branches get no credentials.
DEPLOY_REF = "refs/heads/main"
# STS's own name in the partition: sts.amazonaws.com, and sts.amazonaws.com.cn in the China
# regions, where configure-aws-credentials must be given `audience: sts.amazonaws.com.cn`.
AUDIENCE = {"Fn::Sub": "sts.${AWS::URLSuffix}"}
# The certificates GitHub's issuer has used. IAM no longer checks them for this issuer in the
# global partition; they are given for partitions that still do.
GITHUB_THUMBPRINTS = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
# A repository as the token's `sub` claim names it: owner/name, or, for repositories made
# from 15 July 2026 on (and those that opted in), owner@<owner id>/name@<repository id>.
PROVIDER_ARN_PATTERN = r"^$|^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\.actions\.githubusercontent\.com$"
REPOSITORY_PATTERN = r"^[A-Za-z0-9-]+(@[0-9]+)?/[A-Za-z0-9._-]+(@[0-9]+)?$"

# What each service is asked, by the deploy itself or by CloudFormation for it. No Delete of
# a stack, table or bucket: data stays (DeletionPolicy: Retain), and removing a stage is done
# by a person.
STACK_ACTIONS = (
    "cloudformation:CancelUpdateStack",
    "cloudformation:ContinueUpdateRollback",
    "cloudformation:CreateChangeSet",
    "cloudformation:CreateStack",
    "cloudformation:DeleteChangeSet",
    "cloudformation:DescribeChangeSet",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DescribeStackResource",
    "cloudformation:DescribeStackResources",
    "cloudformation:DescribeStacks",
    "cloudformation:ExecuteChangeSet",
    "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary",
    "cloudformation:ListChangeSets",
    "cloudformation:ListStackResources",
    "cloudformation:UpdateStack",
)
# Actions IAM authorises on no resource of their own: read-only.
ACCOUNT_READS = ("cloudformation:ListExports", "cloudformation:ListImports", "cloudformation:ValidateTemplate")
ROLE_ACTIONS = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
)
FUNCTION_ACTIONS = (
    "lambda:AddPermission",
    "lambda:CreateFunction",
    "lambda:DeleteFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionConfiguration",
    "lambda:GetPolicy",
    "lambda:GetRuntimeManagementConfig",
    "lambda:ListTags",
    "lambda:ListVersionsByFunction",
    "lambda:RemovePermission",
    "lambda:TagResource",
    "lambda:UntagResource",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
)
# Lambda's event source mapping hands the export queue's messages to the worker; it is named by a
# random id, so it is scoped by the function it feeds.
EVENT_SOURCE_MAPPING_ACTIONS = (
    "lambda:CreateEventSourceMapping",
    "lambda:DeleteEventSourceMapping",
    "lambda:GetEventSourceMapping",
    "lambda:UpdateEventSourceMapping",
)
# The export jobs' queue and its dead-letter queue hold no data: CloudFormation may delete them.
QUEUE_ACTIONS = (
    "sqs:CreateQueue",
    "sqs:DeleteQueue",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ListQueueTags",
    "sqs:SetQueueAttributes",
    "sqs:TagQueue",
    "sqs:UntagQueue",
)
# API Gateway's actions are its HTTP methods on the API's paths.
API_ACTIONS = ("apigateway:DELETE", "apigateway:GET", "apigateway:PATCH", "apigateway:POST", "apigateway:PUT")
# Deletes are for CloudFormation's rollback of a first deploy that failed halfway.
DISTRIBUTION_ACTIONS = (
    "cloudfront:CreateDistribution",
    "cloudfront:CreateInvalidation",
    "cloudfront:DeleteDistribution",
    "cloudfront:GetDistribution",
    "cloudfront:GetDistributionConfig",
    "cloudfront:GetInvalidation",
    "cloudfront:ListTagsForResource",
    "cloudfront:TagResource",
    "cloudfront:UntagResource",
    "cloudfront:UpdateDistribution",
)
CACHE_POLICY_ACTIONS = (
    "cloudfront:CreateCachePolicy",
    "cloudfront:DeleteCachePolicy",
    "cloudfront:GetCachePolicy",
    "cloudfront:GetCachePolicyConfig",
    "cloudfront:UpdateCachePolicy",
)
# How the CDN reads the site bucket: origin access control, or in China (which has none) an
# origin access identity (deploy/sitecdn.py).
ORIGIN_ACCESS_CONTROL_ACTIONS = (
    "cloudfront:CreateOriginAccessControl",
    "cloudfront:DeleteOriginAccessControl",
    "cloudfront:GetOriginAccessControl",
    "cloudfront:GetOriginAccessControlConfig",
    "cloudfront:UpdateOriginAccessControl",
)
ORIGIN_ACCESS_IDENTITY_ACTIONS = (
    "cloudfront:CreateCloudFrontOriginAccessIdentity",
    "cloudfront:DeleteCloudFrontOriginAccessIdentity",
    "cloudfront:GetCloudFrontOriginAccessIdentity",
    "cloudfront:GetCloudFrontOriginAccessIdentityConfig",
    "cloudfront:UpdateCloudFrontOriginAccessIdentity",
)
BUCKET_ACTIONS = (
    "s3:CreateBucket",
    "s3:DeleteBucketPolicy",
    "s3:GetBucket*",
    "s3:GetEncryptionConfiguration",
    "s3:GetLifecycleConfiguration",
    "s3:ListBucket",
    "s3:PutBucketOwnershipControls",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketTagging",
    "s3:PutEncryptionConfiguration",
    "s3:PutLifecycleConfiguration",
)
# The site's files and the function's package: read what is stored, put what changed, delete
# what is gone, and give up a package's upload in parts that failed.
OBJECT_ACTIONS = ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject")
# The table's settings only: CI never reads or writes a member's record.
TABLE_ACTIONS = (
    "dynamodb:CreateTable",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeContributorInsights",
    "dynamodb:DescribeKinesisStreamingDestination",
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:GetResourcePolicy",
    "dynamodb:ListTagsOfResource",
    "dynamodb:TagResource",
    "dynamodb:UntagResource",
    "dynamodb:UpdateContinuousBackups",
    "dynamodb:UpdateTable",
    "dynamodb:UpdateTimeToLive",
)
# The table is encrypted with the account's AWS managed key for DynamoDB, used through DynamoDB only.
KEY_ACTIONS = ("kms:CreateGrant", "kms:DescribeKey")
TOPIC_ACTIONS = (
    "sns:CreateTopic",
    "sns:GetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:ListSubscriptionsByTopic",
    "sns:ListTagsForResource",
    "sns:SetTopicAttributes",
    "sns:Subscribe",
    "sns:TagResource",
    "sns:Unsubscribe",
    "sns:UntagResource",
)
ALARM_ACTIONS = (
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:ListTagsForResource",
    "cloudwatch:PutMetricAlarm",
    "cloudwatch:TagResource",
    "cloudwatch:UntagResource",
)
LOG_ACTIONS = (
    "logs:CreateLogGroup",
    "logs:DeleteLogGroup",
    "logs:DeleteRetentionPolicy",
    "logs:ListTagsForResource",
    "logs:PutRetentionPolicy",
    "logs:TagResource",
    "logs:UntagResource",
)


def ci_role_stack_name(stage: Stage) -> str:
    """Return the name of the stack holding a stage's CI role: outside the names the role may touch."""
    return f"github-deploy-sanwei-{stage.name}"


def ci_role_name(stage: Stage) -> str:
    """Return the CI role's name: outside `sanwei-<stage>-*`, so the role cannot change itself."""
    return f"github-deploy-sanwei-{stage.name}"


def ci_role_template(stage: Stage) -> dict:
    """Return the template of a stage's CI role and (unless one is given) GitHub's OIDC provider."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"三微 {stage.name} 环境的持续部署角色：只有指定 GitHub 仓库 main 分支上的运行可以用它部署。",
        "Parameters": {
            REPOSITORY_PARAMETER: {
                "Type": "String",
                "AllowedPattern": REPOSITORY_PATTERN,
                "ConstraintDescription": "请写 所有者/仓库名，例如 example-office/sanwei"
                "（2026 年 7 月 15 日以后建的仓库写 所有者@编号/仓库名@编号）",
                "Description": "可以部署的 GitHub 仓库，例如 example-office/sanwei",
            },
            PROVIDER_PARAMETER: {
                "Type": "String",
                "Default": "",
                "AllowedPattern": PROVIDER_ARN_PATTERN,
                "ConstraintDescription": "请留空，或者写账号里已有的 GitHub OIDC 身份提供商的 ARN",
                "Description": "账号里已经有 token.actions.githubusercontent.com 身份提供商时，写它的 ARN"
                "（一个账号只能有一个）；没有就留空，本栈会新建",
            },
        },
        "Conditions": {MAKE_PROVIDER: {"Fn::Equals": [{"Ref": PROVIDER_PARAMETER}, ""]}},
        "Resources": {
            PROVIDER: {
                "Type": "AWS::IAM::OIDCProvider",
                "Condition": MAKE_PROVIDER,
                "Properties": {
                    "Url": f"https://{GITHUB_ISSUER}",
                    "ClientIdList": [AUDIENCE],
                    "ThumbprintList": GITHUB_THUMBPRINTS,
                },
            },
            ROLE: {
                "Type": "AWS::IAM::Role",
                # No Description: IAM takes only Latin-1 text there, and what people read is in Chinese.
                "Properties": {
                    "RoleName": ci_role_name(stage),
                    # One deploy takes minutes; an hour is the shortest a role may allow.
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": _trust_policy(),
                    "Policies": [{"PolicyName": "sanwei-deploy", "PolicyDocument": ci_role_policy(stage)}],
                },
            },
        },
        "Outputs": {
            "RoleArn": {
                "Description": "部署角色的 ARN：填到 GitHub 仓库的变量 AWS_ROLE_ARN",
                "Value": {"Fn::GetAtt": [ROLE, "Arn"]},
            },
            "Audience": {
                "Description": "GitHub 取令牌时要用的 audience（中国区域是 sts.amazonaws.com.cn）",
                "Value": AUDIENCE,
            },
        },
    }


def _trust_policy() -> dict:
    provider = {
        "Fn::If": [
            MAKE_PROVIDER,
            {"Ref": PROVIDER},
            {"Ref": PROVIDER_PARAMETER},
        ]
    }
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                # Both claims, exactly: the token was made for STS, by a run of `main` in this repository.
                "Condition": {
                    "StringEquals": {
                        f"{GITHUB_ISSUER}:aud": AUDIENCE,
                        f"{GITHUB_ISSUER}:sub": {"Fn::Sub": f"repo:${{{REPOSITORY_PARAMETER}}}:ref:{DEPLOY_REF}"},
                    }
                },
            }
        ],
    }


def ci_role_policy(stage: Stage) -> dict:
    """Return what the CI role may do: deploy the stage's stacks and upload its site, nothing else."""
    named = f"sanwei-{stage.name}-*"
    here = "${AWS::Region}:${AWS::AccountId}"
    account = "arn:${AWS::Partition}:iam::${AWS::AccountId}"
    cloudfront = "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}"
    # CloudFormation names a stack's buckets <stack name>-<resource>-<random>, in lowercase.
    # Objects only in the site's and the packages' buckets: exports hold members' personal data.
    objects = [
        f"arn:${{AWS::Partition}}:s3:::{data_stack_name(stage)}-{bucket.lower()}-*/*"
        for bucket in (SITE_BUCKET, ARTIFACTS_BUCKET)
    ]
    # ... and the API's role <stack name>-<resource>-<random>.
    api_roles = f"{account}:role/{api_stack_name(stage)}-*"
    functions = [
        f"arn:${{AWS::Partition}}:lambda:{here}:function:{name}"
        for name in (api_function_name(stage), worker_function_name(stage))
    ]
    log_groups = [
        f"arn:${{AWS::Partition}}:logs:{here}:log-group:/aws/lambda/{name}{streams}"
        for name in (api_function_name(stage), worker_function_name(stage))
        for streams in ("", ":*")
    ]
    china = partition(stage.region) == CHINA_PARTITION
    return {
        "Version": "2012-10-17",
        "Statement": [
            _allow("Stacks", STACK_ACTIONS, f"arn:${{AWS::Partition}}:cloudformation:{here}:stack/{named}/*"),
            # The API's stack is a SAM template; CloudFormation expands it through this transform.
            _allow(
                "SamTransform",
                ("cloudformation:CreateChangeSet",),
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:aws:transform/Serverless-2016-10-31",
            ),
            {"Sid": "AccountReads", "Effect": "Allow", "Action": list(ACCOUNT_READS), "Resource": "*"},
            _allow("Roles", ROLE_ACTIONS, api_roles),
            # The API's role, handed to its function and to nothing else.
            {
                **_allow("PassApiRole", ("iam:PassRole",), api_roles),
                "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
            },
            _allow("Functions", FUNCTION_ACTIONS, *functions),
            {
                **_allow(
                    "EventSourceMappings",
                    EVENT_SOURCE_MAPPING_ACTIONS,
                    f"arn:${{AWS::Partition}}:lambda:{here}:event-source-mapping:*",
                ),
                "Condition": {"StringEquals": {"lambda:FunctionArn": {"Fn::Sub": functions[1]}}},
            },
            # Creating one is authorised on no resource of its own, only by the function it feeds.
            {
                "Sid": "NewEventSourceMapping",
                "Effect": "Allow",
                "Action": ["lambda:CreateEventSourceMapping"],
                "Resource": "*",
                "Condition": {"StringEquals": {"lambda:FunctionArn": {"Fn::Sub": functions[1]}}},
            },
            _allow("Queues", QUEUE_ACTIONS, f"arn:${{AWS::Partition}}:sqs:{here}:{named}"),
            # API Gateway names an API by a random id, so the region is as narrow as IAM allows.
            _allow(
                "Apis",
                API_ACTIONS,
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis",
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/*",
                "arn:${AWS::Partition}:apigateway:${AWS::Region}::/tags/*",
            ),
            # CloudFront too names what it makes by a random id: the account's.
            _allow("Cdn", DISTRIBUTION_ACTIONS, f"{cloudfront}:distribution/*"),
            _allow("CdnCachePolicies", CACHE_POLICY_ACTIONS, f"{cloudfront}:cache-policy/*"),
            _allow(
                "CdnOriginAccessIdentities", ORIGIN_ACCESS_IDENTITY_ACTIONS, f"{cloudfront}:origin-access-identity/*"
            )
            if china
            else _allow(
                "CdnOriginAccessControls", ORIGIN_ACCESS_CONTROL_ACTIONS, f"{cloudfront}:origin-access-control/*"
            ),
            *_certificate_reads(stage, china),
            _allow("Buckets", BUCKET_ACTIONS, f"arn:${{AWS::Partition}}:s3:::{named}"),
            _allow("Objects", OBJECT_ACTIONS, *objects),
            _allow("Tables", TABLE_ACTIONS, f"arn:${{AWS::Partition}}:dynamodb:{here}:table/{named}"),
            {
                **_allow("TableKey", KEY_ACTIONS, f"arn:${{AWS::Partition}}:kms:{here}:key/*"),
                "Condition": {
                    "StringEquals": {"kms:ViaService": {"Fn::Sub": "dynamodb.${AWS::Region}.${AWS::URLSuffix}"}}
                },
            },
            _allow("Topics", TOPIC_ACTIONS, f"arn:${{AWS::Partition}}:sns:{here}:{named}"),
            # The alarms carry the names deploy/alarms.py gives them.
            _allow("Alarms", ALARM_ACTIONS, f"arn:${{AWS::Partition}}:cloudwatch:{here}:alarm:{named}"),
            _allow("Logs", LOG_ACTIONS, *log_groups),
            # Looking a log group up by name is authorised on every group of the region.
            _allow("FindLogGroups", ("logs:DescribeLogGroups",), f"arn:${{AWS::Partition}}:logs:{here}:log-group:*"),
        ],
    }


def _certificate_reads(stage: Stage, china: bool) -> list[dict]:
    """CloudFront reads the certificate of a site_domain with the rights of whoever asks for the distribution."""
    if stage.certificate is None:
        return []
    if not china:
        # The stage's own ARN, written in stages.yaml: nothing to substitute.
        return [
            {
                "Sid": "Certificate",
                "Effect": "Allow",
                "Action": ["acm:DescribeCertificate"],
                "Resource": stage.certificate,
            }
        ]
    # In China the certificate is an IAM server certificate known by its id, which no ARN
    # carries: any under the path CloudFront reads; listing them is authorised on no resource.
    return [
        _allow(
            "Certificate",
            ("iam:GetServerCertificate",),
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:server-certificate/cloudfront/*",
        ),
        {"Sid": "FindCertificate", "Effect": "Allow", "Action": ["iam:ListServerCertificates"], "Resource": "*"},
    ]


def _allow(sid: str, actions: tuple[str, ...], *resources: str) -> dict:
    subs = [{"Fn::Sub": resource} for resource in resources]
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": subs[0] if len(subs) == 1 else subs}
