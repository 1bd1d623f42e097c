"""Shared fixtures: a real moto DynamoDB server over HTTP, fresh tables, the Chalice app."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from chalice.cli.factory import CLIFactory
from chalice.local import create_local_server
from chalice.test import Client
from chalicelib.store import SubmissionStore
from chalicelib.tables import create_tables
from moto.server import ThreadedMotoServer

FUNCTIONS_DIR = Path(__file__).resolve().parents[1] / "functions"
CHALICE_CONFIG = FUNCTIONS_DIR / ".chalice" / "config.json"
TEST_STAGE = "dev"
AWS_TEST_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "cn-north-1",
    "AWS_REGION": "cn-north-1",
    # Keep a developer's ~/.aws files out of the tests.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def stage_environment(stage: str = TEST_STAGE) -> dict[str, str]:
    """Return the environment variables .chalice/config.json sets for a stage."""
    return dict(CLIFactory(str(FUNCTIONS_DIR)).create_config_obj(chalice_stage_name=stage).environment_variables)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def aws_test_env():
    """Dummy credentials and region, so nothing can reach a real AWS account."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_PROFILE", raising=False)
        for name, value in AWS_TEST_ENV.items():
            patch.setenv(name, value)
        yield AWS_TEST_ENV


@pytest.fixture(scope="session")
def dynamodb_endpoint(aws_test_env):
    """Start moto's server on a free local port; yield its URL."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="session")
def dynamodb_client(dynamodb_endpoint):
    """A low-level DynamoDB client for the moto server."""
    return boto3.client("dynamodb", endpoint_url=dynamodb_endpoint)


@pytest.fixture
def tables(dynamodb_client):
    """Create fresh tables with names unique to this test; yield {logical name: table name}."""
    names = {"submissions": f"test-{uuid.uuid4().hex[:12]}-submissions"}
    create_tables(dynamodb_client, names)
    yield names
    for name in names.values():
        dynamodb_client.delete_table(TableName=name)


@pytest.fixture
def submissions_table(tables, dynamodb_endpoint):
    """The boto3 Table resource of this test's submissions table."""
    return boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint).Table(tables["submissions"])


@pytest.fixture
def store(submissions_table):
    """A SubmissionStore handed this test's table."""
    return SubmissionStore(submissions_table)


@pytest.fixture(scope="session")
def chalice_app(aws_test_env):
    """The Chalice app, imported with the test stage's environment as `chalice local` would."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in stage_environment().items():
            patch.setenv(name, value)
        import app

        yield app.app


@pytest.fixture
def api_environment(tables, dynamodb_endpoint):
    """The test stage's environment, pointed at this test's tables on the moto server."""
    return {
        **stage_environment(),
        "SUBMISSIONS_TABLE": tables["submissions"],
        "DYNAMODB_ENDPOINT_URL": dynamodb_endpoint,
    }


@pytest.fixture
def api(chalice_app, api_environment, tmp_path):
    """chalice.test.Client for the test stage, its environment pointed at this test's tables."""
    # The client takes a stage's environment from .chalice/config.json only, so it reads
    # a copy of the real file whose test stage names this test's table and endpoint.
    config = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))
    stage = config["stages"][TEST_STAGE]
    stage["environment_variables"] = {**stage.get("environment_variables", {}), **api_environment}
    (tmp_path / ".chalice").mkdir()
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with Client(chalice_app, stage_name=TEST_STAGE, project_dir=str(tmp_path)) as client:
        yield client.http


@pytest.fixture(scope="session")
def chalice_local_url(chalice_app):
    """Serve the app with `chalice local`'s own threaded server; yield its URL."""
    config = CLIFactory(str(FUNCTIONS_DIR)).create_config_obj(chalice_stage_name=TEST_STAGE)
    server = create_local_server(chalice_app, config, "127.0.0.1", free_port())
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()
    server.server.server_close()
    thread.join()


@pytest.fixture
def chalice_local(chalice_local_url, api_environment, monkeypatch):
    """URL of `chalice local`, its environment pointed at this test's tables."""
    # chalice local reads the process environment on each request, as a Lambda would.
    for name, value in api_environment.items():
        monkeypatch.setenv(name, value)
    return chalice_local_url
