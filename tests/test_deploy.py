"""`build.py deploy`, run against the embedded server: the first deploy makes both stacks, uploads
the site with its headers and makes the admin token shown once; a second one with nothing
changed changes nothing; an edited lesson uploads and invalidates only what changed. Then the
parts the emulator cannot reach: the first token in CI, the quick tests that stop a deploy,
and a rollback's reasons read from the stack's events.

moto's CloudFormation cannot run the API's stack: it has no SAM transform, and it refuses a
template whose outputs read CloudFront's or API Gateway's attributes. That one call,
deploy_api_stack, is replaced here by stand_in_for_the_api_stack, which checks the template the
deploy hands it and deploys a plain stack in its place, in the same emulator, with the outputs
the deploy reads back. Everything else (the data stack, the package's upload, the site's
upload, the CDN's invalidation, the token) runs for real against the emulator.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chalicelib.contentids import CONTENT_IDS_FILE
from chalicelib.tokens import TokenStore

from deploy import deploy as deploy_module
from deploy.artifacts import SAM_FUNCTION, remove_other_packages
from deploy.cloudformation import apply_stack, stack_failures
from deploy.datastack import ARTIFACT_PREFIX, data_stack_name, render_template
from deploy.deploy import Deployed, DeployStopped, deploy_stack, deploy_stage, first_admin_token
from deploy.stages import Stage
from deploy.upload import HASH_METADATA, IMMUTABLE, REVALIDATE
from tests.conftest import ROOT
from tests.test_build import copy_project
from tests.test_cli import run_build_py

# The real one, before the `emulator` fixture puts the stand-in in its place.
real_deploy_api_stack = deploy_module.deploy_api_stack

# moto's CloudFormation skips (with this warning) what it does not implement in the data stack.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

EDITED_LESSON = "phone-data-saving"
# A global region and no domain of its own: the site is served at the CDN's address.
REGION = "eu-west-1"


def client(service: str):
    import boto3

    # AWS_ENDPOINT_URL (set by the `emulator` fixture) points it at the embedded server.
    return boto3.client(service, region_name=REGION)


def stand_in_for_the_api_stack(cloudformation, name: str, template: dict, say) -> dict[str, str]:
    """In place of the API's SAM stack, which moto cannot run: check what the deploy hands
    CloudFormation, then deploy a plain stack in the emulator with the API stack's outputs."""
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    # The API's function and the export worker run the one package.
    [uri] = {
        json.dumps(item["Properties"]["CodeUri"], sort_keys=True)
        for item in template["Resources"].values()
        if item["Type"] == SAM_FUNCTION
    }
    code = json.loads(uri)
    # The function's code is the package the deploy uploaded, stored under its hash, and it
    # carries the content's ids (the deploy writes them before packaging, not the site build).
    package = client("s3").get_object(Bucket=code["Bucket"], Key=code["Key"])["Body"].read()
    assert code["Key"] == f"{ARTIFACT_PREFIX}{hashlib.sha256(package).hexdigest()}.zip"
    with zipfile.ZipFile(io.BytesIO(package)) as unzipped:
        assert EDITED_LESSON in unzipped.read(f"chalicelib/{CONTENT_IDS_FILE.name}").decode("utf-8")
    distribution = the_distribution(name)
    digest = hashlib.sha256(render_template(template).encode()).hexdigest()
    plain = {
        # The real template's hash, so a changed API template updates this stack too. It is a
        # parameter because moto answers "No updates are to be performed" only to an update
        # that has parameters.
        "Parameters": {"TemplateSha256": {"Type": "String"}},
        "Resources": {
            "Template": {
                "Type": "AWS::SSM::Parameter",
                "Properties": {
                    "Name": f"/{name}/template-sha256",
                    "Type": "String",
                    "Value": {"Ref": "TemplateSha256"},
                },
            }
        },
        "Outputs": {
            "EndpointURL": {"Value": f"https://{name}.execute-api.{REGION}.amazonaws.com/api/"},
            "SiteDistributionId": {"Value": distribution["Id"]},
            "SiteDomainName": {"Value": distribution["DomainName"]},
        },
    }
    parameters = [{"ParameterKey": "TemplateSha256", "ParameterValue": digest}]
    return deploy_stack(cloudformation, name, render_template(plain), parameters, say)


