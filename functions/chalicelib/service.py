"""Volunteer service records: staff record a team's service, confirm or reject members' reports, add them up.

A confirmed record is an item of its own (`pk = service#<id>`), listed by team under the by_day
index's key `service#<team>` and sorted by the day of service, so a team's records and the
totals are one Query per team, never a Scan. A member's report stays a submission of the form
`service`; confirming it writes its record under the report's own id, so erasing the member
deletes that record too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

from botocore.exceptions import ClientError

from chalicelib.audit import AuditLog
from chalicelib.dynamo import BY_DAY_INDEX, is_cancelled_by_condition, service_pk, submission_pk, team_service_day_key
from chalicelib.errors import NotFound, Refused
from chalicelib.jsonable import plain
from chalicelib.records import StaffRecords
from chalicelib.staffinput import Review, ServicePiece
from chalicelib.store import TOMBSTONE, format_timestamp
from chalicelib.tokens import StaffToken

REVIEW = "review"
REVIEWED_MESSAGE = "这条上报已经核实过了，请刷新后查看"
# What a record shows staff: its keys and index attributes say nothing.
_HIDDEN = frozenset({"pk", "day_key", "day_sk"})
_COUNTED = ("times", "hours", "people")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def public_service(item: Mapping) -> dict:
    """Return a service record as the staff API shows it."""
    return {key: plain(value) for key, value in item.items() if key not in _HIDDEN}


def reported_piece(report: Mapping) -> ServicePiece:
    """Return the piece of service a member's stored report describes (its values were checked when sent)."""
    data = report["data"]
    return ServicePiece(
        str(data["team"]),
        date.fromisoformat(str(data["date"])),
        str(data["what"]),
        int(str(data["times"])),
        Decimal(str(data["hours"])),
        int(str(data["people"])),
    )


class ServiceRecords:
    """Service records in the table it is handed; every change written with its audit entry, atomically."""

    def __init__(self, table, records: StaffRecords, audit: AuditLog, clock: Callable[[], datetime] = _utc_now) -> None:
        self._table = table
        self._client = table.meta.client
        self._records = records
        self._audit = audit
        self._clock = clock

    def record(self, piece: ServicePiece, actor: StaffToken) -> dict:
        """Write a piece of service staff recorded; return the record."""
        item = self._item(str(uuid.uuid4()), piece, actor, {"source": "staff"})
        audit = self._audit.entry(actor, "service.record", [item["id"]], {"team": piece.team})
        self._client.transact_write_items(TransactItems=[self._put(item), self._audit.transaction_put(audit)])
        return public_service(item)

    def review(self, report_id: str, review: Review, actor: StaffToken) -> dict:
        """Confirm a member's report (its record then counts) or reject it, once; return the report."""
        report = self._records.submission(report_id)
        if report is None or report["form"] != "service":
            raise NotFound(report_id)
        if REVIEW in report:
            raise Refused("decision", REVIEWED_MESSAGE)
        value = {"state": review.decision, "note": review.note, "at": format_timestamp(self._clock())}
        value.update(by=actor.id, by_name=actor.name)
        update = {
            "Update": {
                "TableName": self._table.name,
                "Key": {"pk": submission_pk(report_id)},
                "UpdateExpression": "SET #review = :review",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(#tombstone) "
                "AND attribute_not_exists(#review)",
                "ExpressionAttributeNames": {"#review": REVIEW, "#tombstone": TOMBSTONE},
                "ExpressionAttributeValues": {":review": value},
            }
        }
        actions = [update]
        if review.decision == "confirmed":
            piece = reported_piece(report)
            actions.append(self._put(self._item(report_id, piece, actor, {"source": "report", "report": report_id})))
        detail = {"team": str(report["data"]["team"]), "decision": review.decision}
        actions.append(self._audit.transaction_put(self._audit.entry(actor, "service.review", [report_id], detail)))
        try:
            self._client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if is_cancelled_by_condition(error):
                raise Refused("decision", REVIEWED_MESSAGE) from error
            raise
        reviewed = self._records.submission(report_id)
        if reviewed is None:
            raise NotFound(report_id)
        return reviewed

    def team_records(self, team: str, day_from: date, day_to: date) -> list[dict]:
        """Return a team's confirmed records whose day of service is in the period, oldest first."""
        return [public_service(item) for item in self._query(team, day_from, day_to)]

    def totals(self, teams: Mapping[str, str], day_from: date, day_to: date) -> dict:
        """Return, per team and in all, the confirmed records of the period: records, times or trips,
        hours and person-times."""
        rows = []
        for team, name in teams.items():
            row: dict = {"team": team, "name": name, "records": 0, "times": 0, "hours": Decimal(0), "people": 0}
            for item in self._query(team, day_from, day_to, projection=_COUNTED):
                row["records"] += 1
                for counted in _COUNTED:
                    row[counted] += item[counted]
            rows.append(row)
        total = {key: sum((row[key] for row in rows), Decimal(0)) for key in ("records", *_COUNTED)}
        return plain({"from": day_from.isoformat(), "to": day_to.isoformat(), "teams": rows, "total": total})

    def _query(self, team: str, day_from: date, day_to: date, projection: tuple[str, ...] = ()):
        query: dict = {
            "IndexName": BY_DAY_INDEX,
            "KeyConditionExpression": "day_key = :key AND day_sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": {
                ":key": team_service_day_key(team),
                ":first": day_from.isoformat(),
                # Sort keys start with the day of service: "~" sorts after every "#...".
                ":last": f"{day_to.isoformat()}~",
            },
        }
        if projection:
            query["ProjectionExpression"] = ", ".join(f"#{name}" for name in projection)
            query["ExpressionAttributeNames"] = {f"#{name}": name for name in projection}
        while True:
            page = self._table.query(**query)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _item(self, record_id: str, piece: ServicePiece, actor: StaffToken, more: dict) -> dict:
        created_at = format_timestamp(self._clock())
        day = piece.day.isoformat()
        return {
            "pk": service_pk(record_id),
            "id": record_id,
            "team": piece.team,
            "date": day,
            "what": piece.what,
            "times": piece.times,
            "hours": piece.hours,
            "people": piece.people,
            **more,
            "created_at": created_at,
            "by": actor.id,
            "by_name": actor.name,
            "day_key": team_service_day_key(piece.team),
            "day_sk": f"{day}#{created_at}#{record_id}",
        }

    def _put(self, item: dict) -> dict:
        return {"Put": {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
