"""Activities as a member's phone meets them: sign-ups within capacity or on the waiting list,
and attendance within its time window, each stored once.

The activities themselves are content (ContentIds.activities, written by the build). Counting
places is a counter item per activity, updated in the same transaction as the sign-up and
only over the count it was read at, so two members never take the last place together.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from chalicelib.contentids import ContentIds
from chalicelib.dynamo import (
    PERSON_KEY_ATTRIBUTE,
    StoreUnavailable,
    activity_counter_pk,
    attendance_day_key,
    attended_phone_pk,
    attended_signup_pk,
    error_code,
    is_cancelled_by_condition,
    is_temporary,
    signup_person_pk,
    signups_day_key,
    submission_pk,
)
from chalicelib.errors import Invalid, Refused
from chalicelib.forms import FormDef, field_messages
from chalicelib.store import OFFICE_TZ, TOMBSTONE, SaveResult, SubmissionStore, format_timestamp, parse_timestamp

# Attendance opens an hour before the start and closes an hour after the end.
WINDOW_MARGIN = timedelta(hours=1)
# A phone's clock may run a little fast; a scan further ahead of the server than this is refused.
CLOCK_ALLOWANCE = timedelta(minutes=5)
# Two members taking places at once: read the counter again and retry a few times.
MAX_ATTEMPTS = 5
# Items an activity record owns (one per person, phone or sign-up): erasure deletes them with it.
HOLDS = "holds"
SIGNED_UP = "signed_up"
WAITING = "waiting"
STATUS_LABELS = {SIGNED_UP: "已报名", WAITING: "候补"}
WAY_LABELS = {"door": "现场扫码", "online": "线上参加", "staff": "工作人员代签"}

FULL_MESSAGE = "本活动名额已满，您可以加入候补名单，有人退出时组织者会联系您"
STARTED_MESSAGE = "活动已经开始，不能再报名"
CLOSED_MESSAGE = "报名已于{deadline}截止"
ALREADY_SIGNED_UP_MESSAGE = "这个手机号码已经报名了本活动，不用重复报名"
NOT_OPEN_MESSAGE = "还没到签到时间：{opens}起可以签到"
CLOSED_WINDOW_MESSAGE = "签到时间已过：本活动的签到在{closes}结束"
FUTURE_SCAN_MESSAGE = "手机上的时间比实际时间快，请把手机时间校准后重新签到"


@dataclass(frozen=True)
class Activity:
    """One activity as the API needs it: when it is, how many may sign up, where it is held."""

    id: str
    title: str
    kind: str
    start: datetime
    end: datetime
    capacity: int | None
    deadline: datetime | None
    online: bool
    station: str | None

    @property
    def opens(self) -> datetime:
        """Return when attendance opens: an hour before the start."""
        return self.start - WINDOW_MARGIN

    @property
    def closes(self) -> datetime:
        """Return when attendance closes: an hour after the end."""
        return self.end + WINDOW_MARGIN

    def public(self) -> dict:
        """Return the activity as the API shows it."""
        return {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "capacity": self.capacity,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "online": self.online,
            "station": self.station,
        }


def read_activity(content: ContentIds, activity_id: object) -> Activity | None:
    """Return the activity with this id from the content, or None."""
    body = content.activities.get(activity_id) if isinstance(activity_id, str) else None
    if body is None:
        return None
    deadline = body.get("deadline")
    return Activity(
        id=str(activity_id),
        title=body["title"],
        kind=body.get("kind", ""),
        start=datetime.fromisoformat(body["start"]),
        end=datetime.fromisoformat(body["end"]),
        capacity=body.get("capacity"),
        deadline=datetime.fromisoformat(deadline) if deadline else None,
        online=bool(body.get("online")),
        station=body.get("station"),
    )


def page_texts() -> dict[str, object]:
    """Return what the activity page's script needs to judge the window as the server does."""
    return {
        "margin_minutes": WINDOW_MARGIN.total_seconds() / 60,
        "utc_offset_minutes": OFFICE_TZ.utcoffset(None).total_seconds() / 60,
        "not_open": NOT_OPEN_MESSAGE,
        "closed": CLOSED_WINDOW_MESSAGE,
    }


