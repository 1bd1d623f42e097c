"""The API's and the export worker's Lambda roles allow exactly what each function does.

Every DynamoDB, S3 and SQS call the API makes while a representative run of its routes goes
through chalice.test.Client is collected from botocore's events, and apart from them every call
the worker makes while it runs export jobs from the queue. The data stack, the queue and the
generated roles are deployed into the embedded server's CloudFormation, which resolves the
roles' imports and partition; each call must be allowed by its function's policy on the table,
index, object or queue it touched, and every action a policy allows must have been needed by
some call of its function on what it allows it on. The run must reach every route of the app,
so a new route cannot go unchecked.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import botocore.awsrequest
import botocore.handlers
import moto.s3.models
import pytest
from chalicelib import config, exportwork
from chalicelib.contentids import CONTENT_IDS_VARIABLE
from chalicelib.dynamo import StoreUnavailable
from chalicelib.exportjobs import ExportJobs
from chalicelib.store import OFFICE_TZ
from chalicelib.tokens import TokenStore
from conftest import (
    STAFF_REGISTRATION,
    bearer,
    chalice_client,
    post_submission,
    run_export_worker,
    staff_request,
    stage_environment,
)

from deploy.apirole import (
    API_LOG_GROUP,
    API_ROLE,
    APP_ACTIONS,
    EVENT_SOURCE_ACTIONS,
    LOGS,
    QUEUE,
    WORKER_ACTIONS,
    WORKER_LOG_GROUP,
    WORKER_ROLE,
    api_function_name,
    api_role_resources,
    worker_function_name,
)
from deploy.cloudformation import apply_stack
from deploy.datastack import render_template
from deploy.exportqueue import EXPORTS_QUEUE, exports_queue_resources
from tests.test_api import VOLUNTEER
from tests.test_datastack import client, deploy, make_stage, outputs, resolve_sub, strings_in

# moto's CloudFormation skips (with this warning) the data stack's bucket policy and subscription.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS::")

# The IAM action each S3 operation the app may make is authorised as. A multipart upload (an
# export over s3transfer's threshold) is PutObject in every part.
S3_ACTIONS = {
    "PutObject": "s3:PutObject",
    "CreateMultipartUpload": "s3:PutObject",
    "UploadPart": "s3:PutObject",
    "CompleteMultipartUpload": "s3:PutObject",
    "AbortMultipartUpload": "s3:AbortMultipartUpload",
    "GetObject": "s3:GetObject",
}
# A transaction is authorised item by item, as the action each of its items is.
TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Over s3transfer's default multipart threshold (8 MiB), as a large export is.
MULTIPART_BYTES = 9 * 1024 * 1024
# Enough long follow-ups to move the oldest into archive items, which a member's page reads back.
FOLLOW_UPS = 70
JSON = {"Content-Type": "application/json"}
TODAY = datetime.now(OFFICE_TZ).date().isoformat()


@dataclass(frozen=True)
class Call:
    """One call the app made to AWS, as botocore was asked to make it (or to sign it)."""

    service: str
    operation: str
    params: dict


@contextlib.contextmanager
def on_every_new_client(*handlers: tuple[str, object]):
    """Register event handlers on every botocore client made inside the block, the app's included.

    The app builds its clients once, from sessions of its own (chalicelib/config.py), and the
    staff side's reader makes one more on its first read (chalicelib/bulkclient.py). Every
    botocore session registers botocore.handlers.BUILTIN_HANDLERS on its event system when it is
    made, so handlers added there reach every client made inside the block; the app's cached
    clients are dropped before and after, so that it builds them inside.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, *handlers])
        _drop_cached_clients()
        try:
            yield
        finally:
            _drop_cached_clients()


