"""The API's stack, as `chalice package` makes it with the merge template: cfn-lint finds nothing
in it (it expands SAM itself); the function runs as the generated role and reads the data
stack's table and bucket; API Gateway throttles by the stage and its own errors carry the app's
CORS headers; the CDN reads the private site bucket as the region allows; alarms go to the
data stack's topic; every ARN goes through the partition; the package fits Lambda's limits,
carries the SDK the tests run on, and answers on the runtime's Python."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from chalicelib.contentids import CONTENT_IDS_FILE

from deploy.apirole import API_ROLE, WORKER_ROLE, api_function_name, api_role_resources, worker_function_name
from deploy.apistack import (
    API_STACK_OUTPUTS,
    FUNCTION,
    LAMBDA_RUNTIME,
    REST_API,
    ROLE_STAND_IN,
    WORKER_EVENT_SOURCE,
    WORKER_FUNCTION,
    ApiPackage,
    api_stack_name,
    package_api,
)
from deploy.datastack import data_stack_name, data_stack_template
from deploy.exportqueue import EXPORTS_DEAD_LETTERS, EXPORTS_QUEUE, exports_queue_name, exports_queue_resources
from deploy.sitecdn import SITE_BUCKET_POLICY, SITE_CACHE_POLICY, SITE_DISTRIBUTION
from deploy.stages import Stage, load_stage
from tests.test_cli import run_build_py
from tests.test_datastack import resolve_sub, strings_in

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "functions"
# Lambda's limits on a function's code: the zip uploaded, and everything unzipped.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024
ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
# A stage in a global region at the CDN's own address: the other way a site is served.
TRIAL = Stage("trial", "eu-west-1", None, None, 2.5, 5)


def package(tmp_path_factory, stage: Stage, content_ids_file: Path) -> ApiPackage:
    return package_api(stage, tmp_path_factory.mktemp(f"package-{stage.name}"), content_ids_file)


@pytest.fixture(scope="module")
def china(tmp_path_factory, content_ids_file) -> ApiPackage:
    """The repository's own prod stage (cn-north-1, its ICP-filed domain), packaged once."""
    return package(tmp_path_factory, load_stage("prod"), content_ids_file)


@pytest.fixture(scope="module")
def trial(tmp_path_factory, content_ids_file) -> ApiPackage:
    """A stage in eu-west-1 served at the CDN's own address, packaged once."""
    return package(tmp_path_factory, TRIAL, content_ids_file)


@pytest.fixture(params=["china", "trial"])
def packaged(request) -> tuple[Stage, ApiPackage]:
    stage = load_stage("prod") if request.param == "china" else TRIAL
    return stage, request.getfixturevalue(request.param)


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == kind}


# One region each: linting a SAM template takes seconds a region, and both China regions offer
# the same CloudFront resource types.
@pytest.mark.parametrize(("which", "region"), [("china", "cn-north-1"), ("trial", "eu-west-1")])
def test_cfn_lint_finds_nothing_in_the_packaged_template(request, which, region, monkeypatch):
    from cfnlint.api import ManualArgs, lint

    template = request.getfixturevalue(which).template
    # cfn-lint's SAM transform sets AWS_DEFAULT_REGION in this process, for good; the tests after
    # this one (and the servers they start) must keep the test region.
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    matches = lint(json.dumps(template), config=ManualArgs(regions=[region]))
    assert matches == [], "\n".join(str(match) for match in matches)


