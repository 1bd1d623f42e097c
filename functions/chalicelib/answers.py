"""Every error a route raises becomes its answer here, for member and staff routes alike."""

from __future__ import annotations

import functools
from collections.abc import Callable

from chalice import Chalice, Response

from chalicelib.bodies import BadBody, BodyTooLarge
from chalicelib.dynamo import StoreRefused, StoreUnavailable, classified_errors
from chalicelib.errors import ChangedMeanwhile, Forbidden, Invalid, Missing, NotAuthenticated, NotFound, Refused
from chalicelib.responses import (
    BAD_BODY_MESSAGE,
    CHANGED_MESSAGE,
    CONFLICT_MESSAGE,
    FORBIDDEN_MESSAGE,
    RECORD_NOT_FOUND_MESSAGE,
    RECORD_TOO_LARGE_MESSAGE,
    SERVER_ERROR_MESSAGE,
    SIGN_IN_MESSAGE,
    TOO_LARGE_MESSAGE,
    UNAVAILABLE_MESSAGE,
    Responder,
    responder_for,
)
from chalicelib.store import Conflict

ANSWERED = (
    BodyTooLarge,
    BadBody,
    Invalid,
    NotAuthenticated,
    Forbidden,
    Missing,
    NotFound,
    Conflict,
    Refused,
    ChangedMeanwhile,
    StoreUnavailable,
    StoreRefused,
)


def answer_error(error: Exception, responder: Responder, log) -> Response:
    """Return the answer to one of the ANSWERED errors."""
    match error:
        case BodyTooLarge():
            return responder.problem(413, TOO_LARGE_MESSAGE)
        case BadBody():
            return responder.problem(400, BAD_BODY_MESSAGE)
        case Invalid():
            return responder.invalid(error.errors, error.form)
        case NotAuthenticated():
            log.info("staff sign-in refused: %s", error)
            return responder.problem(401, SIGN_IN_MESSAGE, headers={"WWW-Authenticate": 'Bearer realm="sanwei-staff"'})
        case Forbidden():
            return responder.problem(403, FORBIDDEN_MESSAGE)
        case Missing():
            return responder.problem(404, error.message)
        case NotFound():
            return responder.problem(404, RECORD_NOT_FOUND_MESSAGE)
        case Conflict():
            return responder.problem(409, CONFLICT_MESSAGE)
        case Refused():
            return responder.problem(409, error.message, {error.field: error.message})
        case ChangedMeanwhile():
            return responder.problem(409, CHANGED_MESSAGE)
        case StoreUnavailable():
            log.warning("store unavailable", exc_info=error)
            return responder.problem(503, UNAVAILABLE_MESSAGE)
        case StoreRefused() if error.too_large:
            # Retrying cannot help: a clear "no" (413 is final for the page's queue too).
            log.warning("record too large to store", exc_info=error)
            return responder.problem(413, RECORD_TOO_LARGE_MESSAGE)
        case StoreRefused():
            # A request DynamoDB will never take is a fault of ours, not the member's: logged in full.
            log.error("store refused the request", exc_info=error)
            return responder.problem(500, SERVER_ERROR_MESSAGE)
    raise TypeError(f"no answer for {type(error).__name__}")


class ErrorAnswers:
    """Wraps routes: DynamoDB's errors are classified, and every ANSWERED error becomes its answer."""

    def __init__(self, app: Chalice, site_url: Callable[[], str]) -> None:
        self._app = app
        self._site_url = site_url

    def responder(self) -> Responder:
        """Return the Responder for the request being answered."""
        return responder_for(self._app.current_request, self._site_url())

    def __call__(self, view):
        """Return the view, its errors answered."""

        @functools.wraps(view)
        def answered(*args, **params):
            try:
                with classified_errors():
                    return view(*args, **params)
            except ANSWERED as error:
                return answer_error(error, self.responder(), self._app.log)

        return answered
