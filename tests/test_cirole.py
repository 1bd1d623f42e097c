"""The CI deploy role: deployed into the embedded server's CloudFormation next to a data stack, it
is trusted only by runs of one repository's main branch, may touch the stage's own resources and
not its exports, its own stack or role, or another stage's; it renders for the China and the
global partitions; it allows what CloudFormation needs for every resource type of the data and
API stacks; cfn-lint finds nothing in it."""

from __future__ import annotations

import ast
import json
import os

import pytest

from deploy.apistack import package_api
from deploy.cirole import (
    GITHUB_ISSUER,
    PROVIDER,
    ROLE,
    ci_role_name,
    ci_role_stack_name,
    ci_role_template,
)
from deploy.cloudformation import apply_stack
from deploy.datastack import data_stack_template, render_template
from deploy.sitecdn import site_cdn_resources
from deploy.stages import CHINA_PARTITION, Stage, load_stage, partition
from tests.test_apirole import allows
from tests.test_cli import run_build_py
from tests.test_datastack import CHINA, GLOBAL, client, deploy, make_stage, outputs, resolve_sub, strings_in

# moto's CloudFormation skips (with this warning) the resources it does not know.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

REPOSITORY = "example-office/sanwei"
ACCOUNT = "123456789012"
ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
# A global stage with its own domain: the OAC and ACM side, where prod is the OAI and IAM side.
ABROAD = Stage("abroad", GLOBAL, "sanwei.example.org", None, 2.5, 5, ACM_ARN)

