"""Ticket numbers for requests (诉求): short, read aloud and typed on a phone."""

import re
import secrets

# No 0/O, 1/I/L: a member reads the number off a screen or hears it on the phone.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_LENGTH = 8
_TICKET_RE = re.compile(f"[{TICKET_ALPHABET}]{{{TICKET_LENGTH}}}")


def new_ticket() -> str:
    """Return a fresh random ticket number."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def normalize_ticket(text: str) -> str | None:
    """Return the ticket in canonical form, or None if it cannot be one."""
    candidate = text.strip().upper()
    return candidate if _TICKET_RE.fullmatch(candidate) else None
