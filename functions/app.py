"""Sanwei forms and staff API: routes only (parse, validate, store, respond)."""

import re
from dataclasses import replace
from datetime import UTC, datetime

from chalice import Chalice, CORSConfig, Response
from chalice.app import Request
from chalicelib import bodies, config, forms, references, submissions
from chalicelib.answers import ErrorAnswers
from chalicelib.errors import Invalid, Missing, Refused
from chalicelib.guard import StaffGuard, require, station_scope, valid
from chalicelib.responses import (
    ACTIVITY_NOT_FOUND_MESSAGE,
    EXPORT_CONFLICT_MESSAGE,
    EXPORT_NOT_FOUND_MESSAGE,
    MEMBER_NOT_FOUND_MESSAGE,
    NOT_FOUND_MESSAGE,
    OWN_TOKEN_MESSAGE,
    PERSON_NOT_FOUND_MESSAGE,
    RECORD_NOT_FOUND_MESSAGE,
    TEAM_NOT_FOUND_MESSAGE,
    TICKET_NOT_FOUND_MESSAGE,
    TOKEN_NOT_FOUND_MESSAGE,
)
from chalicelib.store import OFFICE_TZ

app = Chalice(app_name="sanwei")
# The queue the export worker reads; the API's stack points the worker at the stage's own queue.
EXPORTS_QUEUE = "sanwei-exports"
# The origin is stage config, fixed for the life of the function; no client is made here.
CORS = CORSConfig(allow_origin=config.read_site_origin(), max_age=600)
# The staff console sends its token in a header, and changes records with PATCH, PUT and DELETE.
STAFF_CORS = CORSConfig(
    allow_origin=config.read_site_origin(), allow_headers=["Authorization", "Content-Type"], max_age=600
)
BODY_TYPES = [bodies.JSON_TYPE, bodies.FORM_TYPE]
JSON_ONLY = [bodies.JSON_TYPE]
answered = ErrorAnswers(app, lambda: config.read_settings().site_url)
staff_only = StaffGuard(app, answered, lambda: config.get_staff().tokens)


def _current_request() -> Request:
    """The request being answered; Chalice sets it before it calls a route."""
    request = app.current_request
    if request is None:
        raise RuntimeError("no current request: called outside a route")
    return request


@app.route("/forms/{form_name}", methods=["POST"], content_types=BODY_TYPES, cors=CORS)
@answered
def post_form(form_name):
    """Take a public form, as JSON from the page's JavaScript or as a plain form post."""
    form = forms.FORMS.get(form_name)
    if form is None or not form.public:
        raise Missing(NOT_FOUND_MESSAGE)
    return _accept(form)


# API Gateway routes POST /forms/request to the static resource /forms/request (the parent
# of the ticket look-up), never to /forms/{form_name}: that form needs a route of its own.
@app.route("/forms/request", methods=["POST"], content_types=BODY_TYPES, cors=CORS)
def post_request_form():
    """Take the request (诉求) form."""
    return post_form("request")


@app.route("/checkins", methods=["POST"], content_types=[bodies.JSON_TYPE], cors=CORS)
@answered
def post_checkin():
    """Count one visit to a station."""
    return _accept(forms.FORMS["checkin"])


@app.route("/study", methods=["POST"], content_types=[bodies.JSON_TYPE], cors=CORS)
@answered
def post_study():
    """Count one lesson studied."""
    return _accept(forms.FORMS["study"])


@app.route("/attendance", methods=["POST"], content_types=[bodies.JSON_TYPE], cors=CORS)
@answered
def post_attendance():
    """Record one attendance of an activity from this phone, scanned during its time window."""
    return _accept(forms.FORMS["attendance"])


@app.route("/activities/{activity_id}", methods=["GET"], cors=CORS)
@answered
def get_activity_places(activity_id):
    """Say how many places an activity has taken and whether it is full, without personal data."""
    from chalicelib.activities import read_activity

    activity = read_activity(config.get_content_ids(), activity_id)
    if activity is None:
        raise Missing(ACTIVITY_NOT_FOUND_MESSAGE)
    signed, waited = config.get_activities().counts(activity.id)
    full = activity.capacity is not None and signed >= activity.capacity
    return {"id": activity.id, "capacity": activity.capacity, "signed": signed, "waiting": waited, "full": full}