# What CloudFormation asks, with the deployer's rights, to create and update each resource type
# the two stacks hold, on a resource of the kind it would make ({p}artition, {r}egion,
# {a}ccount, {s}tage). Taken from each type's handlers.create.permissions and
# handlers.update.permissions in the CloudFormation registry's schemas (`aws cloudformation
# describe-type --type RESOURCE --type-name ...`), keeping what the properties used here need:
# cfn-lint ships those schemas without their handlers, so they cannot be read from it.
FUNCTION = "arn:{p}:lambda:{r}:{a}:function:sanwei-{s}-api"
WORKER = "arn:{p}:lambda:{r}:{a}:function:sanwei-{s}-exports"
API_ROLE = "arn:{p}:iam::{a}:role/sanwei-{s}-api-ApiHandlerRole-1ABC"
API = "arn:{p}:apigateway:{r}::/restapis"
CDN = "arn:{p}:cloudfront::{a}"
LOG_GROUP = "arn:{p}:logs:{r}:{a}:log-group:/aws/lambda/sanwei-{s}-api"
CREATE_AND_UPDATE = {
    "AWS::DynamoDB::Table": [
        *(
            (f"dynamodb:{action}", "arn:{p}:dynamodb:{r}:{a}:table/sanwei-{s}-data-SubmissionsTable-1ABC")
            for action in (
                "CreateTable",
                "DescribeTable",
                "UpdateTable",
                "DescribeTimeToLive",
                "UpdateTimeToLive",
                "DescribeContinuousBackups",
                "UpdateContinuousBackups",
                "ListTagsOfResource",
                "TagResource",
            )
        ),
        ("kms:CreateGrant", "arn:{p}:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("kms:DescribeKey", "arn:{p}:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ],
    "AWS::S3::Bucket": [
        (f"s3:{action}", "arn:{p}:s3:::sanwei-{s}-data-sitebucket-1abc")
        for action in (
            "CreateBucket",
            "PutEncryptionConfiguration",
            "PutLifecycleConfiguration",
            "PutBucketOwnershipControls",
            "PutBucketPublicAccessBlock",
            "PutBucketTagging",
            "GetBucketAcl",
            "ListBucket",
        )
    ],
    "AWS::S3::BucketPolicy": [
        (f"s3:{action}", "arn:{p}:s3:::sanwei-{s}-data-sitebucket-1abc")
        for action in ("GetBucketPolicy", "PutBucketPolicy", "DeleteBucketPolicy")
    ],
    "AWS::SNS::Topic": [
        (f"sns:{action}", "arn:{p}:sns:{r}:{a}:sanwei-{s}-data-AlarmTopic-1ABC")
        for action in ("CreateTopic", "GetTopicAttributes", "SetTopicAttributes", "TagResource", "ListTagsForResource")
    ],
    "AWS::SNS::Subscription": [
        (f"sns:{action}", "arn:{p}:sns:{r}:{a}:sanwei-{s}-data-AlarmTopic-1ABC")
        for action in ("Subscribe", "GetSubscriptionAttributes", "GetTopicAttributes", "Unsubscribe")
    ],
    "AWS::IAM::Role": [
        (f"iam:{action}", API_ROLE)
        for action in (
            "CreateRole",
            "GetRole",
            "PutRolePolicy",
            "GetRolePolicy",
            "DeleteRolePolicy",
            "ListRolePolicies",
            "ListAttachedRolePolicies",
            "UpdateAssumeRolePolicy",
            "TagRole",
        )
    ],
    "AWS::Lambda::Function": [
        *(
            (f"lambda:{action}", FUNCTION)
            for action in (
                "CreateFunction",
                "GetFunction",
                "UpdateFunctionCode",
                "UpdateFunctionConfiguration",
                "GetFunctionCodeSigningConfig",
                "GetRuntimeManagementConfig",
                "ListTags",
                "TagResource",
                "UntagResource",
            )
        ),
        ("iam:PassRole", API_ROLE),
        ("s3:GetObject", "arn:{p}:s3:::sanwei-{s}-data-artifactsbucket-1abc/packages/0a1b.zip"),
    ],
    "AWS::Lambda::EventSourceMapping": [
        ("lambda:CreateEventSourceMapping", "*"),
        *(
            (f"lambda:{action}", "arn:{p}:lambda:{r}:{a}:event-source-mapping:a1b2c3d4-5678-90ab-cdef-11111EXAMPLE")
            for action in ("GetEventSourceMapping", "UpdateEventSourceMapping")
        ),
    ],
    "AWS::SQS::Queue": [
        (f"sqs:{action}", "arn:{p}:sqs:{r}:{a}:sanwei-{s}-exports")
        for action in (
            "CreateQueue",
            "GetQueueUrl",
            "GetQueueAttributes",
            "SetQueueAttributes",
            "ListQueueTags",
            "TagQueue",
            "UntagQueue",
        )
    ],
    "AWS::Lambda::Permission": [
        (f"lambda:{action}", FUNCTION) for action in ("AddPermission", "GetPolicy", "RemovePermission")
    ],
    "AWS::Logs::LogGroup": [
        (f"logs:{action}", LOG_GROUP)
        for action in (
            "CreateLogGroup",
            "DescribeLogGroups",
            "PutRetentionPolicy",
            "ListTagsForResource",
            "TagResource",
        )
    ],
    # API Gateway's actions are HTTP methods on the paths of its control API.
    "AWS::ApiGateway::RestApi": [
        ("apigateway:POST", API),
        ("apigateway:GET", f"{API}/abc123"),
        ("apigateway:PUT", f"{API}/abc123"),
        ("apigateway:PATCH", f"{API}/abc123"),
    ],
    "AWS::ApiGateway::Deployment": [
        ("apigateway:POST", f"{API}/abc123/deployments"),
        ("apigateway:GET", f"{API}/abc123/deployments/dep123"),
        ("apigateway:PATCH", f"{API}/abc123/deployments/dep123"),
    ],
    "AWS::ApiGateway::Stage": [
        ("apigateway:POST", f"{API}/abc123/stages"),
        ("apigateway:GET", f"{API}/abc123/stages/api"),
        ("apigateway:PATCH", f"{API}/abc123/stages/api"),
    ],
    "AWS::CloudFront::CachePolicy": [
        (f"cloudfront:{action}", f"{CDN}:cache-policy/658327ea-f89d-4fab-a63d-7e88639e58f6")
        for action in ("CreateCachePolicy", "GetCachePolicy", "UpdateCachePolicy")
    ],
    "AWS::CloudFront::OriginAccessControl": [
        (f"cloudfront:{action}", f"{CDN}:origin-access-control/E1ABCDEF")
        for action in ("CreateOriginAccessControl", "GetOriginAccessControl", "UpdateOriginAccessControl")
    ],
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": [
        (f"cloudfront:{action}", f"{CDN}:origin-access-identity/E1ABCDEF")
        for action in (
            "CreateCloudFrontOriginAccessIdentity",
            "GetCloudFrontOriginAccessIdentity",
            "UpdateCloudFrontOriginAccessIdentity",
        )
    ],
    "AWS::CloudFront::Distribution": [
        (f"cloudfront:{action}", f"{CDN}:distribution/E2ABCDEF")
        for action in ("CreateDistribution", "GetDistribution", "UpdateDistribution", "TagResource")
    ],
    "AWS::CloudWatch::Alarm": [
        (f"cloudwatch:{action}", "arn:{p}:cloudwatch:{r}:{a}:alarm:sanwei-{s}-api-5xx")
        for action in ("PutMetricAlarm", "DescribeAlarms", "TagResource", "ListTagsForResource")
    ],
}
# CloudFront reads a site_domain's certificate with the rights of whoever creates the distribution:
# an ACM certificate, or in China an IAM server certificate under /cloudfront/.
CERTIFICATE_READS = {
    "aws": [("acm:DescribeCertificate", ACM_ARN)],
    "aws-cn": [
        ("iam:GetServerCertificate", "arn:{p}:iam::{a}:server-certificate/cloudfront/sanwei-example-cn"),
        ("iam:ListServerCertificates", "*"),
    ],
}


