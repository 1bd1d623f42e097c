"""Staff tokens: issued once, stored only as a hash, checked in constant time, expiring, revocable."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from botocore.exceptions import ClientError

from chalicelib.dynamo import (
    BY_DAY_INDEX,
    TOKENS_DAY_KEY,
    error_code,
    is_cancelled_by_condition,
    token_id_of,
    token_pk,
)
from chalicelib.errors import NotAuthenticated
from chalicelib.forms import SLUG_PATTERN_64
from chalicelib.store import format_timestamp, parse_timestamp

ROLES = ("admin", "station")
ROLE_LABELS = {"admin": "管理员", "station": "驿站工作人员"}
MAX_DAYS = 366
MAX_NAME_LENGTH = 40
# A station token's scope becomes one DynamoDB IN filter, which takes at most 100 values.
MAX_STATIONS = 100
_ID_HEX_CHARACTERS = 12
TOKEN_ID_PATTERN = r"^[0-9a-f]{12}$"
# "<id>.<secret>": the id finds the item, the secret (token_urlsafe(32): 43 characters,
# 256 random bits) is what proves the bearer. A fast hash is right for a secret that long.
TOKEN_PATTERN = re.compile(r"([0-9a-f]{12})\.([A-Za-z0-9_\-]{43})")


@dataclass(frozen=True)
class StaffToken:
    """Who a token belongs to and what it may reach; never the secret itself."""

    id: str
    name: str
    role: str
    stations: tuple[str, ...]
    created_at: str
    expires_at: str
    revoked_at: str | None = None

    @property
    def is_admin(self) -> bool:
        """Return True for a token that may do everything."""
        return self.role == "admin"

    def may_see_station(self, station: str | None) -> bool:
        """Return True if the token may read and change the records of this station."""
        return self.is_admin or (station is not None and station in self.stations)

    def public(self) -> dict:
        """Return the token's description as JSON (the console shows it; no secret, no hash)."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "stations": list(self.stations),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "revoked_at": self.revoked_at,
        }


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the secret string, shown once, and its stored description."""

    token: str
    record: StaffToken


class InvalidTokenRequest(ValueError):
    """The name, role, stations or lifetime asked for are wrong; errors by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def hash_secret(secret: str) -> str:
    """Return the sha256 of a token's secret part, in hex: all that is stored of it."""
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_token_request(name: str, role: str, stations: Iterable[str], days: int) -> dict[str, str]:
    """Return every problem with a token request, by field (empty when it is fine)."""
    errors: dict[str, str] = {}
    stations = list(stations)
    if not name.strip():
        errors["name"] = "请填写令牌持有人的姓名"
    elif len(name.strip()) > MAX_NAME_LENGTH:
        errors["name"] = f"姓名最多{MAX_NAME_LENGTH}字"
    if role not in ROLES:
        errors["role"] = f"角色应为 {' 或 '.join(ROLES)}"
    elif role == "station" and not stations:
        errors["stations"] = "驿站工作人员的令牌要写明驿站编号"
    elif role == "admin" and stations:
        errors["stations"] = "管理员的令牌不限驿站，不要写驿站编号"
    bad = [station for station in stations if not re.fullmatch(SLUG_PATTERN_64, station)]
    if bad:
        errors["stations"] = f"驿站编号不正确：{', '.join(bad)}"
    elif len(stations) > MAX_STATIONS:
        errors["stations"] = f"一个令牌最多{MAX_STATIONS}个驿站"
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = f"有效天数应为 1 到 {MAX_DAYS}"
    return errors


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Given the token as it is written, returns the TransactWriteItems element of its audit entry.
AuditPut = Callable[[StaffToken], dict]


