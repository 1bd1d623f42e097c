"""The CI workflows: zizmor, a linter for GitHub Actions, finds nothing in them; pull requests run
.ci/run, and only a push to main deploys, with credentials no other run can get."""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
# An action is pinned to a commit, which cannot be moved to other code as a tag can.
PINNED = re.compile(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}")


def zizmor(*paths: Path) -> subprocess.CompletedProcess:
    # zizmor is a program that pip installs next to Python's own scripts.
    program = shutil.which("zizmor", path=sysconfig.get_path("scripts")) or "zizmor"
    command = [program, "--offline", "--no-progress", "--color", "never", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def workflow() -> dict:
    [path] = WORKFLOWS
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_zizmor_finds_nothing_in_the_workflows():
    assert WORKFLOWS
    result = zizmor(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


def test_zizmor_refuses_a_broken_workflow(tmp_path):
    # The linter reads what GitHub reads: a misspelt key makes the workflow invalid.
    broken = tmp_path / ".github" / "workflows" / "ci.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(WORKFLOWS[0].read_text(encoding="utf-8").replace("runs-on:", "runs_on:"), encoding="utf-8")
    assert zizmor(broken).returncode != 0


def test_a_pull_request_runs_what_any_ci_runs(workflow):
    test = workflow["jobs"]["test"]
    assert "pull_request" in workflow["on"]
    assert [step["run"] for step in test["steps"] if "run" in step] == ["bash .ci/run"]
    assert "id-token" not in test.get("permissions", {})
    assert workflow["permissions"] == {"contents": "read"}


def test_only_a_push_to_main_deploys_with_the_roles_credentials(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert workflow["on"]["push"] == {"branches": ["main"]}
    assert "github.event_name == 'push'" in deploy["if"]
    assert "github.ref == 'refs/heads/main'" in deploy["if"]
    # A fork has none of the repository's variables: no role, no deploy.
    assert "vars.AWS_ROLE_ARN != ''" in deploy["if"]
    assert deploy["permissions"] == {"contents": "read", "id-token": "write"}
    assert deploy["concurrency"] == {"group": "deploy-prod", "cancel-in-progress": False}
    [credentials] = [step for step in deploy["steps"] if "configure-aws-credentials" in step.get("uses", "")]
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"
    assert "sts.amazonaws.com.cn" in credentials["with"]["audience"]
    assert deploy["steps"][-1]["run"].startswith("python3 build.py deploy --stage prod")


def test_every_action_is_pinned_to_a_commit(workflow):
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses
    assert [action for action in uses if not PINNED.fullmatch(action)] == []


def test_no_secret_is_named_in_the_workflows():
    for path in WORKFLOWS:
        assert "secrets." not in path.read_text(encoding="utf-8"), path
