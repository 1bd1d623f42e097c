"""The API's stack: the Chalice app packaged by `chalice package`, with what Chalice does not make merged in.

`chalice package` makes the Lambda function and the REST API (a SAM template) from the app
itself; its `--merge-template` adds the rest of what is not data: the function's role and log
group (deploy/apirole.py), the environment that points the app at the data stack's table and
bucket, API Gateway's throttling and the CORS headers on its own error answers, the site's CDN
and the alarms. The Chalice config the command runs on is generated here from the stage
(stages.yaml), on a copy of functions/: nothing about a deployed stage is written by hand.
Callers put functions/ on sys.path first, as build.py and the tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from chalice import CORSConfig
from chalicelib.contentids import CONTENT_IDS_FILE

from deploy.alarms import alarm_resources
from deploy.apirole import (
    API_LOG_GROUP,
    API_ROLE,
    WORKER_LOG_GROUP,
    WORKER_ROLE,
    api_function_name,
    api_role_resources,
    worker_function_name,
)
from deploy.datastack import EXPORTS_BUCKET, imported, table_logical_id
from deploy.exportqueue import EXPORTS_QUEUE, exports_queue_name, exports_queue_resources
from deploy.sitecdn import (
    SITE_DISTRIBUTION,
    SITE_DISTRIBUTION_ID,
    SITE_DOMAIN_NAME,
    site_cdn_outputs,
    site_cdn_resources,
)
from deploy.stages import Stage

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "functions"
# The committed config holds what every stage shares (app name, memory, timeout) and the
# local stage `build.py serve` and the tests run; the deployed stage is added at package time.
BASE_CONFIG = FUNCTIONS_DIR / ".chalice" / "config.json"
# Chalice keeps the packaged dependencies here, by a hash of requirements.txt, so a second
# package of unchanged requirements downloads nothing (the folder is not committed).
DEPLOYMENTS_CACHE = FUNCTIONS_DIR / ".chalice" / "deployments"

# Chalice's names for what it makes.
FUNCTION = "APIHandler"
# The export worker (functions/app.py's export_worker) and its SQS event source.
WORKER_FUNCTION = "ExportWorker"
WORKER_EVENT_SOURCE = "ExportWorkerSqsEventSource"
REST_API = "RestAPI"
ENDPOINT_URL = "EndpointURL"
# Chalice names the runtime after the Python that packages it (3.11 here), whose Lambda runtime
# can no longer be created. Every dependency packaged is pure Python (a test checks), so the
# same package runs on a newer runtime, the one available in the China regions too.
LAMBDA_RUNTIME = "python3.13"
# The path segment of the API's address: https://<id>.execute-api.<region>.<suffix>/api/
API_GATEWAY_STAGE = "api"
API_STACK_OUTPUTS = (ENDPOINT_URL, SITE_DISTRIBUTION_ID, SITE_DOMAIN_NAME)

# The request headers functions/app.py's CORS configs allow beyond Chalice's own; a test checks
# the headers made from them against every preflight Chalice writes from the app.
STAFF_REQUEST_HEADERS = ("Authorization", "Content-Type")
# Chalice will not package a function without a role unless it makes one itself; it is given
# this stand-in, which the merge template replaces with the generated role (a test checks).
ROLE_STAND_IN = "arn:aws:iam::000000000000:role/replaced-by-the-merge-template"
# Where a stage has no domain of its own, the site is served at the CDN's address, known only
# once the distribution exists: text holding this is turned into an Fn::Sub after packaging.
CDN_DOMAIN = f"${{{SITE_DISTRIBUTION}.DomainName}}"


class PackageError(RuntimeError):
    """`chalice package` failed; the message holds what it printed."""


@dataclass(frozen=True)
class ApiPackage:
    """What `chalice package` made for a stage: the merged SAM template and the function's code."""

    # CodeUri is still the local ./deployment.zip; deploying uploads it first.
    template: dict
    zip_path: Path