class TokenStore:
    """Staff tokens in the table it is handed, one item each (`pk = token#<id>`)."""

    def __init__(self, table, clock: Callable[[], datetime] = _utc_now) -> None:
        self._table = table
        self._clock = clock

    def create(
        self, name: str, role: str, stations: Iterable[str], days: int, audit: AuditPut | None = None
    ) -> IssuedToken:
        """Issue a token (with its audit entry, in one transaction, when given); raise InvalidTokenRequest
        listing every problem."""
        stations = tuple(dict.fromkeys(s.strip() for s in stations if s.strip()))
        errors = check_token_request(name, role, stations, days)
        if errors:
            raise InvalidTokenRequest(errors)
        now = self._clock()
        while True:
            token_id = secrets.token_hex(_ID_HEX_CHARACTERS // 2)
            secret = secrets.token_urlsafe(32)
            record = StaffToken(
                id=token_id,
                name=name.strip(),
                role=role,
                stations=stations,
                created_at=format_timestamp(now),
                expires_at=format_timestamp(now + timedelta(days=days)),
            )
            item = {
                "pk": token_pk(token_id),
                "secret_sha256": hash_secret(secret),
                "name": record.name,
                "role": role,
                "stations": list(stations),
                "created_at": record.created_at,
                "valid_until": record.expires_at,
                "day_key": TOKENS_DAY_KEY,
                "day_sk": f"{record.created_at}#{token_id}",
            }
            # 48 random bits rarely collide; when they do, draw another id.
            if self._write("Put", {"Item": item, "ConditionExpression": "attribute_not_exists(pk)"}, record, audit):
                return IssuedToken(f"{token_id}.{secret}", record)

    def list(self) -> list[StaffToken]:
        """Return every token ever issued, newest first (expired and revoked ones too)."""
        query = {
            "IndexName": BY_DAY_INDEX,
            "KeyConditionExpression": "day_key = :key",
            "ExpressionAttributeValues": {":key": TOKENS_DAY_KEY},
            "ScanIndexForward": False,
        }
        tokens = []
        while True:
            page = self._table.query(**query)
            tokens += [_record(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return tokens
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def revoke(self, token_id: str, audit: AuditPut | None = None) -> StaffToken | None:
        """Revoke a token from now on (with its audit entry, in one transaction, when given); return it,
        or None if there is no such token. A token revoked already is returned as it is, nothing written."""
        while True:
            record = self.get(token_id)
            if record is None or record.revoked_at is not None:
                return record
            revoked = replace(record, revoked_at=format_timestamp(self._clock()))
            update = {
                "Key": {"pk": token_pk(token_id)},
                "UpdateExpression": "SET revoked_at = :now",
                "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                "ExpressionAttributeValues": {":now": revoked.revoked_at},
            }
            # A failed condition: revoked meanwhile by someone else; read it again.
            if self._write("Update", update, revoked, audit):
                return revoked

    def get(self, token_id: str) -> StaffToken | None:
        """Return a token's description (strongly consistent), or None if there is no such token."""
        item = self._table.get_item(Key={"pk": token_pk(token_id)}, ConsistentRead=True).get("Item")
        return _record(item) if item else None

    def _write(self, kind: str, request: dict, record: StaffToken, audit: AuditPut | None) -> bool:
        """Write one conditional Put or Update, alone or with its audit entry; return False if its condition failed."""
        try:
            if audit is None:
                write = self._table.put_item if kind == "Put" else self._table.update_item
                write(**request)
            else:
                change = {kind: {"TableName": self._table.name, **request}}
                self._table.meta.client.transact_write_items(TransactItems=[change, audit(record)])
        except ClientError as error:
            # The audit entry's id is new to this change: if it is there already, this is
            # botocore retrying a transaction that went through but whose answer was lost.
            if is_cancelled_by_condition(error, 1):
                return True
            if error_code(error) == "ConditionalCheckFailedException" or is_cancelled_by_condition(error):
                return False
            raise
        return True

    def authenticate(self, token: str | None) -> StaffToken:
        """Return the valid token's description; raise NotAuthenticated otherwise."""
        match = TOKEN_PATTERN.fullmatch(token or "")
        if match is None:
            raise NotAuthenticated("no token, or not shaped like one")
        token_id, secret = match.groups()
        # A strongly consistent read: a token revoked a moment ago is refused now.
        item = self._table.get_item(Key={"pk": token_pk(token_id)}, ConsistentRead=True).get("Item")
        # Hash and compare even for an unknown id, so the answer takes as long either way.
        stored = item["secret_sha256"] if item else "0" * 64
        if not hmac.compare_digest(hash_secret(secret), stored) or item is None:
            raise NotAuthenticated(f"token {token_id}: unknown id or wrong secret")
        record = _record(item)
        if record.revoked_at is not None:
            raise NotAuthenticated(f"token {token_id}: revoked at {record.revoked_at}")
        if parse_timestamp(record.expires_at) <= self._clock():
            raise NotAuthenticated(f"token {token_id}: expired at {record.expires_at}")
        return record


def _record(item: dict) -> StaffToken:
    return StaffToken(
        id=token_id_of(item["pk"]),
        name=item["name"],
        role=item["role"],
        stations=tuple(item.get("stations") or ()),
        created_at=item["created_at"],
        expires_at=item["valid_until"],
        revoked_at=item.get("revoked_at"),
    )