@contextlib.contextmanager
def calls_of_the_app():
    """Yield the list of every DynamoDB, S3 and SQS call made inside the block by clients made there.

    provide-client-params is emitted once for each call (not for each retry) and for each
    presigned URL.
    """
    calls: list[Call] = []

    def record(params, model, **_):
        calls.append(Call(model.service_model.signing_name, model.name, json.loads(json.dumps(params, default=str))))

    handlers = [(f"provide-client-params.{service}", record) for service in ("dynamodb", "s3", "sqs")]
    with on_every_new_client(*handlers):
        yield calls


def _drop_cached_clients() -> None:
    for getter in vars(config).values():
        if hasattr(getter, "cache_clear"):
            getter.cache_clear()


def refuse_upload_parts(**_):
    """Answer an UploadPart before it is sent, as S3 answers one that fails for good."""
    error = {"Error": {"Code": "InternalError", "Message": "refused by the test"}}
    return botocore.awsrequest.AWSResponse("", 500, {}, None), error


@pytest.fixture(scope="module")
def stage():
    return make_stage()


@pytest.fixture(scope="module")
def deployed(moto_endpoint, stage):
    """The data stack and a stack of the export queue and the generated roles, in the embedded
    server; yield the data stack's outputs, the roles' names and the queue's URL and ARN."""
    assert deploy(moto_endpoint, stage) == "created"
    role_stack = f"sanwei-{stage.name}-role"
    resources = {**exports_queue_resources(stage), **api_role_resources(stage)}
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    cloudformation = client("cloudformation", moto_endpoint, stage.region)
    assert apply_stack(cloudformation, role_stack, render_template(template), []) == "created"
    summaries = cloudformation.list_stack_resources(StackName=role_stack)["StackResourceSummaries"]
    made = {item["LogicalResourceId"]: item["PhysicalResourceId"] for item in summaries}
    queue_arn = client("sqs", moto_endpoint, stage.region).get_queue_attributes(
        QueueUrl=made[EXPORTS_QUEUE], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    return {
        **outputs(moto_endpoint, stage),
        "RoleName": made[API_ROLE],
        "WorkerRoleName": made[WORKER_ROLE],
        "QueueUrl": made[EXPORTS_QUEUE],
        "QueueArn": queue_arn,
    }


def resolved_policy(endpoint: str, stage, role_name: str) -> dict:
    """A role's policy document as CloudFormation resolved it (imports, partition, region, account)."""
    iam = client("iam", endpoint, stage.region)
    name = iam.list_role_policies(RoleName=role_name)["PolicyNames"][0]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]
    # moto keeps a policy that CloudFormation made as Python's text of it, not as JSON.
    return ast.literal_eval(document) if isinstance(document, str) else document


@pytest.fixture(scope="module")
def role_policy(moto_endpoint, stage, deployed) -> dict:
    """The API role's policy document, resolved."""
    return resolved_policy(moto_endpoint, stage, deployed["RoleName"])


@pytest.fixture(scope="module")
def worker_policy(moto_endpoint, stage, deployed) -> dict:
    """The export worker role's policy document, resolved."""
    return resolved_policy(moto_endpoint, stage, deployed["WorkerRoleName"])


@dataclass
class Run:
    """What a run of the API did: the requests it was sent, the calls it made to AWS, and the
    calls the export worker made."""

    requests: list[tuple[str, str]]
    calls: list[Call]
    worker_calls: list[Call]


def noting_requests(http, requests: list[tuple[str, str]]) -> None:
    """Make chalice's test HTTP client note the method and path of each request it is sent."""
    send = http.request

    def request(method: str, path: str, **kwargs):
        requests.append((method, path))
        return send(method, path, **kwargs)

    # get(), post() and the others all go through request().
    http.request = request