def test_the_function_runs_as_the_generated_role_and_no_other(packaged):
    stage, built = packaged
    template = built.template
    function = template["Resources"][FUNCTION]["Properties"]
    assert function["Role"] == {"Fn::GetAtt": [API_ROLE, "Arn"]}
    assert function["FunctionName"] == api_function_name(stage)
    assert template["Resources"][API_ROLE] == api_role_resources(stage)[API_ROLE]
    # The export worker runs as its own generated role, 15 minutes at most.
    worker = template["Resources"][WORKER_FUNCTION]["Properties"]
    assert worker["Role"] == {"Fn::GetAtt": [WORKER_ROLE, "Arn"]}
    assert worker["FunctionName"] == worker_function_name(stage)
    assert template["Resources"][WORKER_ROLE] == api_role_resources(stage)[WORKER_ROLE]
    assert (worker["MemorySize"], worker["Timeout"], worker["Runtime"]) == (1769, 900, LAMBDA_RUNTIME)
    # Chalice made no role or policy of its own, and its stand-in is gone.
    assert sorted(resources_of(template, "AWS::IAM::Role")) == sorted([API_ROLE, WORKER_ROLE])
    assert not resources_of(template, "AWS::IAM::Policy") and not resources_of(template, "AWS::IAM::ManagedPolicy")
    assert ROLE_STAND_IN not in json.dumps(template)
    # The Lambda as the committed config sets it: a whole vCPU, just under API Gateway's 29 s.
    assert (function["MemorySize"], function["Timeout"], function["Runtime"]) == (1769, 28, LAMBDA_RUNTIME)


