"""The first admin token of a stage: made by the person who deploys it, never shown in CI."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.store import parse_timestamp
from chalicelib.tokens import IssuedToken, TokenStore

FIRST_ADMIN_NAME = "第一位管理员"
# Long enough to log in and make each admin a token of their own in the console.
FIRST_ADMIN_DAYS = 30


def has_live_admin(tokens: TokenStore, now: datetime | None = None) -> bool:
    """Return True when some admin token is neither revoked nor expired: someone can open the console."""
    now = now or datetime.now(UTC)
    return any(
        token.is_admin and token.revoked_at is None and parse_timestamp(token.expires_at) > now
        for token in tokens.list()
    )


def make_first_admin_token(tokens: TokenStore) -> IssuedToken | None:
    """Make an admin token when the stage has no live one (none yet, or all revoked or expired);
    return it, or None when someone can already open the console. Never called in CI: see
    deploy.first_admin_token."""
    if has_live_admin(tokens):
        return None
    return tokens.create(FIRST_ADMIN_NAME, "admin", [], FIRST_ADMIN_DAYS)
