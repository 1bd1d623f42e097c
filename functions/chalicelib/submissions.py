"""A member's submission, from the request body to the answer.

The steps, in order, one line each in accept(): read the body, catch a bot by the
honeypot, validate the fields, the id and the content they name, save it once, answer. Each step raises what
stops it (chalicelib/answers.py answers those errors).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from chalice import Response

from chalicelib import bodies, forms
from chalicelib.errors import Invalid
from chalicelib.responses import Responder
from chalicelib.store import SaveResult
from chalicelib.tickets import new_ticket

# Given a submission's cleaned values, the stations, lessons and members it names that do
# not exist, by field (chalicelib/references.py).
ReferenceCheck = Callable[[dict], dict[str, str]]
# Stores a validated submission once (SubmissionStore.save, or ActivityStore.save's sign-ups and attendance).
Save = Callable[[forms.FormDef, str, dict], SaveResult]


def accept(
    form: forms.FormDef,
    raw_body: bytes | str,
    save: Save,
    responder: Responder,
    unknown_references: ReferenceCheck,
) -> Response:
    """Take one submission of a form, as JSON or as a plain form post, and answer it."""
    data = bodies.read_submission(raw_body, responder.form_post, form)
    if form.public and forms.is_honeypot_tripped(data):
        # Look exactly like a success so a bot learns nothing; store nothing.
        return responder.saved(form, decoy_result(form))
    submission_id, clean = validated(form, data, responder.form_post, unknown_references)
    result = save(form, submission_id, clean)
    return responder.saved(form, result)


def validated(form: forms.FormDef, data: dict, form_post: bool, unknown_references: ReferenceCheck) -> tuple[str, dict]:
    """Return the submission's id and its cleaned values; raise Invalid with every error by field."""
    clean, errors = forms.validate(form, data)
    errors.update(unknown_references(clean))
    # Without JavaScript a page cannot make an id, so the server makes one for it.
    submission_id, id_error = forms.parse_submission_id(data.get(forms.ID_FIELD), required=not form_post)
    if id_error:
        errors[forms.ID_FIELD] = id_error
    if errors:
        raise Invalid(errors, form)
    return submission_id or str(uuid.uuid4()), clean


def decoy_result(form: forms.FormDef) -> SaveResult:
    """Return what a bot is answered: a fresh id (and ticket) that nothing was stored under."""
    return SaveResult(str(uuid.uuid4()), new_ticket() if form.issues_ticket else None, True)
