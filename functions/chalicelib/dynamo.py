"""DynamoDB in one place: the table's keys and index names, item sizes, and what its errors mean."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

# ---- Keys and indexes of the one table ----

BY_DAY_INDEX = "by_day"
BY_PERSON_INDEX = "by_person"
PERSON_KEY_ATTRIBUTE = "person_key"
# One item holds the stage's person-key secret. It never changes: every stored person key depends on it.
PERSON_SECRET_PK = "secret#person-key"
# Every token item is listed under one key of the by_day index: there are only ever a few.
TOKENS_DAY_KEY = "staff#tokens"
_SUBMISSION = "sub#"
_TICKET = "ticket#"
_TOKEN = "token#"
_AUDIT = "audit#"
_FOLLOW_UPS = "follow-ups#"
_EXPORT_JOB = "export#"
_SERVICE = "service#"
_ACTIVITY = "activity#"
_SIGNUP_PERSON = "signup-person#"
_ATTENDED_PHONE = "attended-phone#"
_ATTENDED_SIGNUP = "attended-signup#"
_SIGNUPS = "signup#"
_ATTENDANCE = "attend#"


def submission_pk(submission_id: str) -> str:
    """Return the key of a submission (a form, check-in or study mark) by its client-made id."""
    return f"{_SUBMISSION}{submission_id}"


def ticket_pk(ticket: str) -> str:
    """Return the key of a request's ticket item, which points to the request."""
    return f"{_TICKET}{ticket}"


def token_pk(token_id: str) -> str:
    """Return the key of a staff token's item."""
    return f"{_TOKEN}{token_id}"


def token_id_of(pk: str) -> str:
    """Return the token id a token item's key holds."""
    return pk.removeprefix(_TOKEN)


def audit_pk(entry_id: str) -> str:
    """Return the key of an audit entry."""
    return f"{_AUDIT}{entry_id}"


def follow_up_archive_pk(member_id: str, number: int) -> str:
    """Return the key of a member's `number`th archive of older follow-ups (numbered from 1)."""
    return f"{_FOLLOW_UPS}{member_id}#{number}"


def export_job_pk(job_id: str) -> str:
    """Return the key of an export job's item, by the id the console made for it."""
    return f"{_EXPORT_JOB}{job_id}"


def service_pk(record_id: str) -> str:
    """Return the key of a confirmed service record (a member's report keeps the report's id)."""
    return f"{_SERVICE}{record_id}"


def team_service_day_key(team: str) -> str:
    """Return the by_day partition key under which a team's service records are listed, by service date."""
    return f"{_SERVICE}{team}"


def activity_counter_pk(activity_id: str) -> str:
    """Return the key of an activity's counter item: places taken and waiting-list places given."""
    return f"{_ACTIVITY}{activity_id}"


def signup_person_pk(activity_id: str, person: str) -> str:
    """Return the key that makes one sign-up per person (a person key) per activity."""
    return f"{_SIGNUP_PERSON}{activity_id}#{person}"


def attended_phone_pk(activity_id: str, phone_id: str) -> str:
    """Return the key that makes one attendance per phone per activity; it points to the attendance."""
    return f"{_ATTENDED_PHONE}{activity_id}#{phone_id}"


def attended_signup_pk(activity_id: str, signup_id: str) -> str:
    """Return the key that makes one attendance per sign-up; it points to the attendance."""
    return f"{_ATTENDED_SIGNUP}{activity_id}#{signup_id}"


def signups_day_key(activity_id: str) -> str:
    """Return the by_day partition key under which an activity's sign-ups are listed."""
    return f"{_SIGNUPS}{activity_id}"


def attendance_day_key(activity_id: str) -> str:
    """Return the by_day partition key under which an activity's attendance is listed."""
    return f"{_ATTENDANCE}{activity_id}"


def day_key(prefix: str, day: date, shard: int) -> str:
    """Return the by_day partition key of a prefix (a form's name), an office day and a shard."""
    return f"{prefix}#{day.isoformat()}#{shard}"


# ---- Item size, as DynamoDB counts it ----

# DynamoDB refuses an item over 400 KB, counting names and values in UTF-8 bytes.
MAX_ITEM_BYTES = 400 * 1024


