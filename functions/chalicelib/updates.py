"""Staff changes to submissions: each one a conditional update written together with its audit entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.audit import AuditLog
from chalicelib.dynamo import is_cancelled_by_condition, submission_pk
from chalicelib.errors import ChangedMeanwhile, NotFound, Refused
from chalicelib.followups import (
    ARCHIVES,
    FOLLOW_UPS,
    archive_count,
    archive_item,
    plan_follow_up,
    with_archived_follow_ups,
)
from chalicelib.records import TEAM_DECISION, StaffRecords
from chalicelib.staffinput import BranchAssignment, FollowUp, Liaison, RequestChange, TeamDecision, Transfer
from chalicelib.store import TOMBSTONE, format_timestamp
from chalicelib.tokens import StaffToken
from chalicelib.workflow import transition_problem

# A concurrent change is rare (two staff on one request): re-read and try again a few times.
MAX_ATTEMPTS = 3
_LIVE = "attribute_exists(pk) AND attribute_not_exists(#tombstone) AND #form = :form"
_NEW = "attribute_not_exists(pk)"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _by(actor: StaffToken) -> dict:
    return {"by": actor.id, "by_name": actor.name}


def _member_update(member_id: str, expression: str, names: dict, values: dict) -> dict:
    return _live_update(member_id, "registration", expression, names, values)


def _live_update(submission_id: str, form_name: str, expression: str, names: dict, values: dict) -> dict:
    # Only a live submission of the form is changed: not another form, not a tombstone.
    return {
        "Key": {"pk": submission_pk(submission_id)},
        "UpdateExpression": expression,
        "ConditionExpression": _LIVE,
        "ExpressionAttributeNames": {**names, "#tombstone": TOMBSTONE, "#form": "form"},
        "ExpressionAttributeValues": {**values, ":form": form_name},
    }


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

    def set_branch(self, member_id: str, assignment: BranchAssignment, name: str, actor: StaffToken) -> dict:
        """Assign a member to a branch (replacing any earlier one); return the member.

        The branch's name is kept as it was when assigned, so the record still reads right
        if the branch later leaves branches.yaml."""
        value = {
            "id": assignment.branch,
            "name": name,
            "note": assignment.note,
            "assigned_at": format_timestamp(self._clock()),
            **_by(actor),
        }
        return self._change_member(
            member_id,
            actor,
            "member.branch",
            "SET #branch = :branch",
            {"#branch": "branch"},
            {":branch": value},
            detail={"branch": assignment.branch},
        )

    def add_follow_up(self, member_id: str, follow_up: FollowUp, actor: StaffToken) -> dict:
        """Record one follow-up with a member, moving the oldest to an archive when the item grows large."""
        entry = {
            "date": follow_up.day.isoformat(),
            "note": follow_up.note,
            "at": format_timestamp(self._clock()),
            **_by(actor),
        }
        for _ in range(MAX_ATTEMPTS):
            member = self._table.get_item(Key={"pk": submission_pk(member_id)}, ConsistentRead=True).get("Item")
            if member is None or TOMBSTONE in member or member.get("form") != "registration":
                raise NotFound(member_id)
            if entry in member.get(FOLLOW_UPS, []):
                # Written by the attempt before, whose condition failed only on its own retry.
                return with_archived_follow_ups(self._table, member)
            kept, moved = plan_follow_up(member, entry)
            archives = archive_count(member)
            values: dict = {":kept": kept}
            # Written only over the list as it was read: a follow-up added meanwhile means planning again.
            if FOLLOW_UPS in member:
                unchanged = ["size(#follow_ups) = :seen"]
                values[":seen"] = len(member[FOLLOW_UPS])
            else:
                unchanged = ["attribute_not_exists(#follow_ups)"]
            if archives:
                unchanged.append("#archives = :archives")
                values[":archives"] = archives
            else:
                unchanged.append("attribute_not_exists(#archives)")
            expression = "SET #follow_ups = :kept"
            more = []
            if moved:
                expression += ", #archives = :next"
                values[":next"] = archives + 1
                archive = archive_item(member, archives + 1, moved)
                more.append({"Put": {"TableName": self._table.name, "Item": archive, "ConditionExpression": _NEW}})
            update = _member_update(member_id, expression, {"#follow_ups": FOLLOW_UPS, "#archives": ARCHIVES}, values)
            update["ConditionExpression"] += "".join(f" AND {part}" for part in unchanged)
            if self._write(update, self._audit.entry(actor, "member.follow_up", [member_id]), more):
                # The member as just written: the item is not read again, only the archives are.
                written = {**member, FOLLOW_UPS: kept, ARCHIVES: values.get(":next", archives)}
                return with_archived_follow_ups(self._table, written)
        raise ChangedMeanwhile(member_id)

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

    def decide_team(self, volunteer_id: str, decision: TeamDecision, actor: StaffToken) -> dict:
        """Take a volunteer into a team or decline them (a later decision replaces it); return the volunteer."""
        value = {
            "team": decision.team,
            "state": decision.decision,
            "note": decision.note,
            "at": format_timestamp(self._clock()),
            **_by(actor),
        }
        names = {"#decision": TEAM_DECISION}
        update = _live_update(volunteer_id, "volunteer", "SET #decision = :decision", names, {":decision": value})
        detail = {"team": decision.team, "decision": decision.decision}
        if not self._write(update, self._audit.entry(actor, "volunteer.team", [volunteer_id], detail)):
            raise NotFound(volunteer_id)
        return self._reload(volunteer_id)

    def _change_member(
        self,
        member_id: str,
        actor: StaffToken,
        action: str,
        expression: str,
        names: dict,
        values: dict,
        detail: dict | None = None,
    ) -> dict:
        update = _member_update(member_id, expression, names, values)
        audit = self._audit.entry(actor, action, [member_id], detail)
        if not self._write(update, audit):
            if self._records.member(member_id) is None:
                raise NotFound(member_id)
            raise ChangedMeanwhile(member_id)
        return self._reload(member_id)

    def _write(self, update: dict, audit_item: dict, more: Iterable[dict] = ()) -> bool:
        """Write the change with its audit entry; return False if the record's condition failed."""
        actions = [
            {"Update": {"TableName": self._table.name, **update}},
            *more,
            self._audit.transaction_put(audit_item),
        ]
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            # The audit entry's id is new to this change: if it is there already, this is
            # botocore retrying a transaction that went through but whose answer was lost.
            if is_cancelled_by_condition(error, len(actions) - 1):
                return True
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
