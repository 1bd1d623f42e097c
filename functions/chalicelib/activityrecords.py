"""Staff's view of activities: the places taken, each activity's sign-ups, waiting list and
attendance (one Query each on the by_day index), and attendance marked from the sign-up list."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from chalicelib.activities import HOLDS, WAITING, Activity, ActivityStore, counter_counts, read_activity
from chalicelib.audit import AuditLog
from chalicelib.contentids import ContentIds
from chalicelib.dayindex import DayIndex
from chalicelib.dynamo import (
    PERSON_KEY_ATTRIBUTE,
    activity_counter_pk,
    attendance_day_key,
    attended_signup_pk,
    signups_day_key,
)
from chalicelib.errors import NotFound
from chalicelib.forms import FORMS
from chalicelib.records import StaffRecords, public_record
from chalicelib.store import SaveResult, SubmissionStore
from chalicelib.tokens import StaffToken

# BatchGetItem takes at most 100 keys a call.
BATCH_KEYS = 100


def _utc_now() -> datetime:
    return datetime.now(UTC)


def page_moment(moment: datetime) -> str:
    """Return a moment as the page's Date.prototype.toISOString() writes it (UTC, milliseconds)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def visible_activities(content: ContentIds, staff: StaffToken) -> list[Activity]:
    """Return the activities a token may see: all for an admin, its stations' for a station token."""
    found = [read_activity(content, activity_id) for activity_id in content.activities]
    return [a for a in found if a is not None and staff.may_see_station(a.station)]


class ActivityRecords:
    """Reads and marks activities' records in the table it is handed."""

    def __init__(
        self,
        table,
        store: SubmissionStore,
        activities: ActivityStore,
        records: StaffRecords,
        day_index: DayIndex,
        audit: AuditLog,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._table = table
        self._store = store
        self._activities = activities
        self._records = records
        self._day_index = day_index
        self._audit = audit
        self._clock = clock

    def counts(self, activity_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
        """Return (places taken, waiting-list places given) of each activity, read with BatchGetItem."""
        ids = list(activity_ids)
        counts = dict.fromkeys(ids, (0, 0))
        client = self._table.meta.client
        for start in range(0, len(ids), BATCH_KEYS):
            keys = [{"pk": activity_counter_pk(activity_id)} for activity_id in ids[start : start + BATCH_KEYS]]
            request = {self._table.name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self._table.name, []):
                    counts[item["pk"].split("#", 1)[1]] = counter_counts(item)
                request = answer.get("UnprocessedKeys") or {}
        return counts

    def lists(self, activity: Activity) -> dict:
        """Return an activity's sign-ups (in order of place), waiting list and attendance, for staff."""
        signups = self._day_index.under(signups_day_key(activity.id))
        attendance = self._day_index.under(attendance_day_key(activity.id))
        attended = {item["data"].get("signup") for item in attendance}
        shown = [{**public_record(item), "attended": item["id"] in attended} for item in signups]
        shown.sort(key=lambda item: item["place"])
        return {
            "signups": [item for item in shown if item["status"] != WAITING],
            "waiting": [item for item in shown if item["status"] == WAITING],
            "attendance": [public_record(item) for item in attendance],
        }

    def mark_attendance(self, activity: Activity, signup_id: str, actor: StaffToken) -> SaveResult:
        """Record that a signed-up member attended, as staff saw it; the sign-up's attendance if it has one."""
        signup = self._records.submission(signup_id)
        if signup is None or signup["form"] != "signup" or signup["data"]["activity"] != activity.id:
            raise NotFound(signup_id)
        form = FORMS["attendance"]
        clean = {
            "activity": activity.id,
            "signup": signup_id,
            "way": "staff",
            "scanned_at": page_moment(self._clock()),
        }
        attendance_id = str(uuid.uuid4())
        item = self._store.build_item(form, attendance_id, clean)
        item["day_key"] = attendance_day_key(activity.id)
        if PERSON_KEY_ATTRIBUTE in signup:
            item[PERSON_KEY_ATTRIBUTE] = signup[PERSON_KEY_ATTRIBUTE]
        item.update({"by": actor.id, "by_name": actor.name, HOLDS: [attended_signup_pk(activity.id, signup_id)]})
        audit = self._audit.entry(actor, "activity.attend", [signup_id, attendance_id], {"activity": activity.id})
        return self._activities.write_attendance(item, [self._audit.transaction_put(audit)])
