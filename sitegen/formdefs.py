"""The form definitions, shared with the forms API so page and server never disagree."""

import sys
from pathlib import Path

# Chalice packages only functions/ into the Lambda, so the one definition of each form
# lives there; the build reads the same module rather than a copy.
FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"
if str(FUNCTIONS_DIR) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS_DIR))

from chalicelib.forms import FORMS, HONEYPOT_FIELD, Field, FormDef, messages  # noqa: E402

__all__ = ["FORMS", "HONEYPOT_FIELD", "Field", "FormDef", "messages"]
