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

from chalice import Chalice, Response

from chalicelib.bodies import BadBody, BodyTooLarge
from chalicelib.dynamo import StoreUnavailable, classified_errors
from chalicelib.forms import FormDef
from chalicelib.responses import BAD_BODY_MESSAGE, RETRY_AFTER_SECONDS, TOO_LARGE_MESSAGE, UNAVAILABLE_MESSAGE
from chalicelib.staffinput import has_station
from chalicelib.tokens import NotAuthenticated, StaffToken, TokenStore, bearer_token
from chalicelib.updates import ChangedMeanwhile, NotFound, Refused

SIGN_IN_MESSAGE = "请用有效的工作人员令牌登录（令牌不对、已过期或已停用）"
FORBIDDEN_MESSAGE = "您的令牌无权查看或修改这些记录"
ERRORS_MESSAGE = "请检查以下内容"
CHANGED_MESSAGE = "这条记录刚被别人改过，请刷新后再改"
RECORD_NOT_FOUND_MESSAGE = "没有找到这条记录，可能已被删除"


class Invalid(Exception):
    """Filters or a body are wrong; the errors are by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


class Forbidden(Exception):
    """The token is valid but may not reach these records."""


class Missing(Exception):
    """There is no such thing to read or change; the message says what was not found."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def problem(status: int, message: str, errors: dict[str, str] | None = None, headers: dict | None = None) -> Response:
    """Return a JSON error answer: a message, and the errors by field if there are any."""
    body: dict = {"message": message}
    if errors:
        body["errors"] = errors
    return Response(body=body, status_code=status, headers=headers or {})


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
    """Wraps staff views: authenticates the bearer token and turns outcomes into answers."""

    def __init__(self, app: Chalice, get_tokens: Callable[[], TokenStore]) -> None:
        self._app = app
        self._get_tokens = get_tokens

    def __call__(self, admin_only: bool = False):
        """Return a decorator: the view gets the caller's StaffToken first, then the URL's parameters."""

        def decorate(view):
            @functools.wraps(view)
            def guarded(**params):
                return self._answer(view, admin_only, params)

            guarded.staff_only = True
            return guarded

        return decorate

    def _answer(self, view, admin_only: bool, params: dict):
        log = self._app.log
        try:
            with classified_errors():
                header = self._app.current_request.headers.get("authorization")
                staff = self._get_tokens().authenticate(bearer_token(header))
                require(staff.is_admin or not admin_only)
                return view(staff, **params)
        except NotAuthenticated as error:
            log.info("staff sign-in refused: %s", error)
            return problem(401, SIGN_IN_MESSAGE, headers={"WWW-Authenticate": 'Bearer realm="sanwei-staff"'})
        except Forbidden:
            return problem(403, FORBIDDEN_MESSAGE)
        except Invalid as error:
            return problem(400, ERRORS_MESSAGE, error.errors)
        except BadBody:
            return problem(400, BAD_BODY_MESSAGE)
        except BodyTooLarge:
            return problem(413, TOO_LARGE_MESSAGE)
        except Missing as error:
            return problem(404, error.message)
        except NotFound:
            return problem(404, RECORD_NOT_FOUND_MESSAGE)
        except Refused as error:
            return problem(409, error.message, {error.field: error.message})
        except ChangedMeanwhile:
            return problem(409, CHANGED_MESSAGE)
        except StoreUnavailable:
            log.warning("store unavailable on a staff route", exc_info=True)
            return problem(503, UNAVAILABLE_MESSAGE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