@functools.cache
def the_distribution(name: str) -> dict:
    """A CloudFront distribution in the emulator, made once for each stack name."""
    origin = {"Id": "site", "DomainName": f"{name}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
    config = {
        "CallerReference": name,
        "Comment": name,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https"},
    }
    return client("cloudfront").create_distribution(DistributionConfig=config)["Distribution"]


@dataclass(frozen=True)
class Run:
    """One deploy: what it printed, where it said the stage is, and how long it took."""

    lines: list[str]
    deployed: Deployed
    seconds: float

    def line(self, start: str) -> str:
        [found] = [line for line in self.lines if line.startswith(start)]
        return found


@dataclass(frozen=True)
class History:
    stage: Stage
    root: Path
    runs: dict[str, Run]

    def __getitem__(self, name: str) -> Run:
        return self.runs[name]


@pytest.fixture(scope="module")
def emulator(moto_endpoint):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
        patch.setattr(deploy_module, "deploy_api_stack", stand_in_for_the_api_stack)
        yield moto_endpoint


@pytest.fixture(scope="module")
def runs(emulator, tmp_path_factory) -> History:
    """A fresh stage deployed three times by a person: first, again unchanged, after one lesson's edit."""
    stage = Stage(f"t{uuid.uuid4().hex[:8]}", REGION, None, None, 50.0, 100)
    root = copy_project(tmp_path_factory.mktemp("project"))

    def run() -> Run:
        lines: list[str] = []
        started = time.monotonic()
        deployed = deploy_stage(root, stage, in_ci=False, say=lines.append)
        return Run(lines, deployed, time.monotonic() - started)

    done = {"first": run(), "unchanged": run()}
    edited = root / "lessons" / f"{EDITED_LESSON}.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n骑车时不看手机。\n", encoding="utf-8")
    done["edited"] = run()
    return History(stage, root, done)


def stack_outputs(name: str) -> dict[str, str]:
    stack = client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack["Outputs"]}


def test_the_first_deploy_makes_both_stacks_and_uploads_the_site(runs):
    first = runs["first"]
    name = runs.stage.name
    assert f"栈 sanwei-{name}-data：已新建。" in first.lines
    assert f"栈 sanwei-{name}-api：已新建。" in first.lines
    assert "已上传到 s3://" in first.line("接口部署包")
    domain = stack_outputs(f"sanwei-{name}-api")["SiteDomainName"]
    assert first.deployed == Deployed(
        f"https://{domain}/", f"https://sanwei-{name}-api.execute-api.{REGION}.amazonaws.com/api/"
    )
    assert first.lines[-3:] == [
        f"网站：https://{domain}/",
        f"接口：{first.deployed.api_url}",
        f"工作人员后台：https://{domain}/staff/",
    ]
    print(f"first deploy against the emulator: {first.seconds:.1f} s")


def test_the_site_is_built_for_the_stage_and_stored_with_its_headers(runs):
    first = runs["first"]
    s3 = client("s3")
    bucket = stack_outputs(data_stack_name(runs.stage))["SiteBucketName"]
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"lessons/{EDITED_LESSON}/index.html" in keys and "staff/index.html" in keys
    assert not [key for key in keys if key.endswith((".gz", ".br"))]
    assert first.line("网站文件：").startswith(f"网站文件：上传 {len(keys)} 个")
    page = s3.get_object(Bucket=bucket, Key="index.html")
    assert (page["ContentType"], page["CacheControl"]) == ("text/html; charset=utf-8", REVALIDATE)
    html = page["Body"].read().decode("utf-8")
    # Built against the stage's own addresses, not the defaults of mkdocs.yml.
    assert first.deployed.api_url in html or first.deployed.api_url in json.dumps(html)
    [bundle] = [key for key in keys if key.startswith("assets/javascripts/bundle.") and key.endswith(".min.js")]
    assert s3.head_object(Bucket=bucket, Key=bundle)["CacheControl"] == IMMUTABLE
    assert HASH_METADATA in s3.head_object(Bucket=bucket, Key="sitemap.xml")["Metadata"]


def test_the_first_deploy_makes_an_admin_token_and_prints_it_once(runs):
    printed = [line for run in runs.runs.values() for line in run.lines if line.startswith("staff token:")]
    assert len(printed) == 1 and printed[0] in runs["first"].lines
    token = printed[0].removeprefix("staff token:").strip()
    table = client("dynamodb")
    name = stack_outputs(data_stack_name(runs.stage))["SubmissionsTableName"]
    import boto3

    tokens = TokenStore(boto3.resource("dynamodb", region_name=REGION).Table(name))
    assert tokens.authenticate(token).is_admin
    assert table.describe_table(TableName=name)["Table"]["TableName"] == name
    assert any("只显示这一次" in line for line in runs["first"].lines)


