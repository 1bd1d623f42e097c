"""Sanwei forms API: routes only (parse, validate, store, respond)."""

import uuid

from chalice import Chalice, CORSConfig
from chalicelib import bodies, config, forms
from chalicelib.responses import (
    BAD_BODY_MESSAGE,
    CONFLICT_MESSAGE,
    NOT_FOUND_MESSAGE,
    TICKET_NOT_FOUND_MESSAGE,
    TOO_LARGE_MESSAGE,
    UNAVAILABLE_MESSAGE,
    Responder,
)
from chalicelib.store import Conflict, SaveResult, StoreUnavailable
from chalicelib.tickets import new_ticket

app = Chalice(app_name="sanwei")
# The origin is stage config, fixed for the life of the function; no client is made here.
CORS = CORSConfig(allow_origin=config.read_site_origin(), max_age=600)
BODY_TYPES = [bodies.JSON_TYPE, bodies.FORM_TYPE]


@app.route("/forms/{form_name}", methods=["POST"], content_types=BODY_TYPES, cors=CORS)
def post_form(form_name):
    """Take a public form, as JSON from the page's JavaScript or as a plain form post."""
    form = forms.FORMS.get(form_name)
    form_post = bodies.is_form_post(app.current_request.headers)
    if form is None or not form.public:
        return _responder(form_post).problem(404, NOT_FOUND_MESSAGE)
    return _accept(form, form_post)


# API Gateway routes POST /forms/request to the static resource /forms/request (the parent
# of the ticket look-up), never to /forms/{form_name}: that form needs a route of its own.
@app.route("/forms/request", methods=["POST"], content_types=BODY_TYPES, cors=CORS)
def post_request_form():
    """Take the request (诉求) form."""
    return post_form("request")


@app.route("/checkins", methods=["POST"], content_types=[bodies.JSON_TYPE], cors=CORS)
def post_checkin():
    """Count one visit to a station."""
    return _accept(forms.FORMS["checkin"], form_post=False)


@app.route("/study", methods=["POST"], content_types=[bodies.JSON_TYPE], cors=CORS)
def post_study():
    """Count one lesson studied."""
    return _accept(forms.FORMS["study"], form_post=False)


@app.route("/forms/request/{ticket}", methods=["GET"], cors=CORS)
def get_request_status(ticket):
    """Show a request's status and reply by its ticket, without personal data."""
    responder = _responder(form_post=False)
    try:
        status = config.get_store().get_request_status(ticket)
    except StoreUnavailable:
        app.log.warning("store unavailable reading ticket", exc_info=True)
        return responder.problem(503, UNAVAILABLE_MESSAGE)
    if status is None:
        return responder.problem(404, TICKET_NOT_FOUND_MESSAGE)
    return status


def _responder(form_post: bool) -> Responder:
    return Responder(form_post, config.read_settings().site_url, app.current_request.headers.get("referer"))


def _accept(form: forms.FormDef, form_post: bool):
    responder = _responder(form_post)
    try:
        data = bodies.read_submission(app.current_request.raw_body, form_post, form)
    except bodies.BodyTooLarge:
        return responder.problem(413, TOO_LARGE_MESSAGE)
    except bodies.BadBody:
        return responder.problem(400, BAD_BODY_MESSAGE)
    if form.public and forms.is_honeypot_tripped(data):
        # Look exactly like a success so a bot learns nothing; store nothing.
        decoy = SaveResult(str(uuid.uuid4()), new_ticket() if form.issues_ticket else None, True)
        return responder.saved(form, decoy)
    clean, errors = forms.validate(form, data)
    # Without JavaScript a page cannot make an id, so the server makes one for it.
    submission_id, id_error = forms.parse_submission_id(data.get(forms.ID_FIELD), required=not form_post)
    if id_error:
        errors[forms.ID_FIELD] = id_error
    if errors:
        return responder.invalid(form, errors)
    try:
        result = config.get_store().save(form, submission_id or str(uuid.uuid4()), clean)
    except Conflict:
        return responder.problem(409, CONFLICT_MESSAGE)
    except StoreUnavailable:
        app.log.warning("store unavailable saving %s", form.name, exc_info=True)
        return responder.problem(503, UNAVAILABLE_MESSAGE)
    return responder.saved(form, result)