def route_of(routes, path: str) -> str:
    """Return the app's route that answers a path, a literal one before one with {parameters}, as API Gateway does."""
    path = path.split("?")[0]
    matching = [route for route in routes if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", route), path)]
    return min(matching, key=lambda route: route.count("{"))


@pytest.fixture(scope="module")
def run(chalice_app, moto_endpoint, deployed, content_ids_file, tmp_path_factory) -> Run:
    """Every DynamoDB and S3 call the app makes while every member and staff route runs."""
    import boto3

    environment = {
        **stage_environment(),
        CONTENT_IDS_VARIABLE: str(content_ids_file),
        "SUBMISSIONS_TABLE": deployed["SubmissionsTableName"],
        "EXPORTS_BUCKET": deployed["ExportsBucketName"],
        "DYNAMODB_ENDPOINT_URL": moto_endpoint,
        "S3_ENDPOINT_URL": moto_endpoint,
        "SQS_ENDPOINT_URL": moto_endpoint,
        "EXPORTS_QUEUE_URL": deployed["QueueUrl"],
    }
    # The first tokens are made by `build.py tokens` with the IT person's credentials; the run's
    # admin then makes and revokes a colleague's through the API.
    tokens = TokenStore(boto3.resource("dynamodb", endpoint_url=moto_endpoint).Table(deployed["SubmissionsTableName"]))
    admin = bearer(tokens.create("管理员甲", "admin", (), 30).token)
    station = bearer(tokens.create("驿站乙", "station", ("station-01",), 30).token)
    requests: list[tuple[str, str]] = []
    worker_calls: list[Call] = []
    folder = tmp_path_factory.mktemp("export")

    def worker_runs(file_format: str) -> None:
        # The worker's calls are apart from the API's: nothing else runs meanwhile.
        first = len(calls)
        run_exports_in_the_worker(environment, folder, file_format)
        worker_calls.extend(calls[first:])
        del calls[first:]

    with calls_of_the_app() as calls, chalice_client(chalice_app, environment, tmp_path_factory.mktemp("api")) as api:
        noting_requests(api, requests)
        run_every_route(api, admin, station, worker_runs)
        with pytest.MonkeyPatch.context() as patch:
            # chalice.test.Client sets the stage's environment only while it runs a request.
            for name, value in environment.items():
                patch.setenv(name, value)
            upload_a_large_export_that_fails(folder / "large.csv")
    return Run(requests, calls, worker_calls)


def run_exports_in_the_worker(environment: dict[str, str], folder, file_format: str) -> None:
    """Run the export job on the queue in the worker, as Lambda's event source would. A CSV takes
    several runs, one of which stops after completing the upload and before saying so (the next
    finds the upload done); after an XLSX, a large upload of the worker's fails."""
    import boto3

    sqs = boto3.client("sqs", endpoint_url=environment["SQS_ENDPOINT_URL"])
    # A message failed on comes back at once, not after the worker's 15 minutes.
    sqs.set_queue_attributes(QueueUrl=environment["EXPORTS_QUEUE_URL"], Attributes={"VisibilityTimeout": "0"})
    finish = ExportJobs.finish
    stopped: list[str] = []

    def stop_once_after_completing(jobs, job, rows):
        if not stopped:
            stopped.append(job.id)
            raise ConnectionError("stopped after completing the upload")
        finish(jobs, job, rows)

    with pytest.MonkeyPatch.context() as patch:
        if file_format == "csv":
            patch.setattr(exportwork, "PART_CHARS", 200)
            patch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 200)
            patch.setattr(exportwork, "WORKER_RESERVE_SECONDS", 10**6)
            patch.setattr(ExportJobs, "finish", stop_once_after_completing)
            assert run_export_worker(sqs, environment) >= 2
            assert stopped
            return
        assert run_export_worker(sqs, environment) == 1
        for name, value in environment.items():
            patch.setenv(name, value)
        upload_a_large_export_that_fails(folder / "large-worker.xlsx")