@pytest.fixture(scope="module")
def stage():
    # moto resolves ${AWS::Partition} as aws in every region but gives a table in cn-north-1 an
    # aws-cn ARN; in a global region the two agree. The China ARNs are checked from the template.
    return make_stage(GLOBAL)


@pytest.fixture(scope="module")
def deployed(moto_endpoint, stage):
    """The stage's data stack and its CI role's stack in the embedded server; yield the data stack's outputs."""
    assert deploy(moto_endpoint, stage) == "created"
    cloudformation = client("cloudformation", moto_endpoint, stage.region)
    parameters = [{"ParameterKey": "GitHubRepository", "ParameterValue": REPOSITORY}]
    template = render_template(ci_role_template(stage))
    assert apply_stack(cloudformation, ci_role_stack_name(stage), template, parameters) == "created"
    return outputs(moto_endpoint, stage)


@pytest.fixture(scope="module")
def role(moto_endpoint, stage, deployed) -> dict:
    """The role as CloudFormation made it: its ARN, trust policy and policy, every Fn::Sub resolved."""
    iam = client("iam", moto_endpoint, stage.region)
    made = iam.get_role(RoleName=ci_role_name(stage))["Role"]
    [name] = iam.list_role_policies(RoleName=ci_role_name(stage))["PolicyNames"]
    policy = iam.get_role_policy(RoleName=ci_role_name(stage), PolicyName=name)["PolicyDocument"]
    # moto keeps a policy that CloudFormation made as Python's text of it, not as JSON.
    return {
        "Arn": made["Arn"],
        "Trust": made["AssumeRolePolicyDocument"],
        "Policy": ast.literal_eval(policy) if isinstance(policy, str) else policy,
    }


def trusts(trust: dict, claims: dict[str, str]) -> bool:
    """Whether a token with these claims may assume the role: every StringEquals condition holds."""
    for statement in trust["Statement"]:
        if statement["Action"] != "sts:AssumeRoleWithWebIdentity":
            continue
        conditions = statement["Condition"]
        assert set(conditions) == {"StringEquals"}, "only exact matches: no wildcard can widen the trust"
        if all(claims.get(key) == value for key, value in conditions["StringEquals"].items()):
            return True
    return False


@pytest.mark.parametrize(
    ("sub", "trusted"),
    [
        (f"repo:{REPOSITORY}:ref:refs/heads/main", True),
        (f"repo:{REPOSITORY}:ref:refs/heads/lesson-draft", False),
        (f"repo:{REPOSITORY}:pull_request", False),
        (f"repo:{REPOSITORY}:environment:prod", False),
        (f"repo:{REPOSITORY}:ref:refs/tags/main", False),
        ("repo:someone-else/sanwei:ref:refs/heads/main", False),
        (f"repo:{REPOSITORY}-fork:ref:refs/heads/main", False),
    ],
)
def test_only_runs_of_main_in_the_repository_are_trusted(role, sub, trusted):
    claims = {f"{GITHUB_ISSUER}:aud": "sts.amazonaws.com", f"{GITHUB_ISSUER}:sub": sub}
    assert trusts(role["Trust"], claims) is trusted


