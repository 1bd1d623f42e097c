"""Staff changes to submissions: each one a conditional update written together with its audit entry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.audit import AuditLog
from chalicelib.dynamo import is_cancelled_by_condition, submission_pk
from chalicelib.records import StaffRecords
from chalicelib.staffinput import FollowUp, Liaison, RequestChange, Transfer
from chalicelib.store import TOMBSTONE, format_timestamp
from chalicelib.tokens import StaffToken
from chalicelib.workflow import transition_problem

MAX_FOLLOW_UPS = 200
# A concurrent change is rare (two staff on one request): re-read and try again a few times.
MAX_ATTEMPTS = 3
_LIVE = "attribute_exists(pk) AND attribute_not_exists(#tombstone) AND #form = :form"


class NotFound(Exception):
    """There is no such request or member (or it was erased meanwhile)."""


class Refused(Exception):
    """The change does not fit the record as it is now; the message says why, by field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ChangedMeanwhile(Exception):
    """Someone else kept changing the record; nothing was written."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _by(actor: StaffToken) -> dict:
    return {"by": actor.id, "by_name": actor.name}


class RecordUpdates:
    """Changes requests and members in the table it is handed, each with its audit entry, atomically."""

    def __init__(self, table, records: StaffRecords, audit: AuditLog, clock: Callable[[], datetime] = _utc_now) -> None:
        self._table = table
        self._client = table.meta.client
        self._records = records
        self._audit = audit
        self._clock = clock

    def update_request(self, item: dict, change: RequestChange, actor: StaffToken) -> dict:
        """Change a request's status, reply or note; return it as stored now."""
        for _ in range(MAX_ATTEMPTS):
            current = item["status"]
            if change.status is not None:
                problem = transition_problem(current, change.status)
                if problem:
                    raise Refused("status", problem)
            now = format_timestamp(self._clock())
            sets, names, values, changed = [], {"#status": "status"}, {":current": current}, []
            if change.status is not None and change.status != current:
                entry = {"at": now, "from": current, "to": change.status, **_by(actor)}
                sets += ["#status = :to", "#history = list_append(if_not_exists(#history, :empty), :entry)"]
                names["#history"] = "history"
                values.update({":to": change.status, ":empty": [], ":entry": [entry]})
                changed.append("status")
            for name in ("reply", "note"):
                value = getattr(change, name)
                if value is not None and value != item.get(name, ""):
                    sets.append(f"#{name} = :{name}")
                    names[f"#{name}"] = name
                    values[f":{name}"] = value
                    changed.append(name)
            if not changed:
                return item
            if "status" in changed or "reply" in changed:
                # The member's look-up shows when their request last moved.
                sets.append("#updated_at = :now")
                names["#updated_at"] = "updated_at"
                values[":now"] = now
            detail = {"ticket": item["ticket"], "changed": ",".join(changed)}
            if "status" in changed:
                detail["status"] = f"{current}->{change.status}"
            update = {
                "Key": {"pk": item["pk"]},
                "UpdateExpression": "SET " + ", ".join(sets),
                "ConditionExpression": f"{_LIVE} AND #status = :current",
                "ExpressionAttributeNames": {**names, "#tombstone": TOMBSTONE, "#form": "form"},
                "ExpressionAttributeValues": {**values, ":form": "request"},
            }
            audit = self._audit.entry(actor, "request.update", [item["id"]], detail)
            if self._write(update, audit):
                return self._reload(item["id"])
            item = self._reload(item["id"])
        raise ChangedMeanwhile(item["id"])

    def set_liaison(self, member_id: str, liaison: Liaison, actor: StaffToken) -> dict:
        """Pair a member with a liaison (replacing any earlier one); return the member."""
        value = {
            "name": liaison.name,
            "note": liaison.note,
            "assigned_at": format_timestamp(self._clock()),
            **_by(actor),
        }
        if liaison.mobile:
            value["mobile"] = liaison.mobile
        return self._change_member(
            member_id, actor, "member.liaison", "SET #liaison = :liaison", {"#liaison": "liaison"}, {":liaison": value}
        )

    def add_follow_up(self, member_id: str, follow_up: FollowUp, actor: StaffToken) -> dict:
        """Record one follow-up with a member; return the member."""
        entry = {
            "date": follow_up.day.isoformat(),
            "note": follow_up.note,
            "at": format_timestamp(self._clock()),
            **_by(actor),
        }
        return self._change_member(
            member_id,
            actor,
            "member.follow_up",
            "SET #follow_ups = list_append(if_not_exists(#follow_ups, :empty), :entry)",
            {"#follow_ups": "follow_ups"},
            {":empty": [], ":entry": [entry], ":max": MAX_FOLLOW_UPS},
            # An item holds at most 400 KB: the list is capped well below that.
            extra_condition="(attribute_not_exists(#follow_ups) OR size(#follow_ups) < :max)",
        )

    def set_transfer(self, member_id: str, transfer: Transfer, actor: StaffToken) -> dict:
        """Set where the member's membership transfer stands; return the member."""
        value = {"state": transfer.state, "note": transfer.note, "updated_at": format_timestamp(self._clock())}
        value.update(_by(actor))
        return self._change_member(
            member_id,
            actor,
            "member.transfer",
            "SET #transfer = :transfer",
            {"#transfer": "transfer"},
            {":transfer": value},
            detail={"state": transfer.state},
        )

    def _change_member(
        self,
        member_id: str,
        actor: StaffToken,
        action: str,
        expression: str,
        names: dict,
        values: dict,
        extra_condition: str | None = None,
        detail: dict | None = None,
    ) -> dict:
        condition = _LIVE if extra_condition is None else f"{_LIVE} AND {extra_condition}"
        update = {
            "Key": {"pk": submission_pk(member_id)},
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {**names, "#tombstone": TOMBSTONE, "#form": "form"},
            "ExpressionAttributeValues": {**values, ":form": "registration"},
        }
        audit = self._audit.entry(actor, action, [member_id], detail)
        if not self._write(update, audit):
            if self._records.member(member_id) is None:
                raise NotFound(member_id)
            if extra_condition is not None:
                raise Refused("note", f"跟进记录已满{MAX_FOLLOW_UPS}条，请联系管理员")
            raise ChangedMeanwhile(member_id)
        return self._reload(member_id)

    def _write(self, update: dict, audit_item: dict) -> bool:
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self._table.name, **update}},
                    self._audit.transaction_put(audit_item),
                ]
            )
        except ClientError as error:
            if is_cancelled_by_condition(error):
                return False
            # Another transaction on the same item, throttling, or a refusal: the caller's
            # classified_errors() says which.
            raise
        return True

    def _reload(self, submission_id: str) -> dict:
        item = self._records.submission(submission_id)
        if item is None:
            raise NotFound(submission_id)
        return item