def run_every_route(api, admin: dict[str, str], station: dict[str, str], worker_runs) -> None:
    """Use every route of the API once or more, as members and staff do, checking each answer;
    `worker_runs` runs the export jobs left to the worker, before the member they hold is erased."""

    def ok(response, status: int = 200):
        assert response.status_code == status, response.body
        return response.json_body

    # Members: the three forms (one sent twice, as a phone retries), a check-in, a study mark, a look-up.
    registration = {**STAFF_REGISTRATION, "id": str(uuid.uuid4()), "homepage": ""}
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    for status in (201, 200):
        ok(api.post("/forms/registration", headers=JSON, body=json.dumps(registration).encode()), status)
    ticket = post_submission(api, "/forms/request", staff_request("station-01", STAFF_REGISTRATION["mobile"]))["ticket"]
    volunteer = post_submission(api, "/forms/volunteer", VOLUNTEER)["id"]
    service = {"team": "team-01", "date": TODAY, "what": "给小区送生活物资", "times": "5", "hours": "2", "people": "1"}
    report = post_submission(
        api, "/forms/service", {**service, "name": "钱小骑", "mobile": "13500135000", "consent": True}
    )
    post_submission(api, "/checkins", {"station": "station-01"})
    post_submission(api, "/study", {"lesson": "lesson-01", "member": member})
    assert ok(api.get(f"/forms/request/{ticket}"))["status"] == "new"

    # Staff: who am I, numbers, lists, a request answered, a member paired and followed up.
    ok(api.get("/staff/me", headers=station))
    # Today only: every office day asked for is one query a shard, and one day needs the same actions.
    today = f"from={TODAY}&to={TODAY}"
    ok(api.get(f"/staff/stats?{today}", headers=admin))
    ok(api.get(f"/staff/stats?{today}", headers=station))
    for form in ("registration", "request", "volunteer", "service", "checkin", "study"):
        ok(api.get(f"/staff/submissions/{form}?{today}", headers=admin))
    ok(api.get(f"/staff/requests/{ticket}", headers=station))
    change = {"status": "in_progress", "reply": "已联系驿站。"}
    ok(api.patch(f"/staff/requests/{ticket}", headers=admin, body=json.dumps(change, ensure_ascii=False).encode()))
    liaison = json.dumps({"name": "王红", "mobile": "13900139000"}, ensure_ascii=False).encode()
    ok(api.put(f"/staff/members/{member}/liaison", headers=admin, body=liaison))
    ok(api.put(f"/staff/members/{member}/branch", headers=admin, body=json.dumps({"branch": "branch-01"}).encode()))
    ok(api.get(f"/staff/submissions/registration?{today}&branch=branch-01", headers=admin))
    ok(api.put(f"/staff/members/{member}/transfer", headers=admin, body=json.dumps({"state": "in_progress"}).encode()))
    for number in range(FOLLOW_UPS):
        note = "".join(chr(0x20000 + number + offset) for offset in range(500))
        body = json.dumps({"date": TODAY, "note": note}, ensure_ascii=False).encode()
        ok(api.post(f"/staff/members/{member}/follow-ups", headers=admin, body=body), 201)
    assert len(ok(api.get(f"/staff/members/{member}", headers=admin))["follow_ups"]) == FOLLOW_UPS

    # Volunteer teams: a volunteer taken in, service recorded, a report confirmed, a team's records, totals.
    decision = json.dumps({"team": "team-01", "decision": "approved"}).encode()
    ok(api.put(f"/staff/volunteers/{volunteer}/team", headers=admin, body=decision))
    ok(api.post("/staff/service", headers=admin, body=json.dumps(service, ensure_ascii=False).encode()), 201)
    review = json.dumps({"decision": "confirmed"}).encode()
    ok(api.put(f"/staff/service-reports/{report['id']}/review", headers=admin, body=review))
    assert len(ok(api.get(f"/staff/teams/team-01/service?{today}", headers=admin))["items"]) == 2
    assert ok(api.get(f"/staff/service/totals?{today}", headers=admin))["total"]["records"] == 2
    service_export = json.dumps({"format": "xlsx", "from": TODAY, "to": TODAY}).encode()
    assert ok(api.post("/staff/service/exports", headers=admin, body=service_export))["rows"] == 2

    # Activities: a sign-up, places, an attendance linked to it, the staff's view, marking and export.
    signup = {"activity": "activity-now", "name": "高明", "mobile": STAFF_REGISTRATION["mobile"], "consent": True}
    signed = post_submission(api, "/forms/signup", signup)["id"]
    assert ok(api.get("/activities/activity-now"))["signed"] == 1
    scanned = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    scan = {"activity": "activity-now", "phone": str(uuid.uuid4()), "scanned_at": scanned, "way": "door"}
    post_submission(api, "/attendance", {**scan, "signup": signed})
    ok(api.get("/staff/activities", headers=station))
    assert ok(api.get("/staff/activities/activity-now", headers=station))["signups"][0]["attended"]
    mark = json.dumps({"signup": signed}).encode()
    assert ok(api.post("/staff/activities/activity-now/attendance", headers=admin, body=mark))["already"]
    body = json.dumps({"list": "signup", "format": "xlsx"}).encode()
    assert ok(api.post("/staff/activities/activity-now/exports", headers=station, body=body))["rows"] == 1

    # The office's report, and its workbook.
    ok(api.get(f"/staff/report?{today}", headers=admin))
    ok(api.post("/staff/report/file", headers=admin, body=json.dumps({"from": TODAY, "to": TODAY}).encode()))

    # Exports (both formats, a station's too) done in the request and followed, then the same
    # left to the worker; finding and erasing a person, the audit log.
    exports = (({"form": "registration", "format": "csv"}, admin), ({"form": "request", "format": "xlsx"}, station))
    for export, token in exports:
        body = json.dumps({**export, "from": TODAY, "to": TODAY, "job": str(uuid.uuid4())}).encode()
        job = ok(api.post("/staff/exports", headers=token, body=body))
        assert job["rows"] >= 1, job
        assert ok(api.get(f"/staff/exports/{job['job']}", headers=token))["url"]
    for export, token in exports:
        with pytest.MonkeyPatch.context() as patch:
            # No time in the request: the job goes to the queue at once.
            patch.setattr(exportwork, "REQUEST_RESERVE_SECONDS", 10**6)
            body = json.dumps({**export, "from": TODAY, "to": TODAY, "job": str(uuid.uuid4())}).encode()
            job = ok(api.post("/staff/exports", headers=token, body=body), 202)["job"]
        worker_runs(export["format"])
        assert ok(api.get(f"/staff/exports/{job}", headers=token))["rows"] >= 1
    mobile = STAFF_REGISTRATION["mobile"]
    ok(api.get(f"/staff/people?mobile={mobile}", headers=admin))
    assert ok(api.delete(f"/staff/people?mobile={mobile}", headers=admin))["count"] >= 2
    ok(api.get(f"/staff/audit?{today}", headers=admin))

    # Staff tokens: listed, a colleague's made and revoked.
    ok(api.get("/staff/tokens", headers=admin))
    colleague = {"name": "王五", "role": "station", "stations": ["station-01"], "days": "7"}
    made = ok(api.post("/staff/tokens", headers=admin, body=json.dumps(colleague, ensure_ascii=False).encode()), 201)
    assert ok(api.delete(f"/staff/tokens/{made['id']}", headers=admin))["revoked_at"]


