"""SubmissionStore: each submission written once, by its id, to the one DynamoDB table."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from botocore.exceptions import ClientError

from chalicelib.dynamo import (
    PERSON_KEY_ATTRIBUTE,
    StoreUnavailable,
    classified_errors,
    day_key,
    error_code,
    is_cancelled_by_condition,
    is_temporary,
    submission_pk,
    ticket_pk,
)
from chalicelib.forms import FormDef
from chalicelib.personkeys import PersonKeys, mobile_of
from chalicelib.tickets import new_ticket, normalize_ticket

# Staff count and list by the office's calendar day: China has one time zone and no DST.
OFFICE_TZ = timezone(timedelta(hours=8))
_NOT_EXISTS = "attribute_not_exists(pk)"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# An erased submission leaves an item with this flag and no personal data at its key.
TOMBSTONE = "tombstone"


@dataclass(frozen=True)
class SaveResult:
    """What save() did: the id, the request's ticket if any, whether it was new, and what else
    the member is told (a sign-up's place, an attendance recorded before)."""

    id: str
    ticket: str | None
    created: bool
    detail: dict = field(default_factory=dict)


class Conflict(Exception):
    """The id is already used by a submission with other content."""


def content_hash(form_name: str, clean: dict) -> str:
    """Return the sha256 of the canonical JSON of the form name and the cleaned data."""
    canonical = json.dumps(
        {"form": form_name, "data": clean}, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def shard_of(submission_id: str, write_shards: int) -> int:
    """Return the write shard of an id: stable, and spread evenly over the shards."""
    return int(hashlib.sha256(submission_id.encode("ascii")).hexdigest(), 16) % write_shards


def format_timestamp(moment: datetime) -> str:
    """Return a UTC ISO-8601 timestamp with microseconds, which sorts as text."""
    return moment.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """Return the moment a timestamp made by format_timestamp stands for."""
    # fromisoformat reads "...Z" since Python 3.11 and is far quicker than strptime, which
    # matters when an export turns 100,000 of them into dates.
    return datetime.fromisoformat(text).astimezone(UTC)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SubmissionStore:
    """Submissions, request tickets and their status, in the table it is handed."""

    def __init__(
        self,
        table,
        write_shards: int = 8,
        *,
        clock: Callable[[], datetime] = _utc_now,
        make_ticket: Callable[[], str] = new_ticket,
        max_attempts: int = 5,
        person_keys: PersonKeys | None = None,
    ) -> None:
        if write_shards < 1:
            raise ValueError("write_shards must be at least 1")
        self._table = table
        self._write_shards = write_shards
        self._clock = clock
        self._make_ticket = make_ticket
        self._max_attempts = max_attempts
        self._person_keys = person_keys

    def save(self, form: FormDef, submission_id: str, clean: dict) -> SaveResult:
        """Store a validated submission once; a repeat with the same content is not an error."""
        with classified_errors():
            item = self.build_item(form, submission_id, clean)
            if form.issues_ticket:
                return self._save_with_ticket(item)
            try:
                self._table.put_item(Item=item, ConditionExpression=_NOT_EXISTS)
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                return self.stored_result(item)
            return SaveResult(submission_id, None, True)

    def get_request_status(self, ticket: str) -> dict | None:
        """Return a request's ticket, status, reply and updated_at (no personal data), or None."""
        canonical = normalize_ticket(ticket)
        if canonical is None:
            return None
        with classified_errors():
            pointer = self._table.get_item(Key={"pk": ticket_pk(canonical)}).get("Item")
            if pointer is None:
                return None
            request = self._table.get_item(
                Key={"pk": submission_pk(pointer["submission_id"])},
                ProjectionExpression="#status, #reply, #updated_at, #tombstone",
                ExpressionAttributeNames={
                    "#status": "status",
                    "#reply": "reply",
                    "#updated_at": "updated_at",
                    "#tombstone": TOMBSTONE,
                },
            ).get("Item")
        if request is None or TOMBSTONE in request:
            return None
        # To the member a reopened request is simply being handled again.
        status = "in_progress" if request["status"] == "reopened" else request["status"]
        return {
            "ticket": canonical,
            "status": status,
            "reply": request["reply"],
            "updated_at": request["updated_at"],
        }

    def is_registered(self, member_id: str) -> bool:
        """Return True if a registration is stored under this id and was not erased."""
        with classified_errors():
            item = self._table.get_item(
                Key={"pk": submission_pk(member_id)},
                ProjectionExpression="#form, #tombstone",
                ExpressionAttributeNames={"#form": "form", "#tombstone": TOMBSTONE},
                # The page links study marks to a registration the moment it is confirmed.
                ConsistentRead=True,
            ).get("Item")
        return item is not None and item["form"] == "registration" and TOMBSTONE not in item

    def build_item(self, form: FormDef, submission_id: str, clean: dict) -> dict:
        """Return the item save() writes for a submission made now (without a request's ticket)."""
        now = self._clock()
        created_at = format_timestamp(now)
        shard = shard_of(submission_id, self._write_shards)
        office_day = now.astimezone(OFFICE_TZ).date()
        item = {
            "pk": submission_pk(submission_id),
            "id": submission_id,
            "form": form.name,
            "data": clean,
            "content_hash": content_hash(form.name, clean),
            "created_at": created_at,
            "shard": shard,
            "write_shards": self._write_shards,
            "day_key": day_key(form.name, office_day, shard),
            "day_sk": f"{created_at}#{submission_id}",
        }
        mobile = mobile_of(form, clean)
        if mobile is not None and self._person_keys is not None:
            # A keyed hash, never the number itself, is what the by_person index is keyed on.
            item[PERSON_KEY_ATTRIBUTE] = self._person_keys.key_of(mobile)
        if form.retention_days is not None:
            # DynamoDB's TTL deletes the item once the promised retention is over.
            item["expires_at"] = int(now.timestamp()) + form.retention_days * 86400
        return item

    def _save_with_ticket(self, item: dict) -> SaveResult:
        submission_id = item["id"]
        for attempt in range(self._max_attempts):
            ticket = self._make_ticket()
            request = {**item, "ticket": ticket, "status": "new", "reply": "", "updated_at": item["created_at"]}
            pointer = {"pk": ticket_pk(ticket), "submission_id": submission_id, "created_at": item["created_at"]}
            if "expires_at" in item:
                pointer["expires_at"] = item["expires_at"]
            try:
                self._table.meta.client.transact_write_items(
                    TransactItems=[
                        {"Put": self._conditional_put(request)},
                        {"Put": self._conditional_put(pointer)},
                    ]
                )
            except ClientError as error:
                if is_cancelled_by_condition(error, 0):
                    return self.stored_result(item)
                if is_cancelled_by_condition(error, 1):
                    # The ticket is taken: draw another.
                    continue
                if error_code(error) == "TransactionCanceledException" and is_temporary(error):
                    # Usually a concurrent retry of this same submission: let it finish.
                    time.sleep(0.05 * 2**attempt)
                    continue
                raise
            return SaveResult(submission_id, ticket, True)
        raise StoreUnavailable(f"no ticket written for {submission_id} after {self._max_attempts} attempts")

    def _conditional_put(self, item: dict) -> dict:
        return {
            "TableName": self._table.name,
            # The table's own client takes and returns plain Python values, as the table does.
            "Item": item,
            "ConditionExpression": _NOT_EXISTS,
        }

    def stored_result(self, item: dict, detail: Callable[[dict], dict] | None = None) -> SaveResult:
        """Answer a submission whose id is stored already: the same content (or erased) is a
        repeat, with `detail` of the stored item; other content is a Conflict."""
        stored = self._table.get_item(Key={"pk": item["pk"]}, ConsistentRead=True).get("Item")
        if stored is None:
            # The condition saw an item that a consistent read no longer finds: let the client retry.
            raise StoreUnavailable(f"{item['pk']} vanished between write and read")
        if TOMBSTONE in stored:
            # The person asked for erasure; a replay from their phone is answered, not stored.
            return SaveResult(item["id"], stored.get("ticket"), False)
        if stored["content_hash"] != item["content_hash"]:
            raise Conflict(item["id"])
        return SaveResult(item["id"], stored.get("ticket"), False, detail(stored) if detail else {})
