"""Request bodies: the size limit, then JSON or a form post, decoded strictly as UTF-8."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from chalicelib.forms import FormDef, flatten_form_post

MAX_BODY_BYTES = 16 * 1024
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"


class BodyTooLarge(Exception):
    """The body is over MAX_BODY_BYTES."""


class BadBody(Exception):
    """The body is not a JSON object or a form post that can be read."""


def is_form_post(headers: Mapping[str, str]) -> bool:
    """Return True for a form-encoded body, which a page without JavaScript sends."""
    media_type = headers.get("content-type", JSON_TYPE).split(";")[0].strip().lower()
    return media_type == FORM_TYPE


def read_submission(raw: bytes | str, form_post: bool, form: FormDef) -> dict[str, object]:
    """Return the submitted values by name, as JSON would carry them."""
    text = _read_text(raw)
    if form_post:
        return flatten_form_post(form, _parse_form_pairs(text))
    return _parse_json_object(text)


def read_json_object(raw: bytes | str | None) -> dict[str, object]:
    """Return a JSON object body (an empty body is an empty object), within the size limit."""
    text = _read_text(raw or b"")
    return _parse_json_object(text) if text.strip() else {}


def _read_text(raw: bytes | str) -> str:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(len(raw))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody("body is not UTF-8") from error


def _parse_form_pairs(text: str) -> dict[str, list[str]]:
    try:
        # Blank values are kept: an empty honeypot must still be seen as present.
        return parse_qs(text, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError) as error:
        raise BadBody("form post cannot be decoded") from error


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _parse_json_object(text: str) -> dict[str, object]:
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    # RecursionError: thousands of nested brackets fit easily in 16 KiB.
    except (ValueError, RecursionError) as error:
        raise BadBody("body is not valid JSON") from error
    if not isinstance(value, dict):
        raise BadBody("body is not a JSON object")
    return value