def office_text(moment: datetime) -> str:
    """Return a moment as a member reads it, in China time: "12月5日 14:30"."""
    local = moment.astimezone(OFFICE_TZ)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def timing_problems(form: FormDef, clean: Mapping[str, object], content: ContentIds, now: datetime) -> dict[str, str]:
    """Return, by field, why a sign-up or attendance is refused at this time (none for other forms)."""
    activity = read_activity(content, clean.get("activity"))
    if activity is None or form.name not in ("signup", "attendance"):
        return {}
    if form.name == "signup":
        if now >= activity.start:
            return {"activity": STARTED_MESSAGE}
        if activity.deadline is not None and now > activity.deadline:
            return {"activity": CLOSED_MESSAGE.format(deadline=office_text(activity.deadline))}
        return {}
    scanned = clean.get("scanned_at")
    if not isinstance(scanned, str):
        return {}
    # A scan kept on the phone while offline is judged by when it was made, not when it arrives.
    moment = parse_timestamp(scanned)
    if moment > now + CLOCK_ALLOWANCE:
        return {"scanned_at": FUTURE_SCAN_MESSAGE}
    if moment < activity.opens:
        return {"scanned_at": NOT_OPEN_MESSAGE.format(opens=office_text(activity.opens))}
    if moment > activity.closes:
        return {"scanned_at": CLOSED_WINDOW_MESSAGE.format(closes=office_text(activity.closes))}
    return {}


def signup_detail(item: Mapping) -> dict:
    """Return what a member is told of a stored sign-up: signed up or waiting, and its place."""
    if TOMBSTONE in item:
        return {}
    return {"status": item["status"], "place": int(item["place"])}


def counter_counts(counter: Mapping | None) -> tuple[int, int]:
    """Return (places taken, waiting-list places given) from an activity's counter item."""
    counter = counter or {}
    return int(counter.get("signed", 0)), int(counter.get("waited", 0))


def erase_actions(table_name: str, item: Mapping) -> list[dict]:
    """Return the TransactWriteItems elements that go with erasing an activity record: the items
    it owns, and a place given back when it was a sign-up within capacity."""
    actions: list[dict] = [{"Delete": {"TableName": table_name, "Key": {"pk": pk}}} for pk in item.get(HOLDS, [])]
    if item.get("form") == "signup" and item.get("status") == SIGNED_UP:
        actions.append(
            {
                "Update": {
                    "TableName": table_name,
                    "Key": {"pk": activity_counter_pk(item["data"]["activity"])},
                    "UpdateExpression": "ADD #signed :minus",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeNames": {"#signed": "signed"},
                    "ExpressionAttributeValues": {":minus": -1},
                }
            }
        )
    return actions