def api_stack_name(stage: Stage) -> str:
    """Return the name of a stage's API stack."""
    return f"sanwei-{stage.name}-api"


def site_origin(stage: Stage) -> str:
    """Return the origin the stage's site is served from (CORS allows only it)."""
    return f"https://{stage.site_domain or CDN_DOMAIN}"


def package_api(stage: Stage, out_dir: Path, content_ids_file: Path = CONTENT_IDS_FILE) -> ApiPackage:
    """Run `chalice package` for a stage into out_dir (sam.json, deployment.zip); return the merged template.

    The package carries the content's ids from content_ids_file when it exists (the build
    writes it): without them the API refuses every station and lesson it is sent.
    """
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="sanwei-package-") as temporary:
        project = Path(temporary) / "functions"
        _copy_project(project)
        if content_ids_file.is_file():
            shutil.copyfile(content_ids_file, project / "chalicelib" / CONTENT_IDS_FILE.name)
        (project / ".chalice" / "config.json").write_text(json.dumps(chalice_config(stage), indent=2))
        merge = Path(temporary) / "merge.json"
        merge.write_text(json.dumps(merge_template(stage), ensure_ascii=False, indent=2), encoding="utf-8")
        command = ["package", "--stage", stage.name, "--merge-template", str(merge), str(out_dir.resolve())]
        _run_chalice(project, stage, command)
    template_path = out_dir / "sam.json"
    packaged = json.loads(template_path.read_text(encoding="utf-8"))
    # Chalice names the queue after the app's placeholder (an Fn::Sub a merge would only add to):
    # the worker reads the stage's own queue, made in this stack.
    events = packaged["Resources"][WORKER_FUNCTION]["Properties"]["Events"]
    events[WORKER_EVENT_SOURCE]["Properties"]["Queue"] = {"Fn::GetAtt": [EXPORTS_QUEUE, "Arn"]}
    template = {key: _substitute_cdn_domain(value) for key, value in packaged.items()}
    template_path.write_text(json.dumps(template, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return ApiPackage(template=template, zip_path=out_dir / "deployment.zip")


def chalice_config(stage: Stage, base_config: Path = BASE_CONFIG) -> dict:
    """Return the Chalice config `chalice package` runs on: the shared settings and this stage only."""
    config = json.loads(base_config.read_text(encoding="utf-8"))
    origin = site_origin(stage)
    config["stages"] = {
        stage.name: {
            "api_gateway_stage": API_GATEWAY_STAGE,
            "manage_iam_role": False,
            "iam_role_arn": ROLE_STAND_IN,
            # The app reads the origin when it is imported, and Chalice writes it into the
            # preflight answers; the table and bucket come from the data stack (merge template).
            "environment_variables": {"SITE_ORIGIN": origin, "SITE_URL": f"{origin}/"},
        }
    }
    return config


def merge_template(stage: Stage) -> dict:
    """Return what `--merge-template` adds to Chalice's template for a stage."""
    api_name = api_stack_name(stage)
    # Both functions read the table and write to the exports bucket and queue.
    environment = {
        "SUBMISSIONS_TABLE": imported(stage, f"{table_logical_id('submissions')}Name"),
        "EXPORTS_BUCKET": imported(stage, f"{EXPORTS_BUCKET}Name"),
        "EXPORTS_QUEUE_URL": {"Ref": EXPORTS_QUEUE},
    }
    return {
        "Description": f"三微 {stage.name} 环境的接口和网站 CDN：Lambda 函数、导出队列、API Gateway、"
        "CloudFront 和告警。数据在数据栈里，删除本栈不会删除数据。",
        "Resources": {
            **api_role_resources(stage),
            FUNCTION: {
                "Properties": {
                    "FunctionName": api_function_name(stage),
                    "Runtime": LAMBDA_RUNTIME,
                    "Role": {"Fn::GetAtt": [API_ROLE, "Arn"]},
                    "Environment": {"Variables": environment},
                },
                # The function logs into the stack's log group, never one Lambda makes.
                "DependsOn": [API_LOG_GROUP],
            },
            **exports_queue_resources(stage),
            WORKER_FUNCTION: {
                "Properties": {
                    "FunctionName": worker_function_name(stage),
                    "Runtime": LAMBDA_RUNTIME,
                    "Role": {"Fn::GetAtt": [WORKER_ROLE, "Arn"]},
                    "Environment": {"Variables": environment},
                },
                "DependsOn": [WORKER_LOG_GROUP],
            },
            REST_API: {
                "Properties": {
                    # The name CloudWatch files the API's metrics under (the 5XX alarm's dimension).
                    "Name": api_name,
                    "MethodSettings": [
                        {
                            "ResourcePath": "/*",
                            "HttpMethod": "*",
                            "ThrottlingRateLimit": stage.throttle_rate,
                            "ThrottlingBurstLimit": stage.throttle_burst,
                        }
                    ],
                    "GatewayResponses": gateway_responses(stage),
                }
            },
            **site_cdn_resources(stage),
            **alarm_resources(
                stage, api_name, API_GATEWAY_STAGE, api_function_name(stage), f"{exports_queue_name(stage)}-failed"
            ),
        },
        "Outputs": {
            ENDPOINT_URL: {"Description": "接口的地址（网站的 api_url）"},
            **site_cdn_outputs(),
        },
    }


def gateway_responses(stage: Stage) -> dict:
    """Return API Gateway's own 4XX and 5XX answers with the CORS headers the app's answers carry."""
    # A request refused before the app runs (throttled: 429, too large, a gateway timeout) has
    # no CORS headers by default, so the browser hides it from the page as a network failure;
    # with them, the page sees the status and keeps the submission queued to retry.
    cors = CORSConfig(allow_origin=site_origin(stage), allow_headers=list(STAFF_REQUEST_HEADERS))
    headers = {
        name: f"'{value}'"
        for name, value in cors.get_access_control_headers().items()
        if name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Headers")
    }
    return {kind: {"ResponseParameters": {"Headers": headers}} for kind in ("DEFAULT_4XX", "DEFAULT_5XX")}


def _copy_project(project: Path) -> None:
    # The app, chalicelib (with content-ids.json when the build wrote it) and requirements.txt;
    # not the committed config, which is generated, nor caches.
    shutil.copytree(FUNCTIONS_DIR, project, ignore=shutil.ignore_patterns(".chalice", "__pycache__", "*.pyc"))
    (project / ".chalice").mkdir()
    DEPLOYMENTS_CACHE.mkdir(parents=True, exist_ok=True)
    (project / ".chalice" / "deployments").symlink_to(DEPLOYMENTS_CACHE, target_is_directory=True)


def _run_chalice(project: Path, stage: Stage, arguments: list[str]) -> None:
    # Chalice's command line, in this interpreter: the chalice the project pins. Its output is
    # kept for when it fails, so that what a caller prints (a template) stays clean.
    command = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())"]
    environment = {**os.environ, "AWS_DEFAULT_REGION": stage.region}
    result = subprocess.run(
        [*command, "--project-dir", str(project), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PackageError(f"chalice package 没有成功（退出码 {result.returncode}）：\n{result.stdout}{result.stderr}")


def _substitute_cdn_domain(node: object) -> object:
    # Text naming the CDN's domain becomes an Fn::Sub, which CloudFormation fills in.
    if isinstance(node, str):
        return {"Fn::Sub": node} if CDN_DOMAIN in node else node
    if isinstance(node, list):
        return [_substitute_cdn_domain(item) for item in node]
    if isinstance(node, dict):
        if "Fn::Sub" in node:
            return node
        return {key: _substitute_cdn_domain(value) for key, value in node.items()}
    return node