def upload_a_large_export_that_fails(path) -> None:
    """Upload an export file over the multipart threshold whose parts S3 refuses: the upload is aborted."""
    path.write_bytes(b"x" * MULTIPART_BYTES)
    with on_every_new_client(("before-call.s3.UploadPart", refuse_upload_parts)):
        downloads = config.get_downloads()
        key = downloads.key_for(str(uuid.uuid4()), path.name)
        with pytest.raises(StoreUnavailable):
            downloads.put_file(str(path), key, "导出", path.name, "text/csv")


def authorised_as(call: Call, arns: dict[str, str]) -> list[tuple[str, str]]:
    """Return the (IAM action, resource ARN) pairs AWS checks a call against, given the ARN of each table and bucket."""
    params = call.params
    if call.service == "sqs":
        return [(f"sqs:{call.operation}", arns[params["QueueUrl"]])]
    if call.service == "s3":
        return [(S3_ACTIONS[call.operation], f"{arns[params['Bucket']]}/{params['Key']}")]
    if call.operation == "TransactWriteItems":
        return [
            (TRANSACTION_ITEM_ACTIONS[kind], arns[item[kind]["TableName"]])
            for item in params["TransactItems"]
            for kind in item
        ]
    if call.operation == "BatchGetItem":
        return [("dynamodb:BatchGetItem", arns[name]) for name in params["RequestItems"]]
    index = f"/index/{params['IndexName']}" if "IndexName" in params else ""
    return [(f"dynamodb:{call.operation}", arns[params["TableName"]] + index)]


