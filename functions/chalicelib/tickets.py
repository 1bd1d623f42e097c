"""Ticket numbers for requests (诉求): short, read aloud and typed on a phone."""

import re
import secrets

from chalicelib.forms import TRIMMED

# No 0/O, 1/I/L: a member reads the number off a screen or hears it on the phone.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TICKET_LENGTH = 8
# Valid in Python and JavaScript: the status and thank-you pages take it from the build.
TICKET_PATTERN = f"^[{TICKET_ALPHABET}]{{{TICKET_LENGTH}}}$"
_TICKET_RE = re.compile(TICKET_PATTERN)


def new_ticket() -> str:
    """Return a fresh random ticket number."""
    return "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_LENGTH))


def normalize_ticket(text: str) -> str | None:
    """Return the ticket in canonical form, or None if it cannot be one."""
    candidate = text.strip(TRIMMED).upper()
    return candidate if _TICKET_RE.fullmatch(candidate) else None
