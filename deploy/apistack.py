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

from deploy.apirole import API_LOG_GROUP, API_ROLE, api_function_name, api_role_resources
from deploy.datastack import EXPORTS_BUCKET, data_stack_name, table_logical_id
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
REST_API = "RestAPI"
ENDPOINT_URL = "EndpointURL"
# The path segment of the API's address: https://<id>.execute-api.<region>.<suffix>/api/
API_GATEWAY_STAGE = "api"

SITE_DISTRIBUTION = "SiteDistribution"
SITE_ORIGIN_ACCESS = "SiteOriginAccessControl"
SITE_CACHE_POLICY = "SiteCachePolicy"
SITE_BUCKET_POLICY = "SiteBucketPolicy"
SITE_DISTRIBUTION_ID = "SiteDistributionId"
SITE_DOMAIN_NAME = "SiteDomainName"
API_STACK_OUTPUTS = (ENDPOINT_URL, SITE_DISTRIBUTION_ID, SITE_DOMAIN_NAME)

# Chalice will not package a function without a role unless it makes one itself; it is given
# this stand-in, which the merge template replaces with the generated role (a test checks).
ROLE_STAND_IN = "arn:aws:iam::000000000000:role/replaced-by-the-merge-template"
# Where a stage has no domain of its own, the site is served at the CDN's address, known only
# once the distribution exists: text holding this is turned into an Fn::Sub after packaging.
CDN_DOMAIN = f"${{{SITE_DISTRIBUTION}.DomainName}}"


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


def package_api(stage: Stage, out_dir: Path) -> ApiPackage:
    """Run `chalice package` for a stage into out_dir (sam.json, deployment.zip); return the merged template."""
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory(prefix="sanwei-package-") as temporary:
        project = Path(temporary) / "functions"
        _copy_project(project)
        (project / ".chalice" / "config.json").write_text(json.dumps(chalice_config(stage), indent=2))
        merge = Path(temporary) / "merge.json"
        merge.write_text(json.dumps(merge_template(stage), ensure_ascii=False, indent=2), encoding="utf-8")
        command = ["package", "--stage", stage.name, "--merge-template", str(merge), str(out_dir.resolve())]
        _run_chalice(project, stage, command)
    template_path = out_dir / "sam.json"
    template = _substitute_cdn_domain(json.loads(template_path.read_text(encoding="utf-8")))
    assert isinstance(template, dict)
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
    return {
        "Resources": {
            **api_role_resources(stage),
            FUNCTION: {
                "Properties": {
                    "FunctionName": api_function_name(stage),
                    "Role": {"Fn::GetAtt": [API_ROLE, "Arn"]},
                    "Environment": {
                        "Variables": {
                            "SUBMISSIONS_TABLE": _import(stage, f"{table_logical_id('submissions')}Name"),
                            "EXPORTS_BUCKET": _import(stage, f"{EXPORTS_BUCKET}Name"),
                        }
                    },
                },
                # The function logs into the stack's log group, never one Lambda makes.
                "DependsOn": [API_LOG_GROUP],
            },
        },
        "Outputs": {},
    }


def _import(stage: Stage, output: str) -> dict:
    # The data stack exports each output as <its stack name>-<output> (deploy/datastack.py).
    return {"Fn::ImportValue": f"{data_stack_name(stage)}-{output}"}


def _copy_project(project: Path) -> None:
    # The app, chalicelib (with content-ids.json when the build wrote it) and requirements.txt;
    # not the committed config, which is generated, nor caches.
    shutil.copytree(FUNCTIONS_DIR, project, ignore=shutil.ignore_patterns(".chalice", "__pycache__", "*.pyc"))
    (project / ".chalice").mkdir()
    DEPLOYMENTS_CACHE.mkdir(parents=True, exist_ok=True)
    (project / ".chalice" / "deployments").symlink_to(DEPLOYMENTS_CACHE, target_is_directory=True)


def _run_chalice(project: Path, stage: Stage, arguments: list[str]) -> None:
    # Chalice's command line, in this interpreter: the chalice the project pins.
    command = [sys.executable, "-c", "import sys; from chalice.cli import main; sys.exit(main())"]
    environment = {**os.environ, "AWS_DEFAULT_REGION": stage.region}
    subprocess.run([*command, "--project-dir", str(project), *arguments], check=True, env=environment)


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