def test_a_token_made_for_another_audience_is_not_trusted(role):
    claims = {
        f"{GITHUB_ISSUER}:aud": "https://example.org",
        f"{GITHUB_ISSUER}:sub": f"repo:{REPOSITORY}:ref:refs/heads/main",
    }
    assert not trusts(role["Trust"], claims)


@pytest.mark.parametrize(("region", "audience"), [(CHINA, "sts.amazonaws.com.cn"), (GLOBAL, "sts.amazonaws.com")])
def test_the_audience_is_sts_of_the_partition(region, audience):
    # configure-aws-credentials asks GitHub for a token with this audience (the workflow gives
    # sts.amazonaws.com.cn for a cn- region); the provider and the trust must name the same.
    template = ci_role_template(make_stage(region))
    [client_id] = template["Resources"][PROVIDER]["Properties"]["ClientIdList"]
    trust = template["Resources"][ROLE]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert resolve_sub(client_id["Fn::Sub"], region) == audience
    assert resolve_sub(trust["Condition"]["StringEquals"][f"{GITHUB_ISSUER}:aud"]["Fn::Sub"], region) == audience


def test_an_existing_provider_is_used_instead_of_a_new_one():
    # An account has one provider for GitHub's issuer; a second stage's role reuses it.
    template = ci_role_template(load_stage("prod"))
    assert template["Resources"][PROVIDER]["Condition"] == "MakeOidcProvider"
    assert template["Conditions"]["MakeOidcProvider"] == {"Fn::Equals": [{"Ref": "ExistingOidcProviderArn"}, ""]}
    principal = template["Resources"][ROLE]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert principal == {
        "Federated": {"Fn::If": ["MakeOidcProvider", {"Ref": PROVIDER}, {"Ref": "ExistingOidcProviderArn"}]}
    }


