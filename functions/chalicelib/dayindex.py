"""Reads of the by_day index: one Query per office day and shard, run side by side, never a Scan."""

from __future__ import annotations

import heapq
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta

from chalicelib.bulkclient import bulk_client_like, from_wire, to_wire
from chalicelib.dynamo import BY_DAY_INDEX, day_key


@dataclass(frozen=True)
class Filter:
    """A DynamoDB FilterExpression with its placeholder names and values."""

    expression: str
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Position:
    """Where a read stopped: the office day and the last day_sk it returned (a newest-first
    page goes on below it, an oldest-first stream above it)."""

    day: date
    before: str


def combine(filters: Iterable[Filter | None]) -> Filter | None:
    """Return one filter that holds when all the given ones hold (None when there are none)."""
    present = [f for f in filters if f is not None]
    if not present:
        return None
    if len(present) == 1:
        # DynamoDB refuses redundant parentheses, as a filter combined twice would have.
        return present[0]
    return Filter(
        " AND ".join(f"({f.expression})" for f in present),
        {name: value for f in present for name, value in f.names.items()},
        {name: value for f in present for name, value in f.values.items()},
    )


def position_of(item: Mapping) -> Position:
    """Return where an item read from the index stands: its office day (from its day_key) and day_sk."""
    _, day, _ = item["day_key"].rsplit("#", 2)
    return Position(date.fromisoformat(day), item["day_sk"])


def days_between(day_from: date, day_to: date) -> list[date]:
    """Return every day from day_from to day_to, both included (none if they are reversed)."""
    return [day_from + timedelta(days=n) for n in range((day_to - day_from).days + 1)]


