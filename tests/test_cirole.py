"""The CI deploy role: deployed into the embedded server's CloudFormation next to a data stack, it
is trusted only by runs of one repository's main branch, may touch the stage's own resources and
not its exports, its own stack or role, or another stage's; it renders for the China and the
global partitions; cfn-lint finds nothing in it."""

from __future__ import annotations

import ast
import json

import pytest

from deploy.cirole import (
    GITHUB_ISSUER,
    PROVIDER,
    ROLE,
    ci_role_name,
    ci_role_stack_name,
    ci_role_template,
)
from deploy.cloudformation import apply_stack
from deploy.datastack import render_template
from deploy.stages import load_stage
from tests.test_apirole import allows
from tests.test_cli import run_build_py
from tests.test_datastack import CHINA, GLOBAL, client, deploy, make_stage, outputs, resolve_sub, strings_in

# moto's CloudFormation skips (with this warning) the resources it does not know.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

REPOSITORY = "example-office/sanwei"
ACCOUNT = "123456789012"


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
    needed = [
        ("cloudformation:UpdateStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{named}-data/1"),
        ("cloudformation:CreateStack", f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/{named}-api/1"),
        ("s3:PutObject", f"arn:aws:s3:::{site}/lessons/index.html"),
        ("s3:DeleteObject", f"arn:aws:s3:::{site}/lessons/gone/index.html"),
        ("s3:ListBucket", f"arn:aws:s3:::{site}"),
        ("s3:PutBucketPolicy", f"arn:aws:s3:::{site}"),
        ("s3:PutLifecycleConfiguration", f"arn:aws:s3:::{exports}"),
        ("dynamodb:UpdateTable", deployed["SubmissionsTableArn"]),
        ("dynamodb:UpdateContinuousBackups", deployed["SubmissionsTableArn"]),
        ("sns:Subscribe", deployed["AlarmTopicArn"]),
        ("lambda:UpdateFunctionCode", f"arn:aws:lambda:{region}:{ACCOUNT}:function:{named}-api"),
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
    # Statements IAM cannot scope by the stage's names: account reads, random ids, the transform, KMS.
    unnamed = {"AccountReads", "SamTransform", "Apis", "Cdn", "TableKey", "FindLogGroups"}
    for statement in statements:
        if statement["Effect"] != "Allow" or statement["Sid"] in unnamed:
            continue
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            assert "sanwei-prod-*" in resource["Fn::Sub"], statement["Sid"]
    assert {statement["Sid"] for statement in statements} >= unnamed


def test_cfn_lint_finds_nothing():
    from cfnlint.api import ManualArgs, lint

    template = render_template(ci_role_template(load_stage("prod")))
    matches = lint(template, config=ManualArgs(regions=[CHINA, "cn-northwest-1", GLOBAL]))
    assert matches == [], "\n".join(str(match) for match in matches)


def test_build_py_stack_ci_role_prints_the_roles_template():
    printed = run_build_py("stack", "--stage", "prod", "--ci-role")
    assert printed.returncode == 0, printed.stderr
    assert json.loads(printed.stdout) == ci_role_template(load_stage("prod"))