def test_a_second_deploy_with_nothing_changed_changes_nothing(runs):
    unchanged = runs["unchanged"]
    name = runs.stage.name
    assert f"栈 sanwei-{name}-data：没有变化。" in unchanged.lines
    assert f"栈 sanwei-{name}-api：没有变化。" in unchanged.lines
    assert "没有变化，已在 s3://" in unchanged.line("接口部署包")
    assert unchanged.line("网站文件：").startswith("网站文件：上传 0 个（0 字节），删除 0 个")
    assert "CDN 不用刷新：没有文件变化。" in unchanged.lines
    assert not [line for line in unchanged.lines if "令牌" in line or "token" in line]
    assert unchanged.deployed == runs["first"].deployed
    # One package in the bucket: the same one, not uploaded again.
    artifacts = stack_outputs(data_stack_name(runs.stage))["ArtifactsBucketName"]
    stored = client("s3").list_objects_v2(Bucket=artifacts)["Contents"]
    assert len(stored) == 1 and stored[0]["Key"].startswith(ARTIFACT_PREFIX)
    print(f"unchanged deploy against the emulator: {unchanged.seconds:.1f} s")


def test_an_edited_lesson_uploads_and_invalidates_only_what_changed(runs):
    edited = runs["edited"]
    uploaded = int(edited.line("网站文件：").split("上传 ")[1].split(" 个")[0])
    # The lesson's page and what lists its text (the search index), not the whole site.
    assert 1 <= uploaded < 10
    api = stack_outputs(f"sanwei-{runs.stage.name}-api")
    cloudfront = client("cloudfront")
    made = cloudfront.list_invalidations(DistributionId=api["SiteDistributionId"])["InvalidationList"]["Items"]
    batches = [
        cloudfront.get_invalidation(DistributionId=api["SiteDistributionId"], Id=item["Id"])["Invalidation"]
        for item in made
    ]
    # The first deploy's (everything, in one wildcard) and this one's; the unchanged deploy made none.
    [everything, paths] = sorted((batch["InvalidationBatch"]["Paths"]["Items"] for batch in batches), key=len)
    assert everything == ["/*"]
    assert f"/lessons/{EDITED_LESSON}/" in paths and f"/lessons/{EDITED_LESSON}/index.html" in paths
    assert "/*" not in paths and len(paths) < 20
    assert edited.line("CDN 刷新了").startswith(f"CDN 刷新了{len(paths)} 个路径，编号 ")
    assert runs["first"].line("CDN 刷新了").startswith("CDN 刷新了全部文件（/*），编号 ")
    assert f"栈 sanwei-{runs.stage.name}-api：没有变化。" in edited.lines


def new_table(emulator) -> str:
    """Make a new, empty submissions table in the emulator; return its name."""
    from chalicelib.tables import create_tables

    name = f"test-{uuid.uuid4().hex[:12]}-submissions"
    create_tables(client("dynamodb"), {"submissions": name})
    return name


STAGE = Stage("prod", "cn-north-1", "sanwei.example.cn", None, 50.0, 100)
DEPLOYED = Deployed("https://sanwei.example.cn/", "https://api.example.cn/api/")


def told(table_name: str, in_ci: bool) -> list[str]:
    import boto3

    lines: list[str] = []
    first_admin_token(boto3.session.Session(region_name=REGION), table_name, STAGE, DEPLOYED, in_ci, lines.append)
    return lines


def test_a_person_gets_the_first_admin_token_once_and_a_new_one_when_none_opens_the_console(emulator):
    import boto3

    name = new_table(emulator)
    tokens = TokenStore(boto3.resource("dynamodb", region_name=REGION).Table(name))
    lines = told(name, in_ci=False)
    [issued] = tokens.list()
    assert issued.is_admin
    assert [line for line in lines if line.startswith("staff token: ")] == [lines[1]]
    assert any("只显示这一次" in line for line in lines)
    # Once a live admin token exists, the next deploy makes none and says nothing of tokens.
    assert told(name, in_ci=False) == [] and len(tokens.list()) == 1
    # A revoked one opens nothing: the next deploy by a person makes a new one.
    tokens.revoke(issued.id)
    assert any(line.startswith("staff token: ") for line in told(name, in_ci=False))
    assert len(tokens.list()) == 2


