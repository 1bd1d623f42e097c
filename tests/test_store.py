"""SubmissionStore and the table specs, against the moto server over HTTP."""

import itertools
import re
import threading
import uuid
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest
from botocore.config import Config
from chalicelib.dayindex import DayIndex
from chalicelib.dynamo import StoreUnavailable
from chalicelib.forms import FORMS
from chalicelib.records import StaffRecords
from chalicelib.store import Conflict, SubmissionStore, content_hash, shard_of
from chalicelib.tables import TABLE_SPECS, create_stage_tables, create_tables, stage_table_names
from chalicelib.tickets import TICKET_ALPHABET
from conftest import free_port

REGISTRATION = {
    "name": "高明",
    "mobile": "13800138000",
    "home_org": "城关镇某村党支部",
    "employer": "某外卖平台",
    "work_area": "城关镇",
    "job_type": "food_delivery",
    "consent": True,
}
REQUEST = {
    "station": "station-01",
    "category": "rights",
    "message": "希望增加充电插座",
    "contact": "13900139000",
    "consent": True,
}


REGISTRATION_CASE = pytest.param("registration", REGISTRATION, id="registration")
# A request is stored with its ticket in one transaction.
REQUEST_CASE = pytest.param("request", REQUEST, id="request", marks=pytest.mark.needs("transactions"))


def new_id():
    return str(uuid.uuid4())


def all_items(table):
    """Every item in the test's table (a test may Scan; the app never does)."""
    return table.scan(ConsistentRead=True)["Items"]


def test_submission_item_holds_data_hash_and_day_keys(store, submissions_table):
    submission_id = new_id()
    result = store.save(FORMS["registration"], submission_id, REGISTRATION)
    assert (result.id, result.ticket, result.created) == (submission_id, None, True)
    item = submissions_table.get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert item["form"] == "registration"
    assert item["data"] == REGISTRATION
    assert item["content_hash"] == content_hash("registration", REGISTRATION)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", item["created_at"])
    shard = shard_of(submission_id, 8)
    assert (item["shard"], item["write_shards"]) == (shard, 8)
    assert re.fullmatch(rf"registration#\d{{4}}-\d\d-\d\d#{shard}", item["day_key"])
    assert item["day_sk"] == f"{item['created_at']}#{submission_id}"
    assert "expires_at" not in item  # registrations are kept until the member asks otherwise


def test_day_key_uses_the_office_day(submissions_table):
    late_evening_utc = datetime(2024, 11, 11, 17, 30, tzinfo=UTC)  # 01:30 on the 12th in China
    store = SubmissionStore(submissions_table, write_shards=1, clock=lambda: late_evening_utc)
    submission_id = new_id()
    store.save(FORMS["checkin"], submission_id, {"station": "station-01"})
    item = submissions_table.get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert item["day_key"] == "checkin#2024-11-12#0"
    assert item["created_at"] == "2024-11-11T17:30:00.000000Z"


@pytest.mark.parametrize("form_name, data", [REGISTRATION_CASE, REQUEST_CASE])
def test_duplicate_is_stored_once(store, submissions_table, form_name, data):
    submission_id = new_id()
    first = store.save(FORMS[form_name], submission_id, data)
    again = store.save(FORMS[form_name], submission_id, dict(data))
    assert first.created and not again.created
    assert (again.id, again.ticket) == (first.id, first.ticket)
    submissions = [item for item in all_items(submissions_table) if item["pk"].startswith("sub#")]
    assert len(submissions) == 1


@pytest.mark.parametrize("form_name, data", [REGISTRATION_CASE, REQUEST_CASE])
def test_same_id_with_other_content_is_a_conflict(store, submissions_table, form_name, data):
    submission_id = new_id()
    store.save(FORMS[form_name], submission_id, data)
    before = all_items(submissions_table)
    with pytest.raises(Conflict):
        store.save(FORMS[form_name], submission_id, {**data, "mobile": "13700137000", "message": "另一条留言"})
    assert all_items(submissions_table) == before