def item_size(item: Mapping[str, object]) -> int:
    """Return an item's size in bytes as DynamoDB counts it: attribute names plus values."""
    return sum(len(name.encode("utf-8")) + _value_size(value) for name, value in item.items())


def _value_size(value: object) -> int:
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        # About one byte per two significant digits, plus one (and one for a minus sign).
        digits = Decimal(str(value)).normalize().as_tuple()
        return (len(digits.digits) + 1) // 2 + 1 + digits.sign
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, Mapping):
        # 3 bytes for the map, 1 per element, then each element's name and value.
        return 3 + sum(1 + len(str(name).encode("utf-8")) + _value_size(inner) for name, inner in value.items())
    if isinstance(value, set | frozenset):
        return sum(_value_size(inner) for inner in value)
    if isinstance(value, list | tuple):
        return 3 + sum(1 + _value_size(inner) for inner in value)
    raise TypeError(f"DynamoDB cannot store {type(value).__name__}")


# ---- What DynamoDB's errors mean ----


class StoreUnavailable(Exception):
    """DynamoDB is busy or out of reach for now; the client should try again (503)."""


class StoreRefused(Exception):
    """DynamoDB refused the request for good (an item over the size limit, a request it calls
    invalid, a table that is not there); trying again cannot help."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


# Throttling, DynamoDB's own trouble, transactions in each other's way, request limits: "not now".
TEMPORARY_ERROR_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionInProgressException",
        "TransactionConflictException",
    }
)
# Why a transaction was cancelled, when the same request may go through later.
TEMPORARY_CANCELLATION_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
# A transaction's items that were fine are given the reason "None".
_NO_REASON = "None"
_TOO_LARGE_MESSAGE = "exceeded the maximum allowed size"


def error_code(error: ClientError) -> str:
    """Return the error code of a DynamoDB (or S3) error, e.g. "ConditionalCheckFailedException"."""
    return error.response.get("Error", {}).get("Code", "")


def cancellation_reasons(error: ClientError) -> list[str]:
    """Return why each item of a cancelled transaction failed, in the transaction's order ("None": it did not)."""
    return [reason.get("Code") or _NO_REASON for reason in error.response.get("CancellationReasons", [])]


def is_cancelled_by_condition(error: ClientError, position: int = 0) -> bool:
    """Return True when a transaction was cancelled because the condition of its item at `position` failed."""
    if error_code(error) != "TransactionCanceledException":
        return False
    reasons = cancellation_reasons(error)
    return len(reasons) > position and reasons[position] == "ConditionalCheckFailed"


def is_too_large(error: ClientError) -> bool:
    """Return True when DynamoDB refused an item (or a transaction's item) for being over 400 KB."""
    messages = [error.response.get("Error", {}).get("Message", "")]
    messages += [reason.get("Message") or "" for reason in error.response.get("CancellationReasons", [])]
    return any(_TOO_LARGE_MESSAGE in message for message in messages)


def is_temporary(error: ClientError) -> bool:
    """Return True when the same request may succeed if tried again later."""
    code = error_code(error)
    if code == "TransactionCanceledException":
        reasons = set(cancellation_reasons(error)) - {_NO_REASON}
        return bool(reasons) and reasons <= TEMPORARY_CANCELLATION_REASONS
    if code in TEMPORARY_ERROR_CODES:
        return True
    # A code this list does not know: a 5xx is the service's trouble, a 4xx is the request's.
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 400) >= 500


def classify(error: ClientError) -> StoreUnavailable | StoreRefused:
    """Return the store error a DynamoDB error stands for: temporary, too large, or refused."""
    if is_temporary(error):
        return StoreUnavailable(str(error))
    return StoreRefused(str(error), too_large=is_too_large(error))


@contextlib.contextmanager
def classified_errors() -> Iterator[None]:
    """Turn the DynamoDB errors the block does not handle into StoreUnavailable or StoreRefused."""
    try:
        yield
    except ClientError as error:
        raise classify(error) from error
    # Connection refused or reset, and timeouts: the write may or may not have happened.
    except (BotoConnectionError, HTTPClientError) as error:
        raise StoreUnavailable(str(error)) from error