def arns_of(deployed) -> dict[str, str]:
    """The ARN of each table, bucket and queue (by its URL) the functions are pointed at."""
    return {
        deployed["SubmissionsTableName"]: deployed["SubmissionsTableArn"],
        deployed["ExportsBucketName"]: deployed["ExportsBucketArn"],
        deployed["QueueUrl"]: deployed["QueueArn"],
    }


@pytest.fixture(scope="module")
def used(run, deployed) -> set[tuple[str, str]]:
    """Every (IAM action, resource ARN) the API's calls needed."""
    return {pair for call in run.calls for pair in authorised_as(call, arns_of(deployed))}


@pytest.fixture(scope="module")
def used_by_worker(run, deployed) -> set[tuple[str, str]]:
    """Every (IAM action, resource ARN) the export worker's calls needed."""
    return {pair for call in run.worker_calls for pair in authorised_as(call, arns_of(deployed))}


def test_the_run_sends_a_request_to_every_route_of_the_app(run, chalice_app):
    # A route added to the app and not to run_every_route would go unchecked.
    sent = {(method, route_of(chalice_app.routes, path)) for method, path in run.requests}
    every = {(method, route) for route, methods in chalice_app.routes.items() for method in methods}
    assert every - sent == set()


def allows(document: dict, action: str, resource: str) -> bool:
    from moto.iam.access_control import IAMPolicy, PermissionResult

    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource) == PermissionResult.PERMITTED


def test_every_call_the_app_makes_is_allowed_on_what_it_touched(used, role_policy):
    refused = sorted(pair for pair in used if not allows(role_policy, *pair))
    assert not refused


def test_every_call_the_worker_makes_is_allowed_on_what_it_touched(used_by_worker, worker_policy):
    assert used_by_worker
    refused = sorted(pair for pair in used_by_worker if not allows(worker_policy, *pair))
    assert not refused


def allowed_beyond_need(policy: dict, actions: dict[str, tuple[str, ...]], used: set[tuple[str, str]]) -> list[str]:
    """Return each action a policy allows on a resource that no call needed there; check its
    statements are one for each kind of thing in `actions`."""
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert set(statements) == {what.title() for what in actions}
    unneeded = []
    for sid, statement in statements.items():
        assert statement["Effect"] == "Allow"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in statement["Action"]:
            # The function's logs are written by Lambda, and the worker's queue read by Lambda's
            # event source mapping: no call of the app's needs them.
            if sid == LOGS.title() or (sid == QUEUE.title() and action in EVENT_SOURCE_ACTIONS):
                continue
            for resource in resources:
                one = {"Version": "2012-10-17", "Statement": [{**statement, "Action": action, "Resource": resource}]}
                if not any(allows(one, *pair) for pair in used):
                    unneeded.append(f"{action} on {resource}")
    return unneeded