@app.route("/forms/request/{ticket}", methods=["GET"], cors=CORS)
@answered
def get_request_status(ticket):
    """Show a request's status and reply by its ticket, without personal data."""
    status = config.get_store().get_request_status(ticket)
    if status is None:
        raise Missing(TICKET_NOT_FOUND_MESSAGE)
    return status


def _accept(form: forms.FormDef):
    store = config.get_store()
    content = config.get_content_ids()
    # A team field (the volunteer form, the service report) is a choice among the content's teams.
    form = forms.with_teams(form, content.teams)
    if not form.by_activity:
        return submissions.accept(
            form,
            _current_request().raw_body,
            store.save,
            answered.responder(),
            lambda clean: references.unknown_references(form, clean, content, store.is_registered),
        )
    # Imported for sign-ups and attendance only: the other forms' cold start never loads it.
    from chalicelib.activities import read_activity, timing_problems

    activities = config.get_activities()

    def problems(clean: dict) -> dict[str, str]:
        found = references.unknown_references(form, clean, content, store.is_registered)
        return {**timing_problems(form, clean, content, datetime.now(UTC)), **found}

    def save(form: forms.FormDef, submission_id: str, clean: dict):
        return activities.save(form, submission_id, clean, read_activity(content, clean["activity"]))

    return submissions.accept(form, _current_request().raw_body, save, answered.responder(), problems)


# ---- Staff routes: every one behind staff_only (a valid token; role and stations checked) ----


def _today():
    return datetime.now(OFFICE_TZ).date()


def _query():
    return _current_request().query_params


def _body() -> dict:
    return bodies.read_json_object(_current_request().raw_body)


def _request_in_scope(staff, ticket: str) -> dict:
    item = config.get_staff().records.request(ticket)
    if item is None:
        raise Missing(TICKET_NOT_FOUND_MESSAGE)
    require(staff.may_see_station(item["data"].get("station")))
    return item


def _person() -> tuple[str, list[dict]]:
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    mobile = valid(staffinput.parse_mobile(_query()))
    items = config.get_staff().people.find(mobile)
    if not items:
        raise Missing(PERSON_NOT_FOUND_MESSAGE)
    return mobile, items


def _member_id(member_id: str) -> str:
    return _submission_id(member_id)


def _submission_id(submission_id: str, message: str = MEMBER_NOT_FOUND_MESSAGE) -> str:
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.records import canonical_id

    # Whether the record exists is the update's own condition; here only the id's shape.
    canonical = canonical_id(submission_id)
    if canonical is None:
        raise Missing(message)
    return canonical


