"""A member's follow-ups: the recent ones on the member's item, older ones in archive items.

DynamoDB stores at most 400 KB an item, counting names and values in UTF-8 bytes: notes of
500 four-byte characters fill a member's item at about 190 follow-ups. So when a new
follow-up would take the item over MEMBER_ITEM_BUDGET, the oldest ones move into a new
archive item (`follow-ups#<member id>#<n>`) in the same transaction that adds it, and every
read that shows a member (the member view, the person look-up, the export) puts them back.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.dynamo import follow_up_archive_pk, item_size

FOLLOW_UPS = "follow_ups"
ARCHIVES = "follow_up_archives"
# Well under 400 KB. Every change to a member rewrites (and is billed for) the whole item, a
# write unit per KB, so a smaller item is cheaper; and moto's check of an update counts the
# replaced value as well as the new one, so an item over about 200 KB could not be changed there.
MEMBER_ITEM_BUDGET = 128 * 1024
# Archiving leaves the item half full, so the next archive is many follow-ups away.
KEPT_AFTER_ARCHIVING = MEMBER_ITEM_BUDGET // 2


def archive_count(item: Mapping) -> int:
    """Return how many archive items of older follow-ups a member has."""
    return int(item.get(ARCHIVES, 0))


def plan_follow_up(member: Mapping, entry: dict) -> tuple[list[dict], list[dict]]:
    """Return (the follow-ups the member's item keeps, the new one last; those to move to a new archive)."""
    kept = [*member.get(FOLLOW_UPS, []), entry]
    if item_size({**member, FOLLOW_UPS: kept}) <= MEMBER_ITEM_BUDGET:
        return kept, []
    moved = []
    while len(kept) > 1 and item_size({**member, FOLLOW_UPS: kept}) > KEPT_AFTER_ARCHIVING:
        moved.append(kept.pop(0))
    return kept, moved


def archive_item(member: Mapping, number: int, moved: list[dict]) -> dict:
    """Return the archive item holding a member's `number`th batch of older follow-ups."""
    item = {"pk": follow_up_archive_pk(member["id"], number), "member_id": member["id"], FOLLOW_UPS: moved}
    if "expires_at" in member:
        # An archive goes when its member goes.
        item["expires_at"] = member["expires_at"]
    return item


def archive_keys(member: Mapping) -> list[dict]:
    """Return the keys of a member's archive items, oldest first."""
    return [{"pk": follow_up_archive_pk(member["id"], n)} for n in range(1, archive_count(member) + 1)]


def with_archived_follow_ups(table, item: dict) -> dict:
    """Return the item with every follow-up, oldest first, read back from its archives (if it has any)."""
    keys = archive_keys(item)
    if not keys:
        return item
    archives: dict[str, dict] = {}
    wanted = {table.name: {"Keys": keys, "ConsistentRead": True}}
    # One BatchGetItem for all of them; DynamoDB may leave some for a second call when busy.
    while wanted:
        answer = table.meta.client.batch_get_item(RequestItems=wanted)
        archives.update((archive["pk"], archive) for archive in answer["Responses"].get(table.name, []))
        wanted = answer.get("UnprocessedKeys") or {}
    archived = [entry for key in keys for entry in archives.get(key["pk"], {}).get(FOLLOW_UPS, [])]
    return {**item, FOLLOW_UPS: archived + list(item.get(FOLLOW_UPS, []))}
