"""Staff reads of submissions: pages of a form's records, a request by ticket, a member by id."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date

from chalicelib.activities import HOLDS
from chalicelib.dayindex import DayIndex, Filter, Position, combine
from chalicelib.dynamo import PERSON_KEY_ATTRIBUTE, submission_pk, ticket_pk
from chalicelib.followups import ARCHIVES, with_archived_follow_ups
from chalicelib.forms import FormDef, parse_submission_id
from chalicelib.jsonable import plain
from chalicelib.store import TOMBSTONE
from chalicelib.tickets import normalize_ticket

# Where a volunteer's decision (team, approved or declined, by whom) is kept on their item.
TEAM_DECISION = "team_decision"
# Keys and bookkeeping that say nothing to staff.
INTERNAL_ATTRIBUTES = frozenset(
    {"pk", "day_key", "day_sk", "shard", "write_shards", "content_hash", PERSON_KEY_ATTRIBUTE, ARCHIVES, HOLDS}
)


def public_record(item: Mapping) -> dict:
    """Return a stored submission as the staff API shows it (no keys, numbers as numbers)."""
    return {key: plain(value) for key, value in item.items() if key not in INTERNAL_ATTRIBUTES}


def canonical_id(text: str) -> str | None:
    """Return a submission id in the form it is stored under, or None if it cannot be one."""
    canonical, problem = parse_submission_id(text, required=True)
    return None if problem else canonical


def record_filter(
    station: str | None, status: str | None, scope: tuple[str, ...] | None, branch: str | None = None
) -> Filter | None:
    """Return the filter for one station (or the stations of a scope), a request status and a member's branch."""
    names = {"#f_data": "data", "#f_station": "station"}
    parts: list[Filter | None] = []
    if station is not None:
        parts.append(Filter("#f_data.#f_station = :f_station", names, {":f_station": station}))
    elif scope is not None:
        placeholders = {f":f_scope{n}": value for n, value in enumerate(scope)}
        parts.append(Filter(f"#f_data.#f_station IN ({', '.join(placeholders)})", names, placeholders))
    if status is not None:
        parts.append(Filter("#f_status = :f_status", {"#f_status": "status"}, {":f_status": status}))
    if branch is not None:
        names = {"#f_branch": "branch", "#f_branch_id": "id"}
        parts.append(Filter("#f_branch.#f_branch_id = :f_branch", names, {":f_branch": branch}))
    return combine(parts)


def team_filter(team: str | None, approval: str | None) -> Filter | None:
    """Return the filter of volunteers by team (the one decided, else the one asked for) and approval."""
    names = {"#f_decision": TEAM_DECISION}
    parts: list[Filter | None] = []
    if team is not None:
        decided = "#f_decision.#f_team = :f_team"
        asked = "(attribute_not_exists(#f_decision) AND #f_data.#f_team = :f_team)"
        team_names = {**names, "#f_team": "team", "#f_data": "data"}
        parts.append(Filter(f"{decided} OR {asked}", team_names, {":f_team": team}))
    if approval == "pending":
        parts.append(Filter("attribute_not_exists(#f_decision)", names))
    elif approval is not None:
        state_names = {**names, "#f_state": "state"}
        parts.append(Filter("#f_decision.#f_state = :f_state", state_names, {":f_state": approval}))
    return combine(parts)


class StaffRecords:
    """Reads submissions from the table it is handed, through its indexes and by key."""

    def __init__(self, table, write_shards: int = 8, day_index: DayIndex | None = None) -> None:
        self._table = table
        self._write_shards = write_shards
        self._day_index = day_index or DayIndex(table)

    def page(
        self,
        form: FormDef,
        day_from: date,
        day_to: date,
        limit: int,
        after: Position | None = None,
        where: Filter | None = None,
    ) -> tuple[list[dict], Position | None]:
        """Return a page of the form's records, newest first, and where the next one starts."""
        return self._day_index.newest(form.name, day_from, day_to, self._write_shards, limit, after, where)

    def stream(
        self, form: FormDef, day_from: date, day_to: date, where: Filter | None = None, after: Position | None = None
    ) -> Iterator[dict]:
        """Yield the form's records of the office days, oldest first, a page at a time (with every
        follow-up); only those after `after` when given."""
        for item in self._day_index.stream(form.name, day_from, day_to, self._write_shards, where, after):
            yield with_archived_follow_ups(self._table, item)

    def submission(self, submission_id: str) -> dict | None:
        """Return a stored submission by id, a member with every follow-up (None if none, or erased)."""
        item = self._table.get_item(Key={"pk": submission_pk(submission_id)}, ConsistentRead=True).get("Item")
        return None if item is None or TOMBSTONE in item else with_archived_follow_ups(self._table, item)

    def request(self, ticket: str) -> dict | None:
        """Return the request with this ticket, or None."""
        canonical = normalize_ticket(ticket)
        if canonical is None:
            return None
        pointer = self._table.get_item(Key={"pk": ticket_pk(canonical)}, ConsistentRead=True).get("Item")
        if pointer is None:
            return None
        item = self.submission(pointer["submission_id"])
        return item if item is not None and item["form"] == "request" else None

    def member(self, member_id: str) -> dict | None:
        """Return the registration with this id, or None."""
        canonical = canonical_id(member_id)
        if canonical is None:
            return None
        item = self.submission(canonical)
        return item if item is not None and item["form"] == "registration" else None
