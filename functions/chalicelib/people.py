"""One person's records, found by their mobile number through the by_person index, and their erasure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.activities import erase_actions
from chalicelib.dynamo import (
    BY_PERSON_INDEX,
    PERSON_KEY_ATTRIBUTE,
    is_cancelled_by_condition,
    service_pk,
    ticket_pk,
)
from chalicelib.followups import archive_keys, with_archived_follow_ups
from chalicelib.personkeys import PersonKeys
from chalicelib.store import TOMBSTONE, format_timestamp

# What a tombstone keeps: enough to answer a replayed submission as before, nothing personal.
TOMBSTONE_KEEPS = ("pk", "id", "form", "ticket", "expires_at")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def tombstone_of(item: dict, erased_at: str) -> dict:
    """Return the item that takes an erased submission's place: its id, form and ticket, no personal data."""
    kept = {key: item[key] for key in TOMBSTONE_KEEPS if key in item}
    return {**kept, TOMBSTONE: True, "erased_at": erased_at}


class People:
    """Finds and erases everything stored about one person in the table it is handed."""

    def __init__(self, table, person_keys: PersonKeys, clock: Callable[[], datetime] = _utc_now) -> None:
        self._table = table
        self._client = table.meta.client
        self._person_keys = person_keys
        self._clock = clock

    def find(self, mobile: str) -> list[dict]:
        """Return every live submission that carries this (normalised) mobile number, oldest first."""
        key = self._person_keys.key_of(mobile)
        query = {
            "IndexName": BY_PERSON_INDEX,
            "KeyConditionExpression": "#person = :person",
            "ExpressionAttributeNames": {"#person": PERSON_KEY_ATTRIBUTE},
            "ExpressionAttributeValues": {":person": key},
        }
        found = []
        while True:
            page = self._table.query(**query)
            for keys in page["Items"]:
                # The index lags the table a little: read each item itself, and trust only what it says.
                item = self._table.get_item(Key={"pk": keys["pk"]}, ConsistentRead=True).get("Item")
                if item is not None and TOMBSTONE not in item and item.get(PERSON_KEY_ATTRIBUTE) == key:
                    found.append(with_archived_follow_ups(self._table, item))
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def erase(self, items: list[dict]) -> list[str]:
        """Replace each submission with its tombstone (and drop a request's ticket, a report's service
        record); return their ids."""
        erased_at = format_timestamp(self._clock())
        for item in items:
            put = {
                "TableName": self._table.name,
                "Item": tombstone_of(item, erased_at),
                "ConditionExpression": "attribute_exists(pk)",
            }
            actions = [{"Put": put}]
            if "ticket" in item:
                # Without its ticket the member's status look-up answers "not found".
                actions.append({"Delete": {"TableName": self._table.name, "Key": {"pk": ticket_pk(item["ticket"])}}})
            if item.get("form") == "service":
                # A report staff confirmed counts under the report's id: erased, it counts no more.
                actions.append({"Delete": {"TableName": self._table.name, "Key": {"pk": service_pk(item["id"])}}})
            # A member's older follow-ups go with the member.
            actions += [{"Delete": {"TableName": self._table.name, "Key": key}} for key in archive_keys(item)]
            # A sign-up gives its place back; a sign-up or attendance drops the items keeping it unique.
            actions += erase_actions(self._table.name, item)
            try:
                self._client.transact_write_items(TransactItems=actions)
            except ClientError as error:
                # Gone already (its retention ran out): nothing left to erase.
                if is_cancelled_by_condition(error):
                    continue
                raise
        return [item["id"] for item in items]
