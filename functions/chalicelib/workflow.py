"""How a request moves from new to resolved (and back), and a member's membership-transfer states."""

from __future__ import annotations

STATUS_LABELS = {"new": "新提交", "in_progress": "处理中", "resolved": "已解决", "reopened": "重新打开"}
STATUSES = tuple(STATUS_LABELS)
# Where a request may go from each status. Staying put is always allowed (only the reply
# or note changes). A resolved request is reopened, never silently moved back.
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "resolved"}),
    "in_progress": frozenset({"resolved"}),
    "resolved": frozenset({"reopened"}),
    "reopened": frozenset({"in_progress", "resolved"}),
}
TRANSFER_LABELS = {"not_started": "未开始", "in_progress": "办理中", "done": "已完成"}
TRANSFER_STATES = tuple(TRANSFER_LABELS)


def transition_problem(current: str, wanted: str) -> str | None:
    """Return why a request cannot go from `current` to `wanted`, or None if it can."""
    if wanted == current or wanted in TRANSITIONS.get(current, frozenset()):
        return None
    allowed = "、".join(STATUS_LABELS[status] for status in STATUSES if status in TRANSITIONS.get(current, ()))
    return f"“{STATUS_LABELS.get(current, current)}”的诉求只能改为：{allowed}"


def resolved_at(history: list[dict]) -> str | None:
    """Return when a request was last resolved, from its status history (None if never)."""
    moments = [entry["at"] for entry in history if entry.get("to") == "resolved"]
    return max(moments) if moments else None