def test_same_id_in_another_form_is_a_conflict(store):
    submission_id = new_id()
    store.save(FORMS["checkin"], submission_id, {"station": "station-01"})
    with pytest.raises(Conflict):
        store.save(FORMS["study"], submission_id, {"lesson": "station-01"})


@pytest.mark.needs("transactions")
def test_request_gets_a_ticket_status_and_ticket_item(store, submissions_table):
    submission_id = new_id()
    result = store.save(FORMS["request"], submission_id, REQUEST)
    assert re.fullmatch(f"[{TICKET_ALPHABET}]{{8}}", result.ticket)
    request = submissions_table.get_item(Key={"pk": f"sub#{submission_id}"})["Item"]
    assert (request["ticket"], request["status"], request["reply"]) == (result.ticket, "new", "")
    assert request["updated_at"] == request["created_at"]
    pointer = submissions_table.get_item(Key={"pk": f"ticket#{result.ticket}"})["Item"]
    assert pointer["submission_id"] == submission_id
    # Requests are deleted by TTL once the promised two years are over.
    created = datetime.strptime(request["created_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert int(request["expires_at"]) == int(created.timestamp()) + 730 * 86400
    assert pointer["expires_at"] == request["expires_at"]


@pytest.mark.needs("transactions")
def test_ticket_collision_draws_a_fresh_ticket(submissions_table):
    tickets = iter(["AAAAAAAA", "AAAAAAAA", "AAAAAAAA", "BBBBBBBB"])
    store = SubmissionStore(submissions_table, make_ticket=lambda: next(tickets))
    assert store.save(FORMS["request"], new_id(), REQUEST).ticket == "AAAAAAAA"
    second_id = new_id()
    assert store.save(FORMS["request"], second_id, REQUEST).ticket == "BBBBBBBB"
    pointer = submissions_table.get_item(Key={"pk": "ticket#BBBBBBBB"})["Item"]
    assert pointer["submission_id"] == second_id


@pytest.mark.needs("transactions")
def test_ticket_attempts_are_bounded(submissions_table):
    store = SubmissionStore(submissions_table, make_ticket=lambda: "CCCCCCCC", max_attempts=3)
    store.save(FORMS["request"], new_id(), REQUEST)
    lost_id = new_id()
    with pytest.raises(StoreUnavailable):
        store.save(FORMS["request"], lost_id, REQUEST)
    assert "Item" not in submissions_table.get_item(Key={"pk": f"sub#{lost_id}"})


@pytest.mark.needs("transactions")
def test_request_status_by_ticket_has_no_personal_data(store):
    ticket = store.save(FORMS["request"], new_id(), REQUEST).ticket
    status = store.get_request_status(f" {ticket.lower()} ")
    assert set(status) == {"ticket", "status", "reply", "updated_at"}
    assert (status["ticket"], status["status"], status["reply"]) == (ticket, "new", "")


@pytest.mark.needs("transactions")
@pytest.mark.parametrize("ticket", ["", "ABCDEFG", "ABCDEFGHJ", "ABCDEFG0", "ABCDEFGI", "22222222", "sub#x"])
def test_unknown_or_malformed_ticket_has_no_status(store, ticket):
    store.save(FORMS["request"], new_id(), REQUEST)
    assert store.get_request_status(ticket) is None


def test_submissions_are_read_back_by_office_day_over_every_shard(submissions_table):
    start = datetime(2024, 11, 10, 1, 0, tzinfo=UTC)  # 09:00 in China
    moments = (start + timedelta(hours=3 * step) for step in itertools.count())
    store = SubmissionStore(submissions_table, write_shards=4, clock=lambda: next(moments))
    saved = [store.save(FORMS["checkin"], new_id(), {"station": f"station-{n:02d}"}).id for n in range(32)]
    store.save(FORMS["study"], new_id(), {"lesson": "lesson-01"})  # another form, same days

    # 3-hour steps from 09:00 on the 10th: items 0-4 fall on the 10th, 5-12 on the 11th, 13-20 on the 12th.
    records = StaffRecords(submissions_table, 4, DayIndex(submissions_table))
    listed = list(records.stream(FORMS["checkin"], date(2024, 11, 11), date(2024, 11, 12)))
    assert [item["id"] for item in listed] == saved[5:21]
    assert len({item["shard"] for item in listed}) > 1
    assert [item["created_at"] for item in listed] == sorted(item["created_at"] for item in listed)
    assert listed[0]["data"] == {"station": "station-05"}
    assert list(records.stream(FORMS["checkin"], date(2024, 11, 12), date(2024, 11, 11))) == []


@pytest.mark.needs("transactions")
def test_concurrent_duplicates_of_a_request_store_one_ticket(submissions_table, dynamodb_endpoint):
    submission_id = new_id()
    results, barrier = [], threading.Barrier(20)

    def post():
        # A Table resource is not thread-safe: each thread gets its own, as each Lambda would.
        table = boto3.resource("dynamodb", endpoint_url=dynamodb_endpoint).Table(submissions_table.name)
        store = SubmissionStore(table)
        barrier.wait()
        results.append(store.save(FORMS["request"], submission_id, REQUEST))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 20
    assert sum(result.created for result in results) == 1
    assert len({result.ticket for result in results}) == 1
    items = all_items(submissions_table)
    assert sorted(item["pk"] for item in items) == sorted([f"sub#{submission_id}", f"ticket#{results[0].ticket}"])


@pytest.fixture
def unreachable_store(aws_test_env):
    """A store whose table is on a port nothing listens on: what an outage looks like."""
    quick = Config(connect_timeout=1, retries={"mode": "standard", "total_max_attempts": 1})
    dynamodb = boto3.resource("dynamodb", endpoint_url=f"http://127.0.0.1:{free_port()}", config=quick)
    return SubmissionStore(dynamodb.Table("unreachable"))


@pytest.mark.parametrize(
    "call",
    [
        lambda store: store.save(FORMS["registration"], new_id(), REGISTRATION),
        lambda store: store.save(FORMS["request"], new_id(), REQUEST),
        lambda store: store.get_request_status("ABCDEFGH"),
        lambda store: store.is_registered(new_id()),
    ],
    ids=["save", "save-request", "status", "is-registered"],
)
def test_unreachable_table_raises_store_unavailable(unreachable_store, call):
    with pytest.raises(StoreUnavailable):
        call(unreachable_store)


def test_create_tables_is_idempotent(dynamodb_client):
    name = f"test-{uuid.uuid4().hex[:12]}-submissions"
    assert create_tables(dynamodb_client, {"submissions": name}) == [name]
    assert create_tables(dynamodb_client, {"submissions": name}) == []
    table = dynamodb_client.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    index = next(gsi for gsi in table["GlobalSecondaryIndexes"] if gsi["IndexName"] == "by_day")
    assert (index["IndexName"], index["Projection"]["ProjectionType"]) == ("by_day", "ALL")
    dynamodb_client.delete_table(TableName=name)


@pytest.mark.needs("TTL")
def test_created_tables_delete_expired_items_by_ttl(dynamodb_client, tables):
    assert dynamodb_client.describe_time_to_live(TableName=tables["submissions"])["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED",
        "AttributeName": "expires_at",
    }


def test_create_stage_tables_reads_names_from_chalice_config(dynamodb_endpoint, dynamodb_client):
    name = stage_table_names("dev")["submissions"]
    create_stage_tables("dev", endpoint_url=dynamodb_endpoint)
    assert dynamodb_client.describe_table(TableName=name)["Table"]["TableStatus"] == "ACTIVE"
    assert create_stage_tables("dev", endpoint_url=dynamodb_endpoint) == []


def test_stage_table_names_come_from_chalice_config():
    assert stage_table_names("dev") == {"submissions": "sanwei-dev-submissions"}


def test_unknown_stage_is_an_error():
    with pytest.raises(ValueError, match="no stage 'staging'"):
        stage_table_names("staging")


def test_table_specs_cover_every_table_named_in_config():
    assert set(TABLE_SPECS) == set(stage_table_names("dev"))