class ActivityStore:
    """Sign-ups and attendance in the table it is handed, written with the store's items."""

    def __init__(self, table, store: SubmissionStore) -> None:
        self._table = table
        self._client = table.meta.client
        self._store = store

    def save(self, form: FormDef, submission_id: str, clean: dict, activity: Activity | None) -> SaveResult:
        """Store a sign-up or an attendance of an activity the submission's checks found."""
        if activity is None:
            raise ValueError(f"{form.name} {submission_id} names no known activity: check references first")
        if form.name == "signup":
            return self.save_signup(form, submission_id, clean, activity)
        return self.save_attendance(form, submission_id, clean, activity)

    def counts(self, activity_id: str) -> tuple[int, int]:
        """Return (places taken, waiting-list places given) of one activity."""
        counter = self._table.get_item(Key={"pk": activity_counter_pk(activity_id)}, ConsistentRead=True).get("Item")
        return counter_counts(counter)

    def save_signup(self, form: FormDef, submission_id: str, clean: dict, activity: Activity) -> SaveResult:
        """Store a sign-up once: within capacity, else on the waiting list when asked, else refuse (full)."""
        item = self._store.build_item(form, submission_id, clean)
        item["day_key"] = signups_day_key(activity.id)
        person = item.get(PERSON_KEY_ATTRIBUTE)
        if self._exists(item):
            return self._store.stored_result(item, signup_detail)
        for attempt in range(MAX_ATTEMPTS):
            counter_key = activity_counter_pk(activity.id)
            counter = self._table.get_item(Key={"pk": counter_key}, ConsistentRead=True).get("Item")
            signed, waited = counter_counts(counter)
            if activity.capacity is None or signed < activity.capacity:
                status, place, signed = SIGNED_UP, signed + 1, signed + 1
            elif clean.get("waitlist") == "yes":
                status, place, waited = WAITING, waited + 1, waited + 1
            else:
                raise Refused("waitlist", FULL_MESSAGE)
            holds = [signup_person_pk(activity.id, person)] if person else []
            stored = {**item, "status": status, "place": place, HOLDS: holds}
            actions = [
                self._put(stored),
                {"Update": self._counter_update(counter_key, counter, signed, waited)},
            ]
            actions += [self._put(self._pointer(pk, stored)) for pk in holds]
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as error:
                if is_cancelled_by_condition(error, 0):
                    return self._store.stored_result(item, signup_detail)
                if is_cancelled_by_condition(error, 2):
                    raise Refused("mobile", ALREADY_SIGNED_UP_MESSAGE) from None
                if is_cancelled_by_condition(error, 1) or self._is_temporary_cancellation(error):
                    # Someone else took a place meanwhile (or this same sign-up is being retried).
                    time.sleep(0.02 * 2**attempt)
                    continue
                raise
            return SaveResult(submission_id, None, True, {"status": status, "place": place})
        raise StoreUnavailable(f"no sign-up written for {submission_id} after {MAX_ATTEMPTS} attempts")

    def save_attendance(self, form: FormDef, submission_id: str, clean: dict, activity: Activity) -> SaveResult:
        """Store one attendance per phone (and per sign-up); a second scan answers with the first."""
        item = self._store.build_item(form, submission_id, clean)
        item["day_key"] = attendance_day_key(activity.id)
        if self._exists(item):
            return self._store.stored_result(item)
        person = self._linked_person(form, clean, activity)
        if person:
            # Found by the person's number, and erased with them, through the sign-up or registration it links to.
            item[PERSON_KEY_ATTRIBUTE] = person
        holds = [attended_phone_pk(activity.id, clean["phone"])]
        if clean.get("signup"):
            holds.append(attended_signup_pk(activity.id, clean["signup"]))
        stored = {**item, HOLDS: holds}
        return self.write_attendance(stored, [])

    def write_attendance(self, stored: dict, more: list[dict]) -> SaveResult:
        """Write an attendance with the pointers it holds (and `more`, e.g. an audit entry), or
        answer with the attendance already recorded for its phone or sign-up."""
        actions = [self._put(stored), *[self._put(self._pointer(pk, stored)) for pk in stored[HOLDS]], *more]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if is_cancelled_by_condition(error, 0):
                return self._store.stored_result(stored)
            for position, pk in enumerate(stored[HOLDS], start=1):
                if is_cancelled_by_condition(error, position):
                    first = self._table.get_item(Key={"pk": pk}, ConsistentRead=True).get("Item")
                    if first is None:
                        raise StoreUnavailable(f"{pk} vanished between write and read") from None
                    return SaveResult(first["submission_id"], None, False, {"already": True})
            raise
        return SaveResult(stored["id"], None, True)

    def _linked_person(self, form: FormDef, clean: Mapping, activity: Activity) -> str | None:
        # The sign-up made on this phone, else the registration: whose attendance this is.
        if clean.get("signup"):
            signup = self._live(str(clean["signup"]))
            if signup is None or signup["form"] != "signup" or signup["data"]["activity"] != activity.id:
                field = next(field for field in form.fields if field.name == "signup")
                raise Invalid({"signup": field_messages(field)["invalid"]}, form)
            return signup.get(PERSON_KEY_ATTRIBUTE)
        if clean.get("member"):
            member = self._live(str(clean["member"]).lower())
            return member.get(PERSON_KEY_ATTRIBUTE) if member else None
        return None

    def _live(self, submission_id: str) -> dict | None:
        item = self._table.get_item(Key={"pk": submission_pk(submission_id)}, ConsistentRead=True).get("Item")
        return None if item is None or TOMBSTONE in item else item

    def _exists(self, item: Mapping) -> bool:
        # A replay of a stored submission is answered as before, full or not.
        found = self._table.get_item(Key={"pk": item["pk"]}, ProjectionExpression="pk", ConsistentRead=True).get("Item")
        return found is not None

    def _put(self, item: dict) -> dict:
        return {"Put": {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    @staticmethod
    def _pointer(pk: str, item: Mapping) -> dict:
        pointer = {"pk": pk, "submission_id": item["id"], "created_at": item["created_at"]}
        if "expires_at" in item:
            pointer["expires_at"] = item["expires_at"]
        return pointer

    def _counter_update(self, key: str, counter: Mapping | None, signed: int, waited: int) -> dict:
        names = {"#signed": "signed", "#waited": "waited", "#updated_at": "updated_at"}
        values: dict[str, object] = {":signed": signed, ":waited": waited, ":now": format_timestamp(datetime.now(UTC))}
        if counter is None:
            condition = "attribute_not_exists(pk)"
        else:
            # Only over the counts as read: a place taken meanwhile means counting again.
            seen_signed, seen_waited = counter_counts(counter)
            condition = "#signed = :seen_signed AND #waited = :seen_waited"
            values.update({":seen_signed": seen_signed, ":seen_waited": seen_waited})
        return {
            "TableName": self._table.name,
            "Key": {"pk": key},
            "UpdateExpression": "SET #signed = :signed, #waited = :waited, #updated_at = :now",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    @staticmethod
    def _is_temporary_cancellation(error: ClientError) -> bool:
        return error_code(error) == "TransactionCanceledException" and is_temporary(error)