def test_the_deploy_may_do_its_work_on_the_stages_own_resources(role, stage, deployed):
    policy, region, named = role["Policy"], stage.region, f"sanwei-{stage.name}"
    site, exports = deployed["SiteBucketName"], deployed["ExportsBucketName"]
    package = f"arn:aws:s3:::{deployed['ArtifactsBucketName']}/packages/0a1b.zip"
    needed = [
        ("cloudformation:UpdateStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{named}-data/1"),
        ("cloudformation:CreateStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{named}-api/1"),
        ("cloudformation:DescribeStackEvents", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{named}-api/1"),
        # The function's package: looked for, then put up in parts.
        ("s3:ListBucket", f"arn:aws:s3:::{deployed['ArtifactsBucketName']}"),
        ("s3:GetObject", package),
        ("s3:PutObject", package),
        ("s3:AbortMultipartUpload", package),
        # The packages the stack no longer runs, deleted once it runs the new one.
        ("s3:DeleteObject", package),
        ("s3:PutObject", f"arn:aws:s3:::{site}/lessons/index.html"),
        ("s3:DeleteObject", f"arn:aws:s3:::{site}/lessons/gone/index.html"),
        ("s3:ListBucket", f"arn:aws:s3:::{site}"),
        ("s3:PutBucketPolicy", f"arn:aws:s3:::{site}"),
        ("s3:PutLifecycleConfiguration", f"arn:aws:s3:::{exports}"),
        ("dynamodb:UpdateTable", deployed["SubmissionsTableArn"]),
        ("dynamodb:UpdateContinuousBackups", deployed["SubmissionsTableArn"]),
        ("sns:Subscribe", deployed["AlarmTopicArn"]),
        ("lambda:UpdateFunctionCode", f"arn:aws:lambda:{region}:{ACCOUNT}:function:{named}-api"),
        ("lambda:UpdateFunctionCode", f"arn:aws:lambda:{region}:{ACCOUNT}:function:{named}-exports"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/{named}-api-ExportWorkerRole-1ABC"),
        ("sqs:SetQueueAttributes", f"arn:aws:sqs:{region}:{ACCOUNT}:{named}-exports-failed"),
        ("logs:PutRetentionPolicy", f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/{named}-exports"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/{named}-api-ApiHandlerRole-1ABC"),
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/{named}-api-ApiHandlerRole-1ABC"),
        ("logs:PutRetentionPolicy", f"arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/{named}-api"),
        ("cloudwatch:PutMetricAlarm", f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{named}-api-Api5xx-1ABC"),
        ("cloudfront:CreateInvalidation", f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2ABCDEF"),
        ("apigateway:PATCH", f"arn:aws:apigateway:{region}::/restapis/abc123/stages/api"),
    ]
    assert [pair for pair in needed if not allows(policy, *pair)] == []


def test_the_role_cannot_read_exports_delete_data_or_change_itself(role, stage, deployed):
    policy, region = role["Policy"], stage.region
    other = f"sanwei-{stage.name}x"
    refused = [
        # Exports hold members' personal data.
        ("s3:GetObject", f"arn:aws:s3:::{deployed['ExportsBucketName']}/exports/a.xlsx"),
        ("s3:PutObject", f"arn:aws:s3:::{deployed['ExportsBucketName']}/exports/a.xlsx"),
        # Data stays: nothing deletes a stack, the table or a bucket.
        ("cloudformation:DeleteStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/sanwei-{stage.name}-data/1"),
        ("dynamodb:DeleteTable", deployed["SubmissionsTableArn"]),
        ("s3:DeleteBucket", f"arn:aws:s3:::{deployed['SiteBucketName']}"),
        # ... nor reads or writes a record.
        ("dynamodb:GetItem", deployed["SubmissionsTableArn"]),
        ("dynamodb:PutItem", deployed["SubmissionsTableArn"]),
        # Its own stack and role are out of its reach.
        (
            "cloudformation:UpdateStack",
            f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{ci_role_stack_name(stage)}/1",
        ),
        ("iam:PutRolePolicy", role["Arn"]),
        ("iam:UpdateAssumeRolePolicy", role["Arn"]),
        # Another stage's stacks and roles too.
        ("cloudformation:UpdateStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/sanwei-other-data/1"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/sanwei-other-api-ApiHandlerRole-1ABC"),
        # ... and the stage's functions, roles and log groups other than the API's.
        ("lambda:UpdateFunctionCode", f"arn:aws:lambda:{region}:{ACCOUNT}:function:sanwei-{stage.name}-other"),
        # ... nor another stage's queue.
        ("sqs:SetQueueAttributes", f"arn:aws:sqs:{region}:{ACCOUNT}:sanwei-other-exports"),
        ("iam:PutRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/sanwei-{stage.name}-data-SomeRole-1ABC"),
        ("s3:PutObject", f"arn:aws:s3:::{other}-data-sitebucket-1abc/index.html"),
    ]
    assert [pair for pair in refused if allows(policy, *pair)] == []


def test_passing_a_role_is_only_to_lambda():
    [statement] = [
        s
        for s in ci_role_template(load_stage("prod"))["Resources"][ROLE]["Properties"]["Policies"][0]["PolicyDocument"][
            "Statement"
        ]
        if "iam:PassRole" in s["Action"]
    ]
    assert statement["Action"] == ["iam:PassRole"]
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}


@pytest.mark.parametrize(
    ("region", "prefix"), [("cn-north-1", "arn:aws-cn:"), ("cn-northwest-1", "arn:aws-cn:"), ("us-east-1", "arn:aws:")]
)
def test_every_arn_in_the_template_is_built_with_the_partition(region, prefix):
    # The resources only: a parameter's AllowedPattern describes an ARN, it builds none.
    strings = list(strings_in(ci_role_template(make_stage(region))["Resources"]))
    assert not [text for text, is_sub in strings if "arn:" in text and not is_sub], "an ARN written out by hand"
    arns = [resolve_sub(text, region) for text, is_sub in strings if is_sub and "arn:" in text]
    assert len(arns) > 10
    assert all(arn.startswith(prefix) for arn in arns), arns


def test_every_allowed_resource_is_the_stages_or_as_narrow_as_iam_allows():
    stage = load_stage("prod")
    statements = ci_role_template(stage)["Resources"][ROLE]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    # Statements IAM cannot scope by the stage's names: account reads, random ids, the transform,
    # KMS, the certificate CloudFront reads.
    unnamed = {
        "AccountReads",
        "SamTransform",
        "Apis",
        "Cdn",
        "CdnCachePolicies",
        "CdnOriginAccessIdentities",
        "Certificate",
        "FindCertificate",
        "TableKey",
        "FindLogGroups",
        "EventSourceMappings",
        "NewEventSourceMapping",
    }
    for statement in statements:
        if statement["Effect"] != "Allow" or statement["Sid"] in unnamed:
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert "sanwei-prod-" in resource["Fn::Sub"], statement["Sid"]
    assert {statement["Sid"] for statement in statements} >= unnamed


@pytest.mark.parametrize(
    ("stage", "regions"), [(load_stage("prod"), [CHINA, "cn-northwest-1"]), (ABROAD, [GLOBAL])], ids=["china", "abroad"]
)
def test_cfn_lint_finds_nothing(stage, regions):
    from cfnlint.api import ManualArgs, lint

    template = render_template(ci_role_template(stage))
    matches = lint(template, config=ManualArgs(regions=regions))
    assert matches == [], "\n".join(str(match) for match in matches)


def test_build_py_stack_ci_role_prints_the_roles_template():
    printed = run_build_py("stack", "--stage", "prod", "--ci-role")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == ci_role_template(load_stage("prod"))


@pytest.fixture(scope="module")
def api_template_abroad(tmp_path_factory, content_ids_file) -> dict:
    """ABROAD's API stack, packaged once, with SAM's transform applied as CloudFormation applies it."""
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = package_api(ABROAD, tmp_path_factory.mktemp("package"), content_ids_file).template
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": "sanwei-abroad-data-artifactsbucket-1abc", "Key": "a.zip"}
    with pytest.MonkeyPatch.context() as patch:
        # SAM builds its ARNs for the region the SDK is set to.
        patch.setitem(os.environ, "AWS_DEFAULT_REGION", ABROAD.region)
        return Translator(managed_policy_map={}, sam_parser=Parser()).translate(template, parameter_values={})


def resource_types(resources: dict) -> set[str]:
    return {resource["Type"] for resource in resources.values()}


def policy_of(stage: Stage) -> dict:
    """The stage's role policy with every Fn::Sub resolved as CloudFormation would in its region."""
    policy = ci_role_template(stage)["Resources"][ROLE]["Properties"]["Policies"][0]["PolicyDocument"]
    return json.loads(
        json.dumps(policy), object_hook=lambda o: resolve_sub(o["Fn::Sub"], stage.region) if "Fn::Sub" in o else o
    )


@pytest.mark.parametrize("stage", [load_stage("prod"), ABROAD], ids=["china", "abroad"])
def test_cloudformation_may_create_and_update_every_resource_of_both_stacks(api_template_abroad, stage):
    # The stages' API stacks differ only in the CDN's resources (an OAI in China, an OAC elsewhere).
    api_types = resource_types(api_template_abroad["Resources"]) - resource_types(site_cdn_resources(ABROAD))
    types = (
        api_types | resource_types(site_cdn_resources(stage)) | resource_types(data_stack_template(stage)["Resources"])
    )
    assert not types - set(CREATE_AND_UPDATE), "a resource type whose permissions the table does not know"
    names = {"p": partition(stage.region), "r": stage.region, "a": ACCOUNT, "s": stage.name}
    assert ("AWS::CloudFront::CloudFrontOriginAccessIdentity" in types) is (names["p"] == CHINA_PARTITION)
    needed = [(action, arn.format(**names)) for kind in sorted(types) for action, arn in CREATE_AND_UPDATE[kind]]
    needed += [(action, arn.format(**names)) for action, arn in CERTIFICATE_READS[names["p"]]]
    policy = policy_of(stage)
    assert [pair for pair in needed if not allows(policy, *pair)] == []


def test_a_stage_without_its_own_domain_reads_no_certificate():
    statements = ci_role_template(make_stage(GLOBAL))["Resources"][ROLE]["Properties"]["Policies"][0]["PolicyDocument"]
    actions = {action for statement in statements["Statement"] for action in statement["Action"]}
    assert not {"acm:DescribeCertificate", "iam:GetServerCertificate", "iam:ListServerCertificates"} & actions
