"""The data stack: deployed into the embedded server's CloudFormation it makes exactly the table
the app expects, and the app works against it; what the emulator ignores is read from the
template; a second deploy changes nothing; it renders for the China and the global partitions;
cfn-lint finds nothing in it."""

from __future__ import annotations

import functools
import json
import re
import urllib.request
import uuid

import pytest
from chalicelib.contentids import CONTENT_IDS_VARIABLE
from chalicelib.downloads import EXPORT_PREFIX
from chalicelib.dynamo import BY_DAY_INDEX, BY_PERSON_INDEX
from chalicelib.tables import TABLE_SPECS, TTL_ATTRIBUTE, create_tables
from chalicelib.tokens import TokenStore
from conftest import STAFF_REGISTRATION, bearer, chalice_client, post_submission, stage_environment

from deploy.cloudformation import apply_stack
from deploy.datastack import (
    ARTIFACT_PREFIX,
    data_stack_name,
    data_stack_parameters,
    data_stack_template,
    render_template,
    table_logical_id,
)
from deploy.stages import Stage, load_stage
from tests.test_cli import run_build_py

# moto's CloudFormation makes the table, the buckets and the topic, and skips (with this warning)
# the bucket policy and the e-mail subscription; the template tests below check those.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

CHINA = "cn-north-1"
GLOBAL = "eu-west-1"
DATA_RESOURCE_TYPES = ("AWS::DynamoDB::Table", "AWS::S3::Bucket")


def make_stage(region: str = CHINA, alarm_email: str | None = "it@example.cn") -> Stage:
    """A stage of its own for each deployment, so stacks never meet on the shared server."""
    return Stage(f"t{uuid.uuid4().hex[:8]}", region, "sanwei.example.cn", alarm_email, 50.0, 100)


def client(service: str, endpoint: str, region: str = CHINA):
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=region)


def deploy(endpoint: str, stage: Stage, parameters: list[dict[str, str]] | None = None) -> str:
    """Deploy a stage's data stack into the embedded server, as `build.py deploy` will."""
    cloudformation = client("cloudformation", endpoint, stage.region)
    template = render_template(data_stack_template(stage))
    return apply_stack(cloudformation, data_stack_name(stage), template, parameters or data_stack_parameters(stage))


def outputs(endpoint: str, stage: Stage) -> dict[str, str]:
    stack = client("cloudformation", endpoint, stage.region).describe_stacks(StackName=data_stack_name(stage))
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Stacks"][0]["Outputs"]}


def physical_ids(endpoint: str, stage: Stage) -> dict[str, str]:
    cloudformation = client("cloudformation", endpoint, stage.region)
    summaries = cloudformation.list_stack_resources(StackName=data_stack_name(stage))["StackResourceSummaries"]
    # moto lists the resources it skipped without an id; they have nothing to compare.
    return {item["LogicalResourceId"]: item["PhysicalResourceId"] for item in summaries if item["LogicalResourceId"]}


@pytest.fixture(scope="module")
def stage():
    return make_stage()


@pytest.fixture(scope="module")
def deployed(moto_endpoint, stage):
    """The stage's data stack, created once in the embedded server; yield its outputs."""
    assert deploy(moto_endpoint, stage) == "created"
    return outputs(moto_endpoint, stage)


def table_shape(description: dict) -> dict:
    """What the app depends on in a table: keys, indexes with their keys and projections, billing."""
    return {
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": sorted(description["AttributeDefinitions"], key=lambda item: item["AttributeName"]),
        "Indexes": {
            index["IndexName"]: (index["KeySchema"], index["Projection"])
            for index in description.get("GlobalSecondaryIndexes", [])
        },
        "BillingMode": description["BillingModeSummary"]["BillingMode"],
    }


def test_the_stack_makes_exactly_the_table_the_app_expects(moto_endpoint, deployed):
    dynamodb = client("dynamodb", moto_endpoint)
    made = dynamodb.describe_table(TableName=deployed["SubmissionsTableName"])["Table"]
    spec = TABLE_SPECS["submissions"]
    assert made["TableArn"] == deployed["SubmissionsTableArn"]
    assert table_shape(made) == {
        "KeySchema": spec["KeySchema"],
        "AttributeDefinitions": sorted(spec["AttributeDefinitions"], key=lambda item: item["AttributeName"]),
        "Indexes": {
            index["IndexName"]: (index["KeySchema"], index["Projection"]) for index in spec["GlobalSecondaryIndexes"]
        },
        "BillingMode": "PAY_PER_REQUEST",
    }
    assert set(table_shape(made)["Indexes"]) == {BY_DAY_INDEX, BY_PERSON_INDEX}
    # ... and the same table `build.py tables` and the tests' fixtures make.
    name = f"test-{uuid.uuid4().hex[:12]}-submissions"
    create_tables(dynamodb, {"submissions": name})
    try:
        assert table_shape(made) == table_shape(dynamodb.describe_table(TableName=name)["Table"])
    finally:
        dynamodb.delete_table(TableName=name)