def test_in_ci_the_tokens_are_never_looked_at_and_it_says_how_to_make_one():
    # A table that does not exist: reading or writing a token there would fail.
    [line] = told("no-such-table", in_ci=True)
    assert "python3 build.py deploy --stage prod" in line and "CI" in line
    assert "staff token" not in line


def test_a_content_problem_stops_the_deploy_before_aws(tmp_path):
    root = copy_project(tmp_path, stations_yaml="stations: [\n")
    stage = Stage(f"t{uuid.uuid4().hex[:8]}", REGION, None, None, 50.0, 100)
    with pytest.raises(DeployStopped) as stopped:
        deploy_stage(root, stage, say=lambda line: None)
    assert "stations.yaml:" in str(stopped.value) and "没有部署" in str(stopped.value)


def test_failing_quick_tests_stop_the_deploy_before_aws(emulator, tmp_path):
    root = copy_project(tmp_path)
    (root / "tests").mkdir()
    (root / "tests" / "test_fails.py").write_text("def test_fails():\n    assert False\n", encoding="utf-8")
    stage = Stage(f"t{uuid.uuid4().hex[:8]}", REGION, None, None, 50.0, 100)
    lines: list[str] = []
    with pytest.raises(DeployStopped, match="快速测试没有通过"):
        deploy_stage(root, stage, quick_tests=True, say=lines.append)
    assert lines[-1].startswith("运行快速测试")
    stacks = client("cloudformation").list_stacks()["StackSummaries"]
    assert data_stack_name(stage) not in {stack["StackName"] for stack in stacks}


def test_an_unknown_stage_is_named_with_the_file():
    result = run_build_py("deploy", "--stage", "nosuch")
    assert result.returncode == 1
    assert "stages.yaml:1: 没有名为 'nosuch' 的环境" in result.stderr


# What CloudFormation records when a stack fails, newest first, as describe_stack_events returns
# them: a create that rolled back because Lambda refused the package (another resource cancelled),
# and, below its start, an earlier operation whose failure is not this deploy's.
STACK = "sanwei-prod-api"
STACK_ID = f"arn:aws-cn:cloudformation:cn-north-1:123456789012:stack/{STACK}/0b5e7a10-1111-11ef-9c1f-0a1b2c3d4e5f"
TOO_LARGE = (
    'Resource handler returned message: "Unzipped size must be smaller than 262144000 bytes '
    '(Service: Lambda, Status Code: 400, Request ID: 5c3b0e8e-8a7e-4d1f-9b5e-2f0c1d2e3f40)" '
    "(RequestToken: 1a2b3c4d-0000-4a4a-8b8b-123456789abc, HandlerErrorCode: InvalidRequest)"
)
ROLLED_BACK_CREATE = [
    (STACK, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", ""),
    ("RestAPI", "AWS::ApiGateway::RestApi", "DELETE_COMPLETE", ""),
    ("APIHandler", "AWS::Lambda::Function", "DELETE_COMPLETE", ""),
    (
        STACK,
        "AWS::CloudFormation::Stack",
        "ROLLBACK_IN_PROGRESS",
        "The following resource(s) failed to create: [APIHandler, RestAPI]. Rollback requested by user.",
    ),
    ("RestAPI", "AWS::ApiGateway::RestApi", "CREATE_FAILED", "Resource creation cancelled"),
    ("APIHandler", "AWS::Lambda::Function", "CREATE_FAILED", TOO_LARGE),
    ("APIHandler", "AWS::Lambda::Function", "CREATE_IN_PROGRESS", ""),
    (STACK, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
    ("ApiHandlerRole", "AWS::IAM::Role", "CREATE_FAILED", "an earlier deploy's failure"),
]
TRANSFORM_FAILED = [
    (STACK, "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE", ""),
    (
        STACK,
        "AWS::CloudFormation::Stack",
        "ROLLBACK_IN_PROGRESS",
        "Transform AWS::Serverless-2016-10-31 failed with: Invalid Serverless Application Specification document.",
    ),
    (STACK, "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated"),
]


def recorded_events(rows) -> dict:
    started = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    return {
        "StackEvents": [
            {
                "StackId": STACK_ID,
                "EventId": f"event-{number}",
                "StackName": STACK,
                "LogicalResourceId": logical_id,
                "ResourceType": resource_type,
                "Timestamp": started - timedelta(seconds=number),
                "ResourceStatus": status,
                **({"ResourceStatusReason": reason} if reason else {}),
            }
            for number, (logical_id, resource_type, status, reason) in enumerate(rows)
        ]
    }


def cloudformation_answering(*answers: tuple[str, dict | str]):
    """A CloudFormation client that answers each call in turn with a recorded answer (botocore's
    Stubber): a response, or the message of a ValidationError."""
    import boto3
    from botocore.stub import Stubber

    cloudformation = boto3.client("cloudformation", region_name="cn-north-1", endpoint_url="http://127.0.0.1:9")
    stubber = Stubber(cloudformation)
    for operation, answer in answers:
        if isinstance(answer, str):
            stubber.add_client_error(operation, "ValidationError", answer, 400)
        else:
            stubber.add_response(operation, answer)
    stubber.activate()
    return cloudformation


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (ROLLED_BACK_CREATE, [("APIHandler", "AWS::Lambda::Function", "CREATE_FAILED", TOO_LARGE)]),
        (TRANSFORM_FAILED, [(STACK, "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", TRANSFORM_FAILED[1][3])]),
    ],
)
def test_the_failures_of_the_last_operation_are_read_from_the_stacks_events(rows, expected):
    cloudformation = cloudformation_answering(("describe_stack_events", recorded_events(rows)))
    failures = stack_failures(cloudformation, STACK)
    assert [(f.logical_id, f.resource_type, f.status, f.reason) for f in failures] == expected


