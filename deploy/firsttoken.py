"""The first admin token of a stage: made by the person who deploys it, never shown in CI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chalicelib.store import parse_timestamp
from chalicelib.tokens import IssuedToken, TokenStore

FIRST_ADMIN_NAME = "第一位管理员"
# Long enough to log in and make each admin a token of their own in the console.
FIRST_ADMIN_DAYS = 30


@dataclass(frozen=True)
class FirstToken:
    """What the deploy did about the admin token: made one (shown once), or why it did not."""

    issued: IssuedToken | None
    needed: bool


def has_live_admin(tokens: TokenStore, now: datetime | None = None) -> bool:
    """Return True when some admin token is neither revoked nor expired: someone can open the console."""
    now = now or datetime.now(UTC)
    return any(
        token.is_admin and token.revoked_at is None and parse_timestamp(token.expires_at) > now
        for token in tokens.list()
    )


def make_first_admin_token(tokens: TokenStore, in_ci: bool) -> FirstToken:
    """Make an admin token when the stage has no live one and a person runs the deploy.

    CI logs are read by many and kept for months, so a token is never made there: one
    nobody sees would only be a secret to leak."""
    if has_live_admin(tokens):
        return FirstToken(None, needed=False)
    if in_ci:
        return FirstToken(None, needed=True)
    return FirstToken(tokens.create(FIRST_ADMIN_NAME, "admin", [], FIRST_ADMIN_DAYS), needed=True)