def test_the_app_works_against_the_stacks_table_and_bucket(
    chalice_app, moto_endpoint, deployed, content_ids_file, exports_queue, tmp_path
):
    environment = {
        **stage_environment(),
        CONTENT_IDS_VARIABLE: str(content_ids_file),
        "SUBMISSIONS_TABLE": deployed["SubmissionsTableName"],
        "EXPORTS_BUCKET": deployed["ExportsBucketName"],
        "DYNAMODB_ENDPOINT_URL": moto_endpoint,
        "S3_ENDPOINT_URL": moto_endpoint,
        "SQS_ENDPOINT_URL": moto_endpoint,
        "EXPORTS_QUEUE_URL": exports_queue,
    }
    import boto3

    table = boto3.resource("dynamodb", endpoint_url=moto_endpoint).Table(deployed["SubmissionsTableName"])
    admin = TokenStore(table).create("管理员甲", "admin", (), 30).token
    with chalice_client(chalice_app, environment, tmp_path) as api:
        member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
        request = {"station": "station-01", "category": "station_service", "message": "驿站的饮水机坏了。"}
        ticket = post_submission(api, "/forms/request", request)["ticket"]

        status = api.get(f"/forms/request/{ticket}")
        assert status.status_code == 200 and status.json_body["status"] == "new"
        staff_read = api.get(f"/staff/members/{member}", headers=bearer(admin))
        assert staff_read.status_code == 200 and staff_read.json_body["data"]["name"] == STAFF_REGISTRATION["name"]
        found = api.get(f"/staff/people?mobile={STAFF_REGISTRATION['mobile']}", headers=bearer(admin))
        assert found.status_code == 200 and len(found.json_body["records"]) == 1
        export = api.post(
            "/staff/exports",
            headers=bearer(admin),
            body=json.dumps({"form": "registration", "format": "csv", "job": str(uuid.uuid4())}).encode(),
        )
    assert export.status_code == 200, export.body
    assert export.json_body["rows"] == 1
    assert f"/{deployed['ExportsBucketName']}/{EXPORT_PREFIX}" in export.json_body["url"]
    with urllib.request.urlopen(export.json_body["url"], timeout=10) as download:
        assert STAFF_REGISTRATION["name"] in download.read().decode("utf-8-sig")


def test_the_buckets_are_encrypted(moto_endpoint, deployed):
    s3 = client("s3", moto_endpoint)
    for bucket in (deployed["ExportsBucketName"], deployed["SiteBucketName"], deployed["ArtifactsBucketName"]):
        rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_a_second_deploy_with_nothing_changed_changes_nothing(moto_endpoint, stage, deployed):
    table = client("dynamodb", moto_endpoint)
    table.put_item(TableName=deployed["SubmissionsTableName"], Item={"pk": {"S": "probe#unchanged"}})
    before = physical_ids(moto_endpoint, stage)

    assert deploy(moto_endpoint, stage) == "unchanged"

    assert physical_ids(moto_endpoint, stage) == before
    assert outputs(moto_endpoint, stage) == deployed
    item = table.get_item(TableName=deployed["SubmissionsTableName"], Key={"pk": {"S": "probe#unchanged"}})
    assert "Item" in item


def test_a_changed_alarm_address_updates_the_stack_and_keeps_the_data(moto_endpoint, stage, deployed):
    table = client("dynamodb", moto_endpoint)
    table.put_item(TableName=deployed["SubmissionsTableName"], Item={"pk": {"S": "probe#updated"}})
    before = physical_ids(moto_endpoint, stage)
    other = [{"ParameterKey": "AlarmEmail", "ParameterValue": "duty@example.cn"}]
    try:
        assert deploy(moto_endpoint, stage, other) == "updated"
        assert physical_ids(moto_endpoint, stage) == before
        item = table.get_item(TableName=deployed["SubmissionsTableName"], Key={"pk": {"S": "probe#updated"}})
        assert "Item" in item
    finally:
        deploy(moto_endpoint, stage)


@pytest.mark.parametrize(("region", "partition"), [(CHINA, "aws-cn"), (GLOBAL, "aws")])
def test_the_stack_deploys_with_its_regions_partition_in_every_arn(moto_endpoint, region, partition):
    # The outputs are the resources' own ARNs (GetAtt, Ref). moto resolves ${AWS::Partition} as
    # "aws" in every region, so the ARNs the template builds itself are checked by resolve_sub.
    stage = make_stage(region)
    assert deploy(moto_endpoint, stage) == "created"
    arns = {key: value for key, value in outputs(moto_endpoint, stage).items() if key.endswith("Arn")}
    assert set(arns) == {
        "SubmissionsTableArn",
        "ExportsBucketArn",
        "SiteBucketArn",
        "AlarmTopicArn",
    }
    assert all(arn.startswith(f"arn:{partition}:") for arn in arns.values()), arns


