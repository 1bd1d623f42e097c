"""The audit log: who did what to which records, and when, for every staff read of personal data or change."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime

from botocore.exceptions import ClientError

from chalicelib.dayindex import DayIndex, Position
from chalicelib.dynamo import audit_pk, day_key, error_code
from chalicelib.jsonable import plain
from chalicelib.store import OFFICE_TZ, format_timestamp
from chalicelib.tokens import StaffToken

AUDIT_PREFIX = "audit"
# Staff actions are few: one index partition per office day holds them all.
AUDIT_SHARDS = 1
# Ids of records, not their content: a page of a list or one person's records fits well.
MAX_RECORDS = 200


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AuditLog:
    """Audit entries in the table it is handed (`pk = audit#<id>`), listed through the by_day index."""

    def __init__(self, table, clock: Callable[[], datetime] = _utc_now, day_index: DayIndex | None = None) -> None:
        self._table = table
        self._clock = clock
        self._day_index = day_index or DayIndex(table)

    def entry(
        self,
        actor: StaffToken,
        action: str,
        records: Iterable[str],
        detail: Mapping[str, object] | None = None,
        entry_id: str | None = None,
    ) -> dict:
        """Return the item recording one action (written alone, or in a transaction with the change);
        `entry_id` when the action has an id of its own, so that doing it again records it once."""
        now = self._clock()
        entry_id = entry_id or uuid.uuid4().hex
        at = format_timestamp(now)
        records = list(records)
        return {
            "pk": audit_pk(entry_id),
            "at": at,
            "by": actor.id,
            "by_name": actor.name,
            "role": actor.role,
            "action": action,
            "records": records[:MAX_RECORDS],
            "record_count": len(records),
            "detail": dict(detail or {}),
            "day_key": day_key(AUDIT_PREFIX, now.astimezone(OFFICE_TZ).date(), 0),
            "day_sk": f"{at}#{entry_id}",
        }

    def record(
        self,
        actor: StaffToken,
        action: str,
        records: Iterable[str],
        detail: Mapping[str, object] | None = None,
        entry_id: str | None = None,
    ) -> dict:
        """Write one entry now (once, whatever its `entry_id` says); return it."""
        item = self.entry(actor, action, records, detail, entry_id)
        try:
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            # The entry is there already: botocore is retrying a put whose answer was lost, or the
            # action (an export job) is asked for again.
            if error_code(error) != "ConditionalCheckFailedException":
                raise
        return item

    def transaction_put(self, item: dict) -> dict:
        """Return a TransactWriteItems element that writes this entry."""
        return {"Put": {"TableName": self._table.name, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def token_put(self, actor: StaffToken, action: str) -> Callable[[StaffToken], dict]:
        """Return what makes the TransactWriteItems element recording an action on a staff token:
        its id, name, role and stations, never its secret."""

        def put(token: StaffToken) -> dict:
            detail = {"name": token.name, "role": token.role, "stations": ",".join(token.stations)}
            return self.transaction_put(self.entry(actor, action, [token.id], detail))

        return put

    def page(
        self, day_from: date, day_to: date, limit: int, after: Position | None = None
    ) -> tuple[list[dict], Position | None]:
        """Return entries of the office days, newest first, and where the next page starts."""
        items, position = self._day_index.newest(AUDIT_PREFIX, day_from, day_to, AUDIT_SHARDS, limit, after)
        return [public_entry(item) for item in items], position


def public_entry(item: Mapping) -> dict:
    """Return an audit entry as the API shows it."""
    return {
        "at": item["at"],
        "by": item["by"],
        "by_name": item["by_name"],
        "role": item["role"],
        "action": item["action"],
        "records": list(item.get("records", [])),
        "record_count": int(item.get("record_count", 0)),
        "detail": plain(item.get("detail", {})),
    }