@app.route("/staff/me", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_me(staff):
    """Say whom the token belongs to and what it may reach (the console signs in with this)."""
    return staff.public()


@app.route("/staff/stats", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_stats(staff):
    """Count members, study, check-ins and requests over office days."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import record_filter
    from chalicelib.stats import collect_stats

    query = valid(staffinput.parse_stats_query(_query(), _today()))
    station, scope = station_scope(staff, None, query.station)
    side = config.get_staff()
    members = staff.is_admin and station is None
    where = record_filter(station, None, scope)
    return collect_stats(side.day_index, side.write_shards, query.day_from, query.day_to, where, members)


def _service_totals(content):
    """The teams' confirmed service of a period, as the report counts it."""
    service = config.get_staff().service
    return lambda first, last: service.totals(content.teams, first, last)


@app.route("/staff/report", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_report(staff):
    """The office's figures for a period, each beside the period before."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.report import collect_report

    period = valid(staffinput.parse_report_query(_query(), _today()))
    side = config.get_staff()
    content = config.get_content_ids()
    return collect_report(side.day_index, side.write_shards, period, content, _service_totals(content))


@app.route("/staff/report/file", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_report_file(staff):
    """Write the report as an XLSX workbook, a sheet a section, to S3; answer a link that downloads it."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.report import collect_report
    from chalicelib.reportfile import XLSX_TYPE, report_file

    period = valid(staffinput.parse_report_query(_body(), _today()))
    side = config.get_staff()
    content = config.get_content_ids()
    report = collect_report(side.day_index, side.write_shards, period, content, _service_totals(content))
    with report_file(report, {"stations": content.stations, "lessons": content.lessons}) as (path, filename, fallback):
        download = config.get_downloads().publish(path, filename, fallback, XLSX_TYPE)
    side.audit.record(staff, "report.export", [download.key], {"from": report["from"], "to": report["to"]})
    return {"url": download.url, "expires_at": download.expires_at, "filename": filename}


@app.route("/staff/submissions/{form_name}", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_submissions(staff, form_name):
    """List a form's records, newest first, a page at a time."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.dayindex import combine
    from chalicelib.records import public_record, record_filter, team_filter

    form = forms.FORMS.get(form_name)
    # Sign-ups and attendance are listed by activity (/staff/activities/{id}), not by day.
    if form is None or form.by_activity:
        raise Missing(NOT_FOUND_MESSAGE)
    query = valid(staffinput.parse_list_query(form, _query(), _today(), config.get_content_ids().branches))
    station, scope = station_scope(staff, form, query.station)
    side = config.get_staff()
    where = combine(
        [record_filter(station, query.status, scope, query.branch), team_filter(query.team, query.approval)]
    )
    items, position = side.records.page(form, query.day_from, query.day_to, query.limit, query.after, where)
    if items:
        side.audit.record(staff, "submissions.list", [item["id"] for item in items], {"form": form.name})
    return {"items": [public_record(item) for item in items], "cursor": staffinput.encode_cursor(position)}


@app.route("/staff/requests/{ticket}", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_request(staff, ticket):
    """Show a request in full: its message, contact, status, reply, note and history."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.records import public_record

    item = _request_in_scope(staff, ticket)
    config.get_staff().audit.record(staff, "request.read", [item["id"]], {"ticket": item["ticket"]})
    return public_record(item)


@app.route("/staff/requests/{ticket}", methods=["PATCH"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only()
def staff_request_change(staff, ticket):
    """Change a request's status, its reply (the member sees it) or its internal note."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    change = valid(staffinput.parse_request_change(_body()))
    item = _request_in_scope(staff, ticket)
    return public_record(config.get_staff().updates.update_request(item, change, staff))


@app.route("/staff/members/{member_id}", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_member(staff, member_id):
    """Show a registered member with their liaison, follow-ups and transfer state."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.records import public_record

    side = config.get_staff()
    item = side.records.member(member_id)
    if item is None:
        raise Missing(MEMBER_NOT_FOUND_MESSAGE)
    side.audit.record(staff, "member.read", [item["id"]])
    return public_record(item)


@app.route("/staff/members/{member_id}/liaison", methods=["PUT"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_member_liaison(staff, member_id):
    """Pair a member with their liaison ("1+1")."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    liaison = valid(staffinput.parse_liaison(_body()))
    return public_record(config.get_staff().updates.set_liaison(_member_id(member_id), liaison, staff))


@app.route("/staff/members/{member_id}/branch", methods=["PUT"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_member_branch(staff, member_id):
    """Assign a member to the branch where they take part in organisation life."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    branches = config.get_content_ids().branches
    assignment = valid(staffinput.parse_branch(_body(), branches))
    name = branches[assignment.branch]
    return public_record(config.get_staff().updates.set_branch(_member_id(member_id), assignment, name, staff))


@app.route("/staff/members/{member_id}/follow-ups", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_member_follow_up(staff, member_id):
    """Record one follow-up with a member."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    follow_up = valid(staffinput.parse_follow_up(_body(), _today()))
    member = config.get_staff().updates.add_follow_up(_member_id(member_id), follow_up, staff)
    return Response(body=public_record(member), status_code=201)


@app.route("/staff/members/{member_id}/transfer", methods=["PUT"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_member_transfer(staff, member_id):
    """Set where moving the member's membership relation stands."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    transfer = valid(staffinput.parse_transfer(_body()))
    return public_record(config.get_staff().updates.set_transfer(_member_id(member_id), transfer, staff))


@app.route("/staff/volunteers/{volunteer_id}/team", methods=["PUT"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_volunteer_team(staff, volunteer_id):
    """Take a volunteer into a team, or decline them."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    decision = valid(staffinput.parse_team_decision(_body(), config.get_content_ids().teams))
    volunteer_id = _submission_id(volunteer_id, RECORD_NOT_FOUND_MESSAGE)
    volunteer = config.get_staff().updates.decide_team(volunteer_id, decision, staff)
    return public_record(volunteer)


@app.route("/staff/service", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_service_record(staff):
    """Record a piece of a team's volunteer service (it counts at once)."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    piece = valid(staffinput.parse_service(_body(), config.get_content_ids().teams, _today()))
    return Response(body=config.get_staff().service.record(piece, staff), status_code=201)


@app.route("/staff/service-reports/{report_id}/review", methods=["PUT"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_service_review(staff, report_id):
    """Confirm a member's report of service (it then counts in the totals) or reject it."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput
    from chalicelib.records import public_record

    review = valid(staffinput.parse_review(_body()))
    report_id = _submission_id(report_id, RECORD_NOT_FOUND_MESSAGE)
    return public_record(config.get_staff().service.review(report_id, review, staff))


@app.route("/staff/teams/{team}/service", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_team_service(staff, team):
    """List a team's confirmed service records of a period, by day of service."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    if team not in config.get_content_ids().teams:
        raise Missing(TEAM_NOT_FOUND_MESSAGE)
    day_from, day_to = valid(staffinput.parse_totals_query(_query(), _today()))
    return {"items": config.get_staff().service.team_records(team, day_from, day_to)}


@app.route("/staff/service/totals", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_service_totals(staff):
    """Add up each team's confirmed service of a period: records, times or trips, hours, person-times."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    day_from, day_to = valid(staffinput.parse_totals_query(_query(), _today()))
    return config.get_staff().service.totals(config.get_content_ids().teams, day_from, day_to)


@app.route("/staff/service/exports", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_service_export(staff):
    """Write every team's confirmed service records of a period to a CSV or XLSX file; answer a link."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import exports, staffinput

    day_from, day_to, file_format = valid(staffinput.parse_service_export(_body(), _today()))
    side = config.get_staff()
    teams = config.get_content_ids().teams
    items = [item for team in teams for item in side.service.team_records(team, day_from, day_to)]
    period = f"{day_from.isoformat()}_{day_to.isoformat()}.{file_format}"
    filename, fallback = f"{exports.SERVICE_TITLE}_{period}", f"service-records_{period}"
    with exports.service_file(file_format, items, teams, fallback) as (path, rows):
        download = config.get_downloads().publish(path, filename, fallback, exports.CONTENT_TYPES[file_format])
    detail = {"form": "service-records", "from": day_from.isoformat(), "to": day_to.isoformat(), "format": file_format}
    side.audit.record(staff, "export.create", [download.key], {**detail, "rows": rows})
    return {"url": download.url, "expires_at": download.expires_at, "filename": filename, "rows": rows}


@app.route("/staff/exports", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only()
def staff_export(staff):
    """Start an export job (by the id the console made) and run it as far as the request's time
    allows: 200 with the link when done, else 202 while the worker goes on with it."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import exportjobs, exports, exportwork, staffinput

    content = config.get_content_ids()
    wanted = valid(staffinput.parse_export(_body(), _today(), content.branches))
    job_id = wanted.job
    station, scope = station_scope(staff, wanted.form, wanted.station)
    side = config.get_staff()
    parts = _export_parts()
    filename, fallback = exports.export_filenames(
        wanted.form,
        wanted.day_from,
        wanted.day_to,
        wanted.station,
        wanted.status,
        wanted.format,
        parts.station_names,
        wanted.branch,
        content.branches,
    )
    detail = {
        "form": wanted.form.name,
        "from": wanted.day_from.isoformat(),
        "to": wanted.day_to.isoformat(),
        "station": station or ",".join(scope or ()),
        "status": wanted.status or "",
        "branch": wanted.branch or "",
        "format": wanted.format,
    }
    key = parts.downloads.key_for(job_id, fallback)
    asked = exportjobs.ExportJob(
        id=job_id,
        staff_id=staff.id,
        form=wanted.form.name,
        format=wanted.format,
        day_from=wanted.day_from,
        day_to=wanted.day_to,
        station=station,
        scope=scope,
        status_filter=wanted.status,
        branch=wanted.branch,
        filename=filename,
        fallback=fallback,
        key=key,
        request_hash=exportjobs.request_hash({**detail, "by": staff.id}),
    )
    job = side.export_jobs.get(job_id)
    if job is None:
        upload_id = None
        if wanted.format == "csv":
            upload_id = parts.downloads.start_upload(key, filename, fallback, exports.CONTENT_TYPES["csv"])
        job = side.export_jobs.create(replace(asked, upload_id=upload_id))
    # A retried request asks for the same export; a job id used for another is refused.
    if job.request_hash != asked.request_hash:
        raise Refused("job", EXPORT_CONFLICT_MESSAGE)
    # The entry's id is the job's: a retried request records the export once.
    side.audit.record(staff, "export.create", [job.key], detail, entry_id=f"export-{job_id}")
    if job.status == exportjobs.RUNNING and not job.queued:
        seconds_left = app.lambda_context.get_remaining_time_in_millis() / 1000
        job = exportwork.run_in_request(job, parts, seconds_left, config.read_export_request_seconds())
    return _export_answer(job, parts)


@app.route("/staff/exports/{job_id}", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_export_job(staff, job_id):
    """Say how far an export job has got; when it is done, with a fresh link to its file."""
    canonical, _ = forms.parse_submission_id(job_id, required=True)
    job = config.get_staff().export_jobs.get(canonical) if canonical else None
    if job is None:
        raise Missing(EXPORT_NOT_FOUND_MESSAGE)
    # A job is its maker's: another station's staff may not follow it, an admin may.
    require(staff.is_admin or staff.id == job.staff_id)
    answer = _export_answer(job, _export_parts())
    if answer.status_code == 200:
        config.get_staff().audit.record(staff, "export.download", [job.key], {"job": job.id, "rows": job.rows})
    return answer


def _export_parts():
    from chalicelib.exportwork import ExportParts

    side = config.get_staff()
    return ExportParts(
        side.export_jobs,
        side.records,
        config.get_downloads(),
        config.get_export_queue(),
        config.get_content_ids().stations,
    )


def _export_answer(job, parts) -> Response:
    from chalicelib.exportjobs import DONE, FAILED

    answer = job.public()
    if job.status == FAILED:
        raise Invalid(dict(job.errors or {}))
    if job.status != DONE:
        return Response(body=answer, status_code=202)
    download = parts.downloads.link(job.key)
    return Response(body={**answer, "url": download.url, "expires_at": download.expires_at}, status_code=200)


@app.on_sqs_message(queue=EXPORTS_QUEUE, batch_size=1)
def export_worker(event):
    """Go on with export jobs too large for one request, one queue message at a time."""
    from chalicelib.exportwork import run_in_worker
    from chalicelib.jobqueue import MAX_RECEIVES, job_of_message

    for record in event:
        receives = int(record.to_dict().get("attributes", {}).get("ApproximateReceiveCount", 1))
        seconds_left = event.context.get_remaining_time_in_millis() / 1000
        run_in_worker(job_of_message(record.body), _export_parts(), seconds_left, receives >= MAX_RECEIVES)


def _activity_in_scope(staff, activity_id: str):
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.activities import read_activity

    activity = read_activity(config.get_content_ids(), activity_id)
    if activity is None:
        raise Missing(ACTIVITY_NOT_FOUND_MESSAGE)
    # A station's staff see the activities held at their stations.
    require(staff.may_see_station(activity.station))
    return activity


@app.route("/staff/activities", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_activities(staff):
    """List the activities the token may see, with places taken and the waiting list's length."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.activityrecords import visible_activities

    activities = visible_activities(config.get_content_ids(), staff)
    counts = config.get_staff().activities.counts(activity.id for activity in activities)
    items = []
    for activity in sorted(activities, key=lambda activity: activity.start, reverse=True):
        signed, waited = counts[activity.id]
        items.append({**activity.public(), "signed": signed, "waiting": waited})
    return {"items": items}


@app.route("/staff/activities/{activity_id}", methods=["GET"], cors=STAFF_CORS)
@staff_only()
def staff_activity(staff, activity_id):
    """Show an activity's sign-ups (each marked attended or not), waiting list and attendance."""
    activity = _activity_in_scope(staff, activity_id)
    side = config.get_staff()
    lists = side.activities.lists(activity)
    ids = [item["id"] for name in ("signups", "waiting", "attendance") for item in lists[name]]
    if ids:
        side.audit.record(staff, "activity.read", ids, {"activity": activity.id})
    return {"activity": activity.public(), **lists}


@app.route("/staff/activities/{activity_id}/attendance", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only()
def staff_activity_attendance(staff, activity_id):
    """Mark a signed-up member as attended (for members without a phone at hand)."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    signup_id = valid(staffinput.parse_mark_attendance(_body()))
    activity = _activity_in_scope(staff, activity_id)
    result = config.get_staff().activities.mark_attendance(activity, signup_id, staff)
    return Response(body={"id": result.id, **result.detail}, status_code=201 if result.created else 200)


@app.route("/staff/activities/{activity_id}/exports", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only()
def staff_activity_export(staff, activity_id):
    """Write an activity's sign-ups or attendance to a CSV or XLSX file; answer a link that downloads it."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import exports, staffinput

    form, file_format = valid(staffinput.parse_activity_export(_body()))
    activity = _activity_in_scope(staff, activity_id)
    side = config.get_staff()
    lists = side.activities.lists(activity)
    items = lists["signups"] + lists["waiting"] if form.name == "signup" else lists["attendance"]
    filename, fallback = exports.activity_export_filenames(form, activity.id, activity.title, file_format)
    columns = exports.columns_for(form, config.get_content_ids().stations)
    # An activity's lists are as long as its places: one request writes them.
    with exports.small_file(fallback, columns, form.title_zh, file_format, items) as (path, rows):
        download = config.get_downloads().publish(path, filename, fallback, exports.CONTENT_TYPES[file_format])
    detail = {"form": form.name, "activity": activity.id, "format": file_format, "rows": rows}
    side.audit.record(staff, "export.create", [download.key], detail)
    return {"url": download.url, "expires_at": download.expires_at, "filename": filename, "rows": rows}


@app.route("/staff/people", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_person(staff):
    """Show everything stored about one person, found by their mobile number."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.records import public_record

    mobile, items = _person()
    config.get_staff().audit.record(staff, "person.read", [item["id"] for item in items])
    return {"mobile": mobile, "records": [public_record(item) for item in items]}


@app.route("/staff/people", methods=["DELETE"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_person_erase(staff):
    """Erase everything stored about one person, leaving tombstones so a replay is not stored again."""
    _, items = _person()
    side = config.get_staff()
    # Written first: if the erasure stops half-way, the log still says what was asked for.
    side.audit.record(staff, "person.erase", [item["id"] for item in items])
    erased = side.people.erase(items)
    return {"erased": erased, "count": len(erased)}


@app.route("/staff/audit", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_audit(staff):
    """List the audit log, newest first, a page at a time."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    query = valid(staffinput.parse_audit_query(_query(), _today()))
    entries, position = config.get_staff().audit.page(query.day_from, query.day_to, query.limit, query.after)
    return {"items": entries, "cursor": staffinput.encode_cursor(position)}


@app.route("/staff/tokens", methods=["GET"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_tokens(staff):
    """List every staff token ever issued, newest first: who, which role and stations, until when; never a secret."""
    return {"items": [token.public() for token in config.get_staff().tokens.list()]}


@app.route("/staff/tokens", methods=["POST"], content_types=JSON_ONLY, cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_token_create(staff):
    """Issue a token for a colleague; the answer carries it this once (only its hash is stored)."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib import staffinput

    wanted = valid(staffinput.parse_token_request(_body(), config.get_content_ids().stations))
    side = config.get_staff()
    audit = side.audit.token_put(staff, "token.create")
    issued = side.tokens.create(wanted.name, wanted.role, wanted.stations, wanted.days, audit)
    body = {**issued.record.public(), "token": issued.token}
    return Response(body=body, status_code=201, headers={"Cache-Control": "no-store"})


@app.route("/staff/tokens/{token_id}", methods=["DELETE"], cors=STAFF_CORS)
@staff_only(admin_only=True)
def staff_token_revoke(staff, token_id):
    """Revoke a token from now on (again: no change); never the caller's own, so an office keeps a way in."""
    # Staff only: imported here, so a member's cold start never loads it.
    from chalicelib.tokens import TOKEN_ID_PATTERN

    if not re.fullmatch(TOKEN_ID_PATTERN, token_id):
        raise Missing(TOKEN_NOT_FOUND_MESSAGE)
    if token_id == staff.id:
        raise Refused("id", OWN_TOKEN_MESSAGE)
    side = config.get_staff()
    revoked = side.tokens.revoke(token_id, side.audit.token_put(staff, "token.revoke"))
    if revoked is None:
        raise Missing(TOKEN_NOT_FOUND_MESSAGE)
    return revoked.public()