def needed_actions(actions: dict[str, tuple[str, ...]]) -> set[str]:
    return {
        action
        for what, allowed in actions.items()
        if what != LOGS
        for action in allowed
        if action not in EVENT_SOURCE_ACTIONS
    }


def test_the_role_allows_nothing_the_app_did_not_need(used, role_policy, stage):
    assert allowed_beyond_need(role_policy, APP_ACTIONS, used) == []
    # The function's own logs are written by Lambda, not by a call of the app's: its own group only.
    # (moto resolves ${AWS::Partition} as "aws" everywhere; the partition test reads the template.)
    group = f"/aws/lambda/{api_function_name(stage)}"
    statements = {statement["Sid"]: statement for statement in role_policy["Statement"]}
    assert statements[LOGS.title()]["Resource"].endswith(f":logs:{stage.region}:123456789012:log-group:{group}:*")
    assert {action for action, _ in used} == needed_actions(APP_ACTIONS)


def test_the_worker_role_allows_nothing_the_worker_did_not_need(used_by_worker, worker_policy, stage):
    assert allowed_beyond_need(worker_policy, WORKER_ACTIONS, used_by_worker) == []
    group = f"/aws/lambda/{worker_function_name(stage)}"
    statements = {statement["Sid"]: statement for statement in worker_policy["Statement"]}
    assert statements[LOGS.title()]["Resource"].endswith(f":logs:{stage.region}:123456789012:log-group:{group}:*")
    assert {action for action, _ in used_by_worker} == needed_actions(WORKER_ACTIONS)
    assert set(EVENT_SOURCE_ACTIONS) <= set(statements[QUEUE.title()]["Action"])


def test_no_action_or_resource_is_a_wildcard(role_policy, worker_policy):
    for statement in role_policy["Statement"] + worker_policy["Statement"]:
        assert all("*" not in action for action in statement["Action"])
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        # A trailing * only: the table's indexes, the objects under exports/, the log group's streams.
        assert all(resource.startswith("arn:") and "*" not in resource[:-1] for resource in resources), resources


@pytest.mark.parametrize(("region", "prefix"), [("cn-north-1", "arn:aws-cn:"), ("eu-west-1", "arn:aws:")])
def test_every_arn_the_role_builds_goes_through_the_partition(region, prefix):
    stage = make_stage(region)
    strings = list(strings_in({**exports_queue_resources(stage), **api_role_resources(stage)}))
    assert not [text for text, is_sub in strings if "arn:" in text and not is_sub], "an ARN written out by hand"
    arns = [resolve_sub(text, region) for text, is_sub in strings if is_sub and "arn:" in text]
    assert arns, "the log group's ARN is built with Fn::Sub"
    assert all(arn.startswith(prefix) for arn in arns), arns


@pytest.mark.parametrize("region", ["cn-north-1", "cn-northwest-1", "eu-west-1"])
def test_cfn_lint_finds_nothing_in_the_role(region):
    from cfnlint.api import ManualArgs, lint

    stage = make_stage(region)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            **exports_queue_resources(stage),
            **api_role_resources(stage),
            # A function of the name the log group is made for, run by the role, as the API's stack has.
            "ApiHandler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": api_function_name(stage),
                    "Runtime": "python3.12",
                    "Handler": "app.app",
                    "Code": {"ZipFile": "app = None"},
                    "Role": {"Fn::GetAtt": [API_ROLE, "Arn"]},
                },
                "DependsOn": API_LOG_GROUP,
            },
            # And the export worker, by its own role.
            "ExportWorker": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": worker_function_name(stage),
                    "Runtime": "python3.12",
                    "Handler": "app.export_worker",
                    "Code": {"ZipFile": "export_worker = None"},
                    "Role": {"Fn::GetAtt": [WORKER_ROLE, "Arn"]},
                },
                "DependsOn": WORKER_LOG_GROUP,
            },
        },
    }
    assert lint(render_template(template), config=ManualArgs(regions=[region])) == []
