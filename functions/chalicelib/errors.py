"""What a route raises when it cannot do what was asked; chalicelib/answers.py turns each into its answer."""

from __future__ import annotations

from chalicelib.forms import FormDef


class Invalid(Exception):
    """A body or filters are wrong; the errors are by field (and in a form's field order when it has one)."""

    def __init__(self, errors: dict[str, str], form: FormDef | None = None) -> None:
        super().__init__(errors)
        self.errors = errors
        self.form = form


class Forbidden(Exception):
    """The staff token is valid but may not reach these records."""


class Missing(Exception):
    """There is no such thing to read or change; the message says what was not found."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAuthenticated(Exception):
    """No token, or one that is unknown, wrong, expired or revoked (the reason is only logged)."""


class NotFound(Exception):
    """There is no such request or member (or it was erased meanwhile)."""


class Refused(Exception):
    """The change does not fit the record as it is now; the message says why, by field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class ChangedMeanwhile(Exception):
    """Someone else kept changing the record; nothing was written."""