def test_the_function_reads_the_data_stacks_table_and_bucket(packaged):
    stage, built = packaged
    variables = built.template["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    worker = built.template["Resources"][WORKER_FUNCTION]["Properties"]["Environment"]["Variables"]
    prefix = data_stack_name(stage)
    for names in (variables, worker):
        assert names["SUBMISSIONS_TABLE"] == {"Fn::ImportValue": f"{prefix}-SubmissionsTableName"}
        assert names["EXPORTS_BUCKET"] == {"Fn::ImportValue": f"{prefix}-ExportsBucketName"}
        assert names["EXPORTS_QUEUE_URL"] == {"Ref": EXPORTS_QUEUE}
    # Every value the stack imports is one the data stack exports.
    exported = {f"{prefix}-{key}" for key in data_stack_template(stage)["Outputs"]}
    imported = set(re.findall(r'"Fn::ImportValue": "([^"]+)"', json.dumps(built.template)))
    assert imported and imported <= exported, imported - exported
    assert not any(name.endswith("_ENDPOINT_URL") for name in [*variables, *worker])


def test_the_worker_reads_the_stages_own_export_queue_which_hands_failures_to_its_dead_letters(packaged):
    stage, built = packaged
    resources = built.template["Resources"]
    events = resources[WORKER_FUNCTION]["Properties"]["Events"]
    assert events == {
        WORKER_EVENT_SOURCE: {
            "Type": "SQS",
            "Properties": {
                "Queue": {"Fn::GetAtt": [EXPORTS_QUEUE, "Arn"]},
                "BatchSize": 1,
                "MaximumBatchingWindowInSeconds": 0,
            },
        }
    }
    queues = exports_queue_resources(stage)
    assert {name: resources[name] for name in queues} == queues
    assert resources[EXPORTS_QUEUE]["Properties"]["QueueName"] == exports_queue_name(stage)
    # SQS hides a message being worked on for longer than the worker can run.
    assert resources[EXPORTS_QUEUE]["Properties"]["VisibilityTimeout"] > 900
    redrive = resources[EXPORTS_QUEUE]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": [EXPORTS_DEAD_LETTERS, "Arn"]}


def test_the_site_origin_is_the_stages_domain_or_the_cdns_own(china, trial):
    variables = china.template["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    assert (variables["SITE_ORIGIN"], variables["SITE_URL"]) == (
        "https://sanwei.example.cn",
        "https://sanwei.example.cn/",
    )
    variables = trial.template["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    assert variables["SITE_ORIGIN"] == {"Fn::Sub": f"https://${{{SITE_DISTRIBUTION}.DomainName}}"}
    assert variables["SITE_URL"] == {"Fn::Sub": f"https://${{{SITE_DISTRIBUTION}.DomainName}}/"}


def test_api_gateway_throttles_by_the_stages_rate_and_burst(packaged):
    stage, built = packaged
    api = built.template["Resources"][REST_API]["Properties"]
    assert api["MethodSettings"] == [
        {
            "ResourcePath": "/*",
            "HttpMethod": "*",
            "ThrottlingRateLimit": stage.throttle_rate,
            "ThrottlingBurstLimit": stage.throttle_burst,
        }
    ]


def preflight_headers(template: dict) -> list[dict]:
    """The CORS headers of every preflight Chalice wrote from the app's own CORSConfig."""
    paths = template["Resources"][REST_API]["Properties"]["DefinitionBody"]["paths"]
    return [
        {
            name.removeprefix("method.response.header."): value
            for name, value in methods["options"]["x-amazon-apigateway-integration"]["responses"]["default"][
                "responseParameters"
            ].items()
        }
        for methods in paths.values()
        if "options" in methods
    ]


def test_api_gateways_own_errors_carry_the_cors_headers_of_the_apps_answers(packaged):
    _, built = packaged
    template = built.template
    preflights = preflight_headers(template)
    assert len(preflights) >= 10
    responses = template["Resources"][REST_API]["Properties"]["GatewayResponses"]
    assert set(responses) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for response in responses.values():
        headers = response["ResponseParameters"]["Headers"]
        # The same origin and request headers as the app's answers, on every route.
        for name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers"):
            assert all(preflight[name] == headers[name] for preflight in preflights), name


def test_the_cdn_serves_the_site_bucket_only_through_itself(packaged):
    stage, built = packaged
    resources = built.template["Resources"]
    config = resources[SITE_DISTRIBUTION]["Properties"]["DistributionConfig"]
    behaviour = config["DefaultCacheBehavior"]
    assert (config["DefaultRootObject"], behaviour["ViewerProtocolPolicy"], behaviour["Compress"]) == (
        "index.html",
        "redirect-to-https",
        True,
    )
    assert {
        (error["ErrorCode"], error["ResponseCode"], error["ResponsePagePath"])
        for error in config["CustomErrorResponses"]
    } == {
        (403, 404, "/404.html"),
        (404, 404, "/404.html"),
    }
    # The objects' own Cache-Control decides: no-cache pages and sw.js are never kept stale.
    cache = resources[SITE_CACHE_POLICY]["Properties"]["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"]) == (0, 0)
    assert behaviour["CachePolicyId"] == {"Ref": SITE_CACHE_POLICY}
    statements = resources[SITE_BUCKET_POLICY]["Properties"]["PolicyDocument"]["Statement"]
    reads = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert [statement["Action"] for statement in reads] == ["s3:GetObject"]
    assert resources[SITE_BUCKET_POLICY]["Properties"]["Bucket"] == {
        "Fn::ImportValue": f"{data_stack_name(stage)}-SiteBucketName"
    }
    assert {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}.items() <= next(
        statement for statement in statements if statement["Effect"] == "Deny"
    ).items()


def test_in_china_the_cdn_reads_as_an_origin_access_identity_under_the_filed_domain(china):
    resources = china.template["Resources"]
    # CloudFormation in the China regions offers no origin access control and no CloudFront Functions.
    kinds = {resource["Type"] for resource in resources.values()}
    assert "AWS::CloudFront::OriginAccessControl" not in kinds and "AWS::CloudFront::Function" not in kinds
    config = resources[SITE_DISTRIBUTION]["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["sanwei.example.cn"]
    assert config["ViewerCertificate"]["IamCertificateId"] == "ASCAEXAMPLE0000000000"
    assert "OriginAccessIdentity" in json.dumps(config["Origins"][0]["S3OriginConfig"])
    read = resources[SITE_BUCKET_POLICY]["Properties"]["PolicyDocument"]["Statement"][0]
    assert read["Principal"] == {"CanonicalUser": {"Fn::GetAtt": ["SiteOriginAccessIdentity", "S3CanonicalUserId"]}}


def test_elsewhere_the_bucket_admits_only_this_distribution_through_origin_access_control(trial):
    resources = trial.template["Resources"]
    config = resources[SITE_DISTRIBUTION]["Properties"]["DistributionConfig"]
    assert config["Origins"][0]["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}
    assert config["ViewerCertificate"] == {"CloudFrontDefaultCertificate": True}
    assert "Aliases" not in config
    read = resources[SITE_BUCKET_POLICY]["Properties"]["PolicyDocument"]["Statement"][0]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert resolve_sub(source, "eu-west-1") == "arn:aws:cloudfront::123456789012:distribution/<SiteDistribution>"


def test_a_global_stage_with_its_own_domain_uses_its_acm_certificate():
    from deploy.apistack import merge_template

    stage = Stage("trial", "eu-west-1", "trial.example.org", None, 2.5, 5, ACM_ARN)
    config = merge_template(stage)["Resources"][SITE_DISTRIBUTION]["Properties"]["DistributionConfig"]
    assert config["Aliases"] == ["trial.example.org"]
    assert config["ViewerCertificate"]["AcmCertificateArn"] == ACM_ARN


def test_alarms_watch_the_api_the_function_and_the_table_and_tell_the_data_stacks_topic(packaged):
    stage, built = packaged
    template = built.template
    alarms = resources_of(template, "AWS::CloudWatch::Alarm").values()
    topic = [{"Fn::ImportValue": f"{data_stack_name(stage)}-AlarmTopicArn"}]
    watched = {}
    for alarm in alarms:
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == topic and properties["OKActions"] == topic
        assert properties["TreatMissingData"] == "notBreaching"
        watched[properties["MetricName"]] = {item["Name"]: item["Value"] for item in properties["Dimensions"]}
    table = {"TableName": {"Fn::ImportValue": f"{data_stack_name(stage)}-SubmissionsTableName"}}
    function = {"FunctionName": template["Resources"][FUNCTION]["Properties"]["FunctionName"]}
    assert watched == {
        # The dimension is the API's name as the stack sets it, and Chalice's stage.
        "5XXError": {"ApiName": template["Resources"][REST_API]["Properties"]["Name"], "Stage": "api"},
        "Errors": function,
        "Throttles": function,
        "ReadThrottleEvents": table,
        "WriteThrottleEvents": table,
        # An export job the worker failed on three times.
        "ApproximateNumberOfMessagesVisible": {"QueueName": f"{exports_queue_name(stage)}-failed"},
    }
    assert template["Resources"][REST_API]["Properties"]["Name"] == api_stack_name(stage)


def test_the_stack_outputs_what_a_deploy_needs(packaged):
    _, built = packaged
    assert set(API_STACK_OUTPUTS) <= set(built.template["Outputs"])


@pytest.mark.parametrize(
    ("which", "region", "prefix"), [("china", "cn-north-1", "arn:aws-cn:"), ("trial", "eu-west-1", "arn:aws:")]
)
def test_every_arn_goes_through_the_partition(request, which, region, prefix):
    strings = list(strings_in(request.getfixturevalue(which).template))
    assert not [text for text, is_sub in strings if "arn:" in text and not is_sub], "an ARN written out by hand"
    arns = [resolve_sub(text, region) for text, is_sub in strings if is_sub and "arn:" in text]
    assert len(arns) >= 5
    assert all(arn.startswith(prefix) for arn in arns), arns


def test_the_package_fits_lambdas_limits_and_carries_the_pinned_sdk_and_the_app(china, content_ids_file, capsys):
    with zipfile.ZipFile(china.zip_path) as package:
        entries = package.infolist()
        names = {entry.filename for entry in entries}
        zipped, unzipped = china.zip_path.stat().st_size, sum(entry.file_size for entry in entries)
        with capsys.disabled():
            print(f"\nLambda package: {zipped / 2**20:.1f} MiB zipped (limit 50), ", end="")
            print(f"{unzipped / 2**20:.1f} MiB unzipped (limit 250)")
        assert zipped < MAX_ZIPPED_BYTES and unzipped < MAX_UNZIPPED_BYTES
        # boto3 and botocore as functions/requirements.txt pins them, which the tests run on.
        pins = dict(
            line.split("==") for line in (FUNCTIONS_DIR / "requirements.txt").read_text().splitlines() if "==" in line
        )
        for name in ("boto3", "botocore"):
            assert pins[name] == version(name)
            assert f"{name}-{pins[name]}.dist-info/METADATA" in names
        # Pure Python only: the same package runs on the runtime newer than the Python packaging it.
        assert not [name for name in names if name.endswith((".so", ".pyd"))]
        app_files = {f"chalicelib/{path.name}" for path in (FUNCTIONS_DIR / "chalicelib").glob("*.py")}
        assert app_files | {"app.py"} <= names
        assert package.read(f"chalicelib/{CONTENT_IDS_FILE.name}") == content_ids_file.read_bytes()


def proxy_event(method: str, resource: str, parameters: dict[str, str], body: str | None = None) -> dict:
    """An API Gateway proxy event, as Lambda hands the function a request to one of its routes."""
    path = resource.format(**parameters)
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"content-type": "application/json", "origin": "https://sanwei.example.cn"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": parameters,
        "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "api", "path": f"/api{path}"},
        "body": body,
        "isBase64Encoded": False,
    }


def runs(command: str) -> bool:
    """Whether a Python of that name runs here (a version manager's shim may name one it has not selected)."""
    found = shutil.which(command)
    return found is not None and subprocess.run([found, "-c", "pass"], capture_output=True, check=False).returncode == 0


@pytest.mark.skipif(
    not runs(LAMBDA_RUNTIME), reason=f"{LAMBDA_RUNTIME}, the Lambda runtime's Python, does not run here"
)
def test_the_package_answers_on_the_lambda_runtimes_python(china, tmp_path):
    # As Lambda runs it: the package unzipped, on the runtime's Python with nothing else installed.
    with zipfile.ZipFile(china.zip_path) as package:
        package.extractall(tmp_path / "task")
    script = f"""
import json, sys
sys.path.insert(0, {str(tmp_path / "task")!r})
from app import app
event = json.loads(sys.stdin.read())
print(json.dumps(app(event, None)))
"""
    environment = {
        "SITE_ORIGIN": "https://sanwei.example.cn",
        "SITE_URL": "https://sanwei.example.cn/",
        "SUBMISSIONS_TABLE": "sanwei-prod-submissions",
        "EXPORTS_BUCKET": "sanwei-prod-exports",
        "AWS_DEFAULT_REGION": "cn-north-1",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
    }
    # What finds the interpreter (PATH, a version manager's choice), and nothing of the app's.
    environment.update(
        {name: value for name, value in os.environ.items() if name == "PATH" or name.startswith("PYENV")}
    )
    # -S: no site-packages, only the standard library and the package.
    result = subprocess.run(
        [LAMBDA_RUNTIME, "-S", "-c", script],
        input=json.dumps(proxy_event("POST", "/forms/{form_name}", {"form_name": "registration"}, "{}")),
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    # Refused field by field, in Chinese, with the site's origin for CORS.
    assert answer["statusCode"] == 400
    assert answer["headers"]["Access-Control-Allow-Origin"] == "https://sanwei.example.cn"
    assert "errors" in json.loads(answer["body"])


def test_build_py_stack_api_names_an_unknown_stage_in_chinese_before_packaging():
    result = run_build_py("stack", "--stage", "prd", "--api")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("stages.yaml:1: 没有名为 'prd' 的环境（是不是想写 'prod'？）")
