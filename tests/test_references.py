"""Submissions name stations, lessons and registrations that exist, or are refused by field."""

import json
import uuid
from urllib.parse import urlencode

import pytest
from chalicelib.contentids import ContentIds, read_content_ids
from chalicelib.forms import FORMS, field_messages
from conftest import STAFF_REGISTRATION, TEST_CONTENT_IDS, bearer, post_submission

from sitegen.apicontent import content_ids_of
from sitegen.content import load_content
from sitegen.site import ROOT, build_site

JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
REQUEST = {"category": "hardship", "message": "电动车没电了，能不能帮忙充电", "homepage": ""}


def post(api, path, data):
    return api.post(path, headers=JSON, body=json.dumps({**data, "id": str(uuid.uuid4())}).encode())


def stored(table) -> list[dict]:
    return [item for item in table.scan(ConsistentRead=True)["Items"] if item["pk"].startswith("sub#")]


def invalid(form_name: str, field_name: str) -> str:
    field = next(field for field in FORMS[form_name].fields if field.name == field_name)
    return field_messages(field)["invalid"]


@pytest.mark.parametrize(
    "path, data, field",
    [
        ("/checkins", {"station": "no-such-station"}, "station"),
        ("/study", {"lesson": "no-such-lesson"}, "lesson"),
        ("/study", {"lesson": "station-01"}, "lesson"),
        ("/study", {"lesson": "lesson-01", "member": str(uuid.uuid4())}, "member"),
        ("/forms/request", {**REQUEST, "station": "no-such-station"}, "station"),
    ],
)
def test_a_reference_to_nothing_is_refused_by_field(api, submissions_table, path, data, field):
    response = post(api, path, data)
    assert response.status_code == 400, response.body
    form_name = {"/checkins": "checkin", "/study": "study"}.get(path, "request")
    assert response.json_body["errors"] == {field: invalid(form_name, field)}
    assert stored(submissions_table) == []


def test_every_error_comes_at_once_with_the_unknown_references(api):
    response = post(api, "/forms/request", {**REQUEST, "station": "no-such-station", "message": "短"})
    assert set(response.json_body["errors"]) == {"station", "message"}


def test_a_form_post_naming_no_station_that_exists_lists_the_error(api, submissions_table):
    body = urlencode({**REQUEST, "station": "no-such-station"}).encode()
    response = api.post("/forms/request", headers=FORM, body=body)
    assert response.status_code == 400
    assert invalid("request", "station") in response.body.decode("utf-8")
    assert stored(submissions_table) == []


@pytest.mark.needs("transactions")
def test_known_stations_and_lessons_are_stored(api, submissions_table):
    post_submission(api, "/checkins", {"station": "station-02"})
    post_submission(api, "/study", {"lesson": "heat-safety-summer"})
    post_submission(api, "/forms/request", {**REQUEST, "station": "station-01"})
    assert len(stored(submissions_table)) == 3


def test_a_study_mark_names_a_registration_not_another_submission(api, submissions_table):
    volunteer = {"name": "李军", "mobile": "13700137000", "helps": ["safety"], "availability": "anytime"}
    other = post_submission(api, "/forms/volunteer", {**volunteer, "consent": True})["id"]
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    assert post(api, "/study", {"lesson": "lesson-01", "member": other}).status_code == 400
    assert post(api, "/study", {"lesson": "lesson-01", "member": member}).status_code == 201
    assert post(api, "/study", {"lesson": "lesson-01", "member": member.upper()}).status_code == 201


@pytest.mark.needs("transactions")
def test_a_study_mark_of_an_erased_member_is_refused(api, admin_token):
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    erased = api.delete(f"/staff/people?mobile={STAFF_REGISTRATION['mobile']}", headers=bearer(admin_token.token))
    assert erased.status_code == 200
    response = post(api, "/study", {"lesson": "lesson-01", "member": member})
    assert response.status_code == 400
    assert set(response.json_body["errors"]) == {"member"}


@pytest.mark.needs("transactions")
def test_a_request_without_a_station_is_stored_without_one(api, submissions_table):
    ticket = post_submission(api, "/forms/request", REQUEST)["ticket"]
    [item] = stored(submissions_table)
    assert item["ticket"] == ticket and "station" not in item["data"]


def test_the_build_hands_over_every_station_and_published_lesson(tmp_path):
    content = load_content(ROOT)
    path = tmp_path / "content-ids.json"
    build_site(ROOT, site_url="http://127.0.0.1/", site_dir=tmp_path / "site", content_ids_file=path)
    ids = read_content_ids(path)
    assert ids == content_ids_of(content)
    assert ids.stations == {station.id: station.name for station in content.stations}
    assert ids.lessons == {lesson.slug: lesson.title for lesson in content.lessons}
    assert not ids.lessons.keys() & set(content.drafts)


def test_the_api_without_its_content_file_refuses_to_guess(tmp_path):
    with pytest.raises(RuntimeError, match=r"python build\.py"):
        read_content_ids(tmp_path / "content-ids.json")


def test_content_ids_survive_the_file():
    assert ContentIds.from_json(TEST_CONTENT_IDS.to_json()) == TEST_CONTENT_IDS
