"""A member's follow-ups past DynamoDB's 400 KB an item: older ones move to archive items and read back."""

from __future__ import annotations

import csv
import io
import json
import urllib.request
import uuid
from datetime import datetime

import pytest
from chalicelib.dynamo import MAX_ITEM_BYTES, item_size
from chalicelib.followups import MEMBER_ITEM_BUDGET
from chalicelib.store import OFFICE_TZ
from conftest import STAFF_MOBILE, STAFF_REGISTRATION, bearer, post_submission, scan_all

TODAY = datetime.now(OFFICE_TZ).date().isoformat()
FOLLOW_UPS = 250
# CJK Extension B: characters outside the Basic Multilingual Plane, four bytes each in UTF-8.
EXTENSION_B = 0x20000
NOTE_CHARACTERS = 500


def long_note(number: int) -> str:
    """A note as long as a follow-up's may be, all in four-byte characters (2,000 bytes), unique to `number`."""
    return "".join(chr(EXTENSION_B + number + offset) for offset in range(NOTE_CHARACTERS))


def holds_four_byte_text(item: dict) -> bool:
    return any(ord(character) > 0xFFFF for character in json.dumps(item, ensure_ascii=False, default=str))


@pytest.mark.needs("transactions")
def test_250_long_follow_ups_are_all_stored_and_shown_and_erased(api, admin_token, submissions_table):
    member = post_submission(api, "/forms/registration", STAFF_REGISTRATION)["id"]
    token = bearer(admin_token.token)
    notes = [long_note(number) for number in range(FOLLOW_UPS)]
    assert len(notes[0]) == NOTE_CHARACTERS and len(notes[0].encode("utf-8")) == 4 * NOTE_CHARACTERS
    for note in notes:
        body = json.dumps({"date": TODAY, "note": note}, ensure_ascii=False).encode()
        response = api.post(f"/staff/members/{member}/follow-ups", headers=token, body=body)
        assert response.status_code == 201, response.body
    assert [entry["note"] for entry in response.json_body["follow_ups"]] == notes

    # Every item, the member's and its archives', stays under the limit, counted as DynamoDB counts.
    items = scan_all(submissions_table)
    sizes = {item["pk"]: item_size(item) for item in items}
    assert max(sizes.values()) < MAX_ITEM_BYTES
    assert sizes[f"sub#{member}"] <= MEMBER_ITEM_BUDGET
    assert sum(1 for pk in sizes if pk.startswith("follow-ups#")) >= 2

    # The member view, the person look-up and the export all show every follow-up, in order.
    shown = api.get(f"/staff/members/{member}", headers=token).json_body
    assert [entry["note"] for entry in shown["follow_ups"]] == notes
    person = api.get(f"/staff/people?mobile={STAFF_MOBILE}", headers=token).json_body
    assert [entry["note"] for entry in person["records"][0]["follow_ups"]] == notes
    body = json.dumps({"form": "registration", "format": "csv", "job": str(uuid.uuid4())}).encode()
    link = api.post("/staff/exports", headers=token, body=body).json_body["url"]
    with urllib.request.urlopen(link, timeout=10) as download:
        header, row = list(csv.reader(io.StringIO(download.read().decode("utf-8-sig"), newline="")))
    assert row[header.index("跟进次数")] == str(FOLLOW_UPS)

    # Erasing the person erases the archives too.
    assert api.delete(f"/staff/people?mobile={STAFF_MOBILE}", headers=token).status_code == 200
    left = scan_all(submissions_table)
    assert not [item["pk"] for item in left if item["pk"].startswith("follow-ups#")]
    assert not [item["pk"] for item in left if holds_four_byte_text(item)]