class DayIndex:
    """Queries the by_day index of the table it is handed, several at once on worker threads."""

    def __init__(self, table, *, workers: int = 8, page_size: int | None = None) -> None:
        # Reads here may be of a hundred thousand items: they go through a client that leaves
        # items as DynamoDB sends them, made on the first read (most staff requests never list
        # anything) and shared by the worker threads. Expressions are passed as strings, never
        # boto3 condition objects, whose shared builder is not safe to use from several threads.
        self._table_client = table.meta.client
        self._bulk = None
        self._bulk_lock = threading.Lock()
        self._table_name = table.name
        self._workers = workers
        # None: as many items as DynamoDB puts in one answer (up to 1 MB), the fewest round trips.
        self._page_size = page_size

    def gather(
        self,
        prefix: str,
        day_from: date,
        day_to: date,
        shards: int,
        projection: Iterable[str] = (),
        where: Filter | None = None,
    ) -> Iterator[dict]:
        """Yield every item of the days and shards, in no particular order (for counting)."""
        keys = [day_key(prefix, day, shard) for day in days_between(day_from, day_to) for shard in range(shards)]
        if not keys:
            return
        with ThreadPoolExecutor(max_workers=min(self._workers, len(keys))) as pool:
            requests = [self._params(key, True, self._page_size, projection, where) for key in keys]
            for items in pool.map(self._all_pages, requests):
                yield from items

    def stream(
        self,
        prefix: str,
        day_from: date,
        day_to: date,
        shards: int,
        where: Filter | None = None,
        after: Position | None = None,
    ):
        """Yield whole items oldest first, holding only a page or two per shard in memory; from
        just after `after` (see position_of) when given, so a long read can stop and go on."""
        first = max(day_from, after.day) if after else day_from
        with ThreadPoolExecutor(max_workers=max(1, min(self._workers, shards * 2))) as pool:
            for day in days_between(first, day_to):
                since = after.before if after and after.day == day else None
                runs = [
                    self._prefetched(
                        pool,
                        self._params(day_key(prefix, day, shard), True, self._page_size, (), where, since=since),
                    )
                    for shard in range(shards)
                ]
                # Each shard's pages come sorted by day_sk; merging keeps the day in order.
                yield from heapq.merge(*runs, key=lambda item: item["day_sk"])

    def newest(
        self,
        prefix: str,
        day_from: date,
        day_to: date,
        shards: int,
        limit: int,
        after: Position | None = None,
        where: Filter | None = None,
    ) -> tuple[list[dict], Position | None]:
        """Return up to `limit` items newest first, and where the next page starts (None at the end)."""
        found: list[dict] = []
        day = min(after.day, day_to) if after else day_to
        with ThreadPoolExecutor(max_workers=max(1, min(self._workers, shards))) as pool:
            while day >= day_from and len(found) < limit:
                before = after.before if after and after.day == day else None
                need = limit - len(found)
                requests = [
                    (self._params(day_key(prefix, day, shard), False, max(need, 100), (), where, before), need)
                    for shard in range(shards)
                ]
                runs = pool.map(lambda request: self._first_matches(*request), requests)
                merged = heapq.merge(*runs, key=lambda item: item["day_sk"], reverse=True)
                found += [item for _, item in zip(range(need), merged, strict=False)]
                if len(found) < limit:
                    day -= timedelta(days=1)
        if len(found) < limit or not found:
            return found, None
        return found, Position(day, found[-1]["day_sk"])

    def under(self, key: str) -> list[dict]:
        """Return every item under one by_day key of its own (an activity's sign-ups, say), oldest first."""
        return self._all_pages(self._params(key, True, self._page_size, (), None))

    def _params(
        self,
        key: str,
        forward: bool,
        limit: int | None,
        projection: Iterable[str],
        where: Filter | None,
        before: str | None = None,
        since: str | None = None,
    ) -> dict:
        names = {"#day_key": "day_key"}
        values: dict[str, object] = {":day_key": key}
        condition = "#day_key = :day_key"
        if before is not None:
            condition += " AND #day_sk < :before"
            names["#day_sk"] = "day_sk"
            values[":before"] = before
        if since is not None:
            condition += " AND #day_sk > :since"
            names["#day_sk"] = "day_sk"
            values[":since"] = since
        params: dict = {
            "TableName": self._table_name,
            "IndexName": BY_DAY_INDEX,
            "KeyConditionExpression": condition,
            "ScanIndexForward": forward,
        }
        if limit is not None:
            params["Limit"] = limit
        paths = []
        for number, path in enumerate(projection):
            parts = []
            for part_number, part in enumerate(path.split(".")):
                placeholder = f"#p{number}_{part_number}"
                names[placeholder] = part
                parts.append(placeholder)
            paths.append(".".join(parts))
        if paths:
            params["ProjectionExpression"] = ", ".join(paths)
        if where is not None:
            params["FilterExpression"] = where.expression
            names.update(where.names)
            values.update(where.values)
        params["ExpressionAttributeNames"] = names
        params["ExpressionAttributeValues"] = to_wire(values)
        return params

    def _bulk_client(self):
        with self._bulk_lock:
            if self._bulk is None:
                self._bulk = bulk_client_like(self._table_client)
            return self._bulk

    def _query(self, params: dict) -> tuple[list[dict], dict | None]:
        """Return one page's items as plain values, and the key to go on from (None at the end)."""
        page = self._bulk_client().query(**params)
        # The key stays as DynamoDB sent it: it goes straight back as ExclusiveStartKey.
        return [from_wire(item) for item in page["Items"]], page.get("LastEvaluatedKey")

    def _all_pages(self, params: dict) -> list[dict]:
        items: list[dict] = []
        while True:
            page, last_key = self._query(params)
            items += page
            if last_key is None:
                return items
            params = {**params, "ExclusiveStartKey": last_key}

    def _first_matches(self, params: dict, need: int) -> list[dict]:
        # A filter applies after Limit: keep reading until enough items match or the shard ends.
        items: list[dict] = []
        while len(items) < need:
            page, last_key = self._query(params)
            items += page
            if last_key is None:
                break
            params = {**params, "ExclusiveStartKey": last_key}
        return items[:need]

    def _prefetched(self, pool: ThreadPoolExecutor, params: dict) -> Iterator[dict]:
        # The first page is asked for now, so every shard's first page loads side by side.
        first = pool.submit(self._query, params)
        return self._pages(pool, params, first)

    def _pages(self, pool: ThreadPoolExecutor, params: dict, pending: Future | None) -> Iterator[dict]:
        while pending is not None:
            page, last_key = pending.result()
            pending = None
            if last_key is not None:
                # The next page loads while this one is being written out.
                pending = pool.submit(self._query, {**params, "ExclusiveStartKey": last_key})
            yield from page
