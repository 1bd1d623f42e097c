"""Whether a submission's references exist: the station, lesson, activity and registration it names."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from chalicelib.contentids import ContentIds
from chalicelib.forms import FormDef, field_messages, parse_submission_id


def unknown_references(
    form: FormDef, clean: Mapping[str, object], content: ContentIds, is_registered: Callable[[str], bool]
) -> dict[str, str]:
    """Return, by field, the stations, lessons, activities and members named that do not exist
    (erased members included)."""
    exists = {
        "station": lambda value: value in content.stations,
        "lesson": lambda value: value in content.lessons,
        "activity": lambda value: value in content.activities,
        # Registrations are stored under the id's canonical (lowercase) form.
        "member": lambda value: _is_stored_member(value, is_registered),
    }
    errors: dict[str, str] = {}
    for field in form.fields:
        value = clean.get(field.name)
        if field.name in exists and value is not None and not exists[field.name](value):
            errors[field.name] = field_messages(field)["invalid"]
    return errors


def _is_stored_member(value: str, is_registered: Callable[[str], bool]) -> bool:
    canonical, _ = parse_submission_id(value, required=True)
    return canonical is not None and is_registered(canonical)
