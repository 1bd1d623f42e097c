"""`build.py tokens --stage prod` works on the table prod's data stack made, found through the
stack's outputs; before the stack exists it says to deploy first; `build.py tables` makes no
table for a deployed stage."""

from __future__ import annotations

import os

import boto3
import pytest
from chalicelib.errors import NotAuthenticated
from chalicelib.tokens import TokenStore

from deploy.datastack import data_stack_name
from deploy.stages import load_stage
from tests.test_cli import run_build_py
from tests.test_datastack import deploy, outputs

# moto's CloudFormation skips the bucket policy and the e-mail subscription, with this warning.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")


def build_py(endpoint: str, *args: str):
    """Run build.py with every AWS client pointed at the emulator, as boto3 reads AWS_ENDPOINT_URL."""
    return run_build_py(*args, env={**os.environ, "AWS_ENDPOINT_URL": endpoint})


@pytest.fixture
def prod(moto_endpoint):
    """prod's data stack in the embedded server while the test runs; yield the server and the stack's table.

    The server's state is the whole session's: the stack is deleted afterwards, so that prod is
    not deployed for any other test (its table stays, as the template retains it)."""
    stage = load_stage("prod")
    assert deploy(moto_endpoint, stage) == "created"
    table = boto3.resource("dynamodb", endpoint_url=moto_endpoint).Table(
        outputs(moto_endpoint, stage)["SubmissionsTableName"]
    )
    yield moto_endpoint, table
    cloudformation = boto3.client("cloudformation", endpoint_url=moto_endpoint, region_name=stage.region)
    cloudformation.delete_stack(StackName=data_stack_name(stage))
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=data_stack_name(stage))


def test_tokens_create_list_and_revoke_on_the_data_stacks_table(prod):
    endpoint, table = prod
    created = build_py(endpoint, "tokens", "create", "--stage", "prod", "--name", "张三", "--role", "admin")
    assert created.returncode == 0, created.stderr
    token = created.stdout.splitlines()[0].removeprefix("staff token: ")
    record = TokenStore(table).authenticate(token)
    assert (record.name, record.role) == ("张三", "admin")

    listed = build_py(endpoint, "tokens", "list", "--stage", "prod")
    assert listed.returncode == 0, listed.stderr
    assert record.id in listed.stdout

    revoked = build_py(endpoint, "tokens", "revoke", "--stage", "prod", "--id", record.id)
    assert revoked.returncode == 0, revoked.stderr
    with pytest.raises(NotAuthenticated):
        TokenStore(table).authenticate(token)


def test_tokens_for_a_stage_not_yet_deployed_say_to_deploy_first(moto_endpoint):
    result = build_py(moto_endpoint, "tokens", "list", "--stage", "prod")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "环境 prod 还没有数据栈 sanwei-prod-data" in result.stderr
    assert "请先运行 python3 build.py deploy --stage prod" in result.stderr


def test_tokens_without_credentials_say_so_in_chinese(moto_endpoint):
    unset = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE")
    environment = {name: value for name, value in os.environ.items() if name not in unset}
    # Nor an instance role: this machine is no EC2 instance, and asking would only wait.
    environment |= {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_EC2_METADATA_DISABLED": "true"}
    result = run_build_py("tokens", "list", "--stage", "prod", env=environment)
    assert result.returncode == 1
    assert "找不到 AWS 凭证，读不到环境 prod 的数据栈" in result.stderr and "Traceback" not in result.stderr


def test_tables_refuses_a_deployed_stage_and_makes_nothing(moto_endpoint):
    dynamodb = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    before = dynamodb.list_tables()["TableNames"]
    result = build_py(moto_endpoint, "tables", "--stage", "prod", "--endpoint-url", moto_endpoint)
    assert result.returncode == 1
    assert "由数据栈管理" in result.stderr
    assert "请运行 python3 build.py deploy --stage prod" in result.stderr
    assert dynamodb.list_tables()["TableNames"] == before