def test_a_rolled_back_api_stack_stops_the_deploy_with_aws_reason():
    created = datetime(2026, 11, 29, tzinfo=UTC)
    rolled_back = {
        "Stacks": [
            {"StackName": STACK, "StackId": STACK_ID, "CreationTime": created, "StackStatus": "ROLLBACK_COMPLETE"}
        ]
    }
    cloudformation = cloudformation_answering(
        ("describe_stacks", f"Stack with id {STACK} does not exist"),
        ("create_stack", {"StackId": STACK_ID}),
        ("describe_stacks", rolled_back),
        ("describe_stack_events", recorded_events(ROLLED_BACK_CREATE)),
    )
    lines: list[str] = []
    with pytest.raises(DeployStopped) as stopped:
        real_deploy_api_stack(cloudformation, STACK, {"Resources": {}}, lines.append)
    lead, *reasons = str(stopped.value).splitlines()
    assert lead.startswith(f"栈 {STACK} 部署失败") and "ROLLBACK_COMPLETE" in lead
    assert reasons == [f"  APIHandler（AWS::Lambda::Function，CREATE_FAILED）：{TOO_LARGE}"]
    assert lines == []


def test_a_stack_whose_first_creation_failed_is_deleted_and_made_afresh():
    created = datetime(2026, 11, 29, tzinfo=UTC)

    def stack(status: str) -> dict:
        return {"Stacks": [{"StackName": STACK, "StackId": STACK_ID, "CreationTime": created, "StackStatus": status}]}

    cloudformation = cloudformation_answering(
        ("describe_stacks", stack("ROLLBACK_COMPLETE")),
        ("delete_stack", {}),
        ("describe_stacks", f"Stack with id {STACK} does not exist"),
        ("create_stack", {"StackId": STACK_ID}),
        ("describe_stacks", stack("CREATE_COMPLETE")),
    )
    assert apply_stack(cloudformation, STACK, "{}", []) == "created"


def test_only_the_package_the_stack_runs_is_kept(emulator):
    s3 = client("s3")
    bucket = f"test-{uuid.uuid4().hex[:12]}-artifacts"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    packages = [f"{ARTIFACT_PREFIX}{number:064x}.zip" for number in range(3)]
    for key in [*packages, "elsewhere/kept.txt"]:
        s3.put_object(Bucket=bucket, Key=key, Body=b"zip")
    assert sorted(remove_other_packages(s3, bucket, keep=packages[1])) == [packages[0], packages[2]]
    left = sorted(item["Key"] for item in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert left == [packages[1], "elsewhere/kept.txt"]


def test_without_credentials_it_says_so_in_chinese(tmp_path):
    # The content is checked first, then the first AWS call finds no credentials anywhere.
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = subprocess.run(
        [sys.executable, "build.py", "deploy", "--stage", "prod"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    assert "找不到 AWS 凭证，没有部署" in result.stderr and "Traceback" not in result.stderr
