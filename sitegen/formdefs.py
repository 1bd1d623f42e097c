"""What the build shares with the forms API: the form definitions and the ticket's shape, so
page and server never disagree, and the file of content ids the API checks references against."""

import sys
from pathlib import Path

# Chalice packages only functions/ into the Lambda, so the one definition of each form
# lives there; the build reads the same module rather than a copy.
FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS_DIR))

from chalicelib.activities import page_texts as attendance_page_texts  # noqa: E402
from chalicelib.contentids import CONTENT_IDS_FILE, ContentIds, write_content_ids  # noqa: E402
from chalicelib.forms import FORMS, HONEYPOT_FIELD, TEAM_SERVICES, Field, FormDef, messages, with_teams  # noqa: E402
from chalicelib.tickets import TICKET_PATTERN  # noqa: E402

__all__ = [
    "CONTENT_IDS_FILE",
    "FORMS",
    "HONEYPOT_FIELD",
    "TEAM_SERVICES",
    "TICKET_PATTERN",
    "ContentIds",
    "Field",
    "FormDef",
    "attendance_page_texts",
    "messages",
    "with_teams",
    "write_content_ids",
]
