"""The gate of every staff route: a valid bearer token (else 401), the role and station scope (else 403).

Chalice's built-in authorizer is not used: in `chalice local` and chalice.test.Client a
token it refuses can only come back as 403 (API Gateway's 401 needs the authorizer to raise,
which the local gateway does not turn into an answer), and API Gateway's own 401/403 answers
carry no CORS headers, so the console could not tell "sign in again" from a network error.
One decorator, in the function itself, answers the same way everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from chalice import Chalice

from chalicelib.answers import ErrorAnswers
from chalicelib.errors import Forbidden, Invalid
from chalicelib.forms import FormDef, has_station

if TYPE_CHECKING:
    from chalicelib.tokens import StaffToken, TokenStore


def valid(parsed):
    """Return the value of a (value, errors) pair; raise Invalid when there are errors."""
    value, errors = parsed
    if errors:
        raise Invalid(errors)
    return value


def require(allowed: bool) -> None:
    """Raise Forbidden unless the token may do what is asked."""
    if not allowed:
        raise Forbidden()


def station_scope(staff: StaffToken, form: FormDef | None, station: str | None) -> tuple[str | None, tuple | None]:
    """Return (one station, or the stations a station token is limited to); Forbidden if out of reach."""
    if staff.is_admin:
        return station, None
    # Station staff see requests and check-ins of their own stations, and nothing else.
    require(form is None or has_station(form))
    if station is not None:
        require(staff.may_see_station(station))
        return station, None
    return None, staff.stations


class StaffGuard:
    """Wraps staff views: authenticates the bearer token, checks the role, and answers errors as every route does."""

    def __init__(self, app: Chalice, answers: ErrorAnswers, get_tokens: Callable[[], TokenStore]) -> None:
        self._app = app
        self._answers = answers
        self._get_tokens = get_tokens

    def __call__(self, admin_only: bool = False):
        """Return a decorator: the view gets the caller's StaffToken first, then the URL's parameters."""

        def decorate(view):
            @functools.wraps(view)
            def guarded(**params):
                # Imported on the first staff request: a member's cold start never loads the tokens.
                from chalicelib.tokens import bearer_token

                request = self._app.current_request
                if request is None:
                    raise RuntimeError("no current request: the guard runs only inside a route")
                header = request.headers.get("authorization")
                staff = self._get_tokens().authenticate(bearer_token(header))
                require(staff.is_admin or not admin_only)
                return view(staff, **params)

            answered = self._answers(guarded)
            # Marks the route for the test that finds every staff route behind the guard.
            answered.staff_only = True
            return answered

        return decorate