def strings_in(value):
    """Every string in a template, with whether it is an Fn::Sub pattern."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Fn::Sub":
                yield (inner if isinstance(inner, str) else inner[0]), True
            else:
                yield from strings_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_in(inner)
    elif isinstance(value, str):
        yield value, False


@functools.cache
def partition_of(region: str) -> str:
    # A boto3 session loads botocore's endpoint data: once per region is enough.
    import boto3

    return boto3.session.Session().get_partition_for_region(region)


def resolve_sub(pattern: str, region: str) -> str:
    """Resolve an Fn::Sub pattern as CloudFormation would in `region` (resources as <Name>)."""
    partition = partition_of(region)
    pseudo = {
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::Region": region,
        "AWS::AccountId": "123456789012",
        "AWS::StackName": "sanwei-prod-data",
    }
    return re.sub(r"\$\{([^}]+)\}", lambda match: pseudo.get(match[1], f"<{match[1]}>"), pattern)


@pytest.mark.parametrize(
    ("region", "prefix"), [("cn-north-1", "arn:aws-cn:"), ("cn-northwest-1", "arn:aws-cn:"), ("us-east-1", "arn:aws:")]
)
def test_every_arn_in_the_template_is_built_with_the_partition(region, prefix):
    template = data_stack_template(load_stage("prod"))
    strings = list(strings_in(template))
    assert not [text for text, is_sub in strings if "arn:" in text and not is_sub], "an ARN written out by hand"
    arns = [resolve_sub(text, region) for text, is_sub in strings if is_sub and "arn:" in text]
    assert arns, "the bucket ARNs are built with Fn::Sub"
    assert all(arn.startswith(prefix) for arn in arns), arns


def test_what_the_emulator_ignores_is_in_the_template():
    stage = load_stage("prod")
    template = data_stack_template(stage)
    resources = template["Resources"]
    table = resources[table_logical_id("submissions")]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionProtectionEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"

    holding_data = {name: resource for name, resource in resources.items() if resource["Type"] in DATA_RESOURCE_TYPES}
    assert set(holding_data) == {"SubmissionsTable", "ExportsBucket", "SiteBucket", "ArtifactsBucket"}
    for resource in holding_data.values():
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")

    for bucket in ("ExportsBucket", "SiteBucket", "ArtifactsBucket"):
        properties = resources[bucket]["Properties"]
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
        assert len(properties["PublicAccessBlockConfiguration"]) == 4
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    [rule] = resources["ExportsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["Prefix"], rule["ExpirationInDays"]) == ("Enabled", EXPORT_PREFIX, 1)
    [rule] = resources["ArtifactsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert (rule["Status"], rule["Prefix"]) == ("Enabled", ARTIFACT_PREFIX)
    # Packages are never expired by age: a rollback needs the one the stack runs, however old.
    assert "ExpirationInDays" not in rule

    policy = resources["ExportsBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ExportsBucket"}
    [statement] = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Deny", "*", "s3:*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert [resolve_sub(arn["Fn::Sub"], CHINA) for arn in statement["Resource"]] == [
        "arn:aws-cn:s3:::<ExportsBucket>",
        "arn:aws-cn:s3:::<ExportsBucket>/*",
    ]


@pytest.mark.parametrize(("alarm_email", "default"), [("it@example.cn", "it@example.cn"), (None, "")])
def test_the_alarm_email_is_subscribed_only_when_given(alarm_email, default):
    template = data_stack_template(make_stage(alarm_email=alarm_email))
    assert template["Parameters"]["AlarmEmail"]["Default"] == default
    subscription = template["Resources"]["AlarmTopicEmail"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}


def test_every_output_is_exported_under_the_stacks_name():
    template = data_stack_template(load_stage("prod"))
    for key, output in template["Outputs"].items():
        assert output["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{key}"}}


@pytest.mark.parametrize("alarm_email", ["it@example.cn", None])
def test_cfn_lint_finds_nothing(alarm_email):
    from cfnlint.api import ManualArgs, lint

    template = render_template(data_stack_template(make_stage(alarm_email=alarm_email)))
    matches = lint(template, config=ManualArgs(regions=["cn-north-1", "cn-northwest-1", "us-east-1", GLOBAL]))
    assert matches == [], "\n".join(str(match) for match in matches)


def test_build_py_stack_prints_the_stages_template(tmp_path):
    printed = run_build_py("stack", "--stage", "prod")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == render_template(data_stack_template(load_stage("prod")))

    written = run_build_py("stack", "--stage", "prod", "--output", str(tmp_path / "data.json"))
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "data.json").read_text(encoding="utf-8") == printed.stdout
    assert "data.json" in written.stdout


def test_build_py_stack_names_an_unknown_stage_in_chinese():
    result = run_build_py("stack", "--stage", "prd")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("stages.yaml:1: 没有名为 'prd' 的环境（是不是想写 'prod'？）")
