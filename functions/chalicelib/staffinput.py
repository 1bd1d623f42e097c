"""What staff send: query filters and bodies, checked with the forms' own rules, every error by field."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from chalicelib.dayindex import Position
from chalicelib.forms import (
    DATE_PATTERN,
    FORMS,
    SERVICE_FIELDS,
    SLUG_PATTERN_64,
    TEAM_FIELD,
    UUID_PATTERN,
    Choice,
    Field,
    FormDef,
    has_station,
    parse_submission_id,
    validate_fields,
)
from chalicelib.report import Period
from chalicelib.tokens import MAX_DAYS, MAX_NAME_LENGTH, ROLE_LABELS, ROLES, check_token_request
from chalicelib.workflow import STATUS_LABELS, TRANSFER_LABELS

DEFAULT_RANGE_DAYS = 30
# The office days staff may name: the service's years with room either side. Outside them
# a date is a typing mistake, and reckoning days from it would run past year 1 or 9999.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)
MAX_RANGE_DAYS = 366
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
MAX_FOLLOW_UP_DAYS_AGO = 3660
FORMATS = {"csv": "CSV（Excel 可直接打开）", "xlsx": "Excel 工作簿"}
UNKNOWN_MESSAGE = "不认识这一项，请刷新页面后重试"
REPEATED_MESSAGE = "这一项只能填一个"
EXPORT_ID_MESSAGE = "导出编号不正确，请刷新页面后重新导出"
NOTHING_TO_CHANGE_MESSAGE = "请修改处理状态、答复或备注中的至少一项"
UNKNOWN_BRANCH_MESSAGE = "没有这个支部（支部名单可能已更新，请刷新页面）"

_FROM = Field("from", "text", "开始日期", "From", required=False, max_length=10, pattern=DATE_PATTERN)
_TO = Field("to", "text", "结束日期", "To", required=False, max_length=10, pattern=DATE_PATTERN)
_STATION = Field("station", "text", "驿站编号", "Station", required=False, max_length=64, pattern=SLUG_PATTERN_64)
_STATUS = Field(
    "status",
    "choice",
    "处理状态",
    "Status",
    required=False,
    choices=tuple(Choice(value, label, value) for value, label in STATUS_LABELS.items()),
)
_BRANCH = Field("branch", "text", "支部编号", "Branch", required=False, max_length=64, pattern=SLUG_PATTERN_64)
# Where a volunteer stands with a team: no decision yet, taken in, or not taken in.
APPROVAL_LABELS = {"pending": "待审核", "approved": "已批准", "declined": "未批准"}
_TEAM = Field("team", "text", "服务队", "Team", required=False, max_length=64, pattern=SLUG_PATTERN_64)
_APPROVAL = Field(
    "approval",
    "choice",
    "审核情况",
    "Approval",
    required=False,
    choices=tuple(Choice(value, label, value) for value, label in APPROVAL_LABELS.items()),
)
_LIMIT = Field("limit", "text", "每页条数", "Page size", required=False, max_length=3, pattern=r"^[0-9]{1,3}$")
_CURSOR = Field("cursor", "text", "翻页标记", "Cursor", required=False, max_length=300, pattern=r"^[A-Za-z0-9_\-]+$")
_MOBILE = Field("mobile", "mobile", "手机号码", "Mobile number", max_length=20)

LIST_FIELDS = (_FROM, _TO, _STATION, _STATUS, _BRANCH, _TEAM, _APPROVAL, _LIMIT, _CURSOR)
STATS_FIELDS = (_FROM, _TO, _STATION)
REPORT_FIELDS = (_FROM, _TO)
AUDIT_FIELDS = (_FROM, _TO, _LIMIT, _CURSOR)
PERSON_FIELDS = (_MOBILE,)
REQUEST_CHANGE_FIELDS = (
    _STATUS,
    Field("reply", "textarea", "答复", "Reply", help_zh="党员凭受理编号查询时能看到", required=False, max_length=500),
    Field("note", "textarea", "内部备注", "Internal note", help_zh="只有工作人员看到", required=False, max_length=1000),
)
LIAISON_FIELDS = (
    Field("name", "text", "联系人姓名", "Liaison's name", min_length=2, max_length=20),
    Field("mobile", "mobile", "联系人电话", "Liaison's mobile", required=False, max_length=20),
    Field("note", "textarea", "备注", "Note", required=False, max_length=200),
)
FOLLOW_UP_FIELDS = (
    Field("date", "text", "跟进日期", "Date", max_length=10, pattern=DATE_PATTERN),
    Field("note", "textarea", "跟进情况", "What happened", min_length=2, max_length=500),
)
TRANSFER_FIELDS = (
    Field(
        "state",
        "choice",
        "组织关系转接",
        "Membership transfer",
        choices=tuple(Choice(value, label, value) for value, label in TRANSFER_LABELS.items()),
    ),
    Field("note", "textarea", "备注", "Note", required=False, max_length=200),
)
# A member's branch. The branches are the content's, known only when the build or the API
# runs: branch_fields() gives the field its choices then.
BRANCH_FIELDS = (
    Field("branch", "choice", "所属支部", "Branch", help_zh="党员就近参加组织生活的支部（联系人之外）"),
    Field("note", "textarea", "备注", "Note", required=False, max_length=200),
)
# Sign-ups and attendance are listed and exported by activity (ACTIVITY_EXPORT_FIELDS), not by day.
DAY_LISTED_FORMS = tuple(form for form in FORMS.values() if not form.by_activity)
EXPORT_FIELDS = (
    Field(
        "form", "choice", "表单", "Form", choices=tuple(Choice(f.name, f.title_zh, f.name) for f in DAY_LISTED_FORMS)
    ),
    _FROM,
    _TO,
    _STATION,
    _STATUS,
    _BRANCH,
    Field("format", "choice", "文件格式", "Format", choices=tuple(Choice(k, v, k) for k, v in FORMATS.items())),
)
_FORMAT = EXPORT_FIELDS[-1]
ACTIVITY_EXPORT_FIELDS = (
    Field(
        "list",
        "choice",
        "名单",
        "List",
        choices=(
            Choice("signup", "报名和候补名单", "Sign-ups and waiting list"),
            Choice("attendance", "签到名单", "Attendance"),
        ),
    ),
    _FORMAT,
)
MARK_ATTENDANCE_FIELDS = (Field("signup", "text", "报名编号", "Sign-up id", max_length=36, pattern=UUID_PATTERN),)

# Staff take a volunteer into a team (by default the one they asked for), or decline them.
# The teams are the content's: team_decision_fields() gives the field its choices.
TEAM_DECISION_FIELDS = (
    Field("team", "choice", "服务队", "Team"),
    Field(
        "decision",
        "choice",
        "审核结果",
        "Decision",
        choices=(Choice("approved", "批准加入", "approved"), Choice("declined", "不批准", "declined")),
    ),
    Field("note", "textarea", "备注", "Note", required=False, max_length=200),
)

# Staff confirm a member's report of service (it then counts in the totals) or reject it.
REVIEW_LABELS = {"confirmed": "已确认", "rejected": "未采纳"}
REVIEW_FIELDS = (
    Field(
        "decision",
        "choice",
        "核实结果",
        "Decision",
        choices=tuple(Choice(value, label, value) for value, label in REVIEW_LABELS.items()),
    ),
    Field("note", "textarea", "备注", "Note", required=False, max_length=200),
)
TOTALS_FIELDS = (_FROM, _TO)
SERVICE_EXPORT_FIELDS = (_FROM, _TO, EXPORT_FIELDS[-1])
MAX_SERVICE_DAYS_AGO = 3660

# A new staff token. The stations a token may name are the content's, known only when the
# build or the API runs: token_fields() gives the field its choices then.
TOKEN_FIELDS = (
    Field("name", "text", "姓名", "Name", help_zh="令牌发给谁：同事的姓名", max_length=MAX_NAME_LENGTH),
    Field("role", "choice", "角色", "Role", choices=tuple(Choice(role, ROLE_LABELS[role], role) for role in ROLES)),
    Field(
        "stations",
        "multichoice",
        "驿站",
        "Stations",
        help_zh="驿站工作人员只能看到这些驿站的诉求和签到；管理员不选",
        required=False,
    ),
    Field(
        "days",
        "text",
        "有效天数",
        "Days valid",
        help_zh=f"1 到 {MAX_DAYS} 天，到期后要重新发放",
        max_length=3,
        pattern=r"^[0-9]{1,3}$",
    ),
)


@dataclass(frozen=True)
class ListQuery:
    """A page of a form's records: office days, filters, page size and where to go on from."""

    day_from: date
    day_to: date
    station: str | None
    status: str | None
    limit: int
    after: Position | None
    branch: str | None = None
    team: str | None = None
    approval: str | None = None


@dataclass(frozen=True)
class StatsQuery:
    """The numbers for office days, for one station or all a token may see."""

    day_from: date
    day_to: date
    station: str | None


@dataclass(frozen=True)
class AuditQuery:
    """A page of the audit log."""

    day_from: date
    day_to: date
    limit: int
    after: Position | None


@dataclass(frozen=True)
class RequestChange:
    """What a member of staff changes on a request: None leaves a part as it is."""

    status: str | None
    reply: str | None
    note: str | None


@dataclass(frozen=True)
class Liaison:
    """The member of staff or volunteer paired with a member ("1+1")."""

    name: str
    mobile: str | None
    note: str


@dataclass(frozen=True)
class BranchAssignment:
    """The branch a member takes part in organisation life with (see branches.yaml)."""

    branch: str
    note: str


@dataclass(frozen=True)
class FollowUp:
    """One contact with a member: when, and what came of it."""

    day: date
    note: str


@dataclass(frozen=True)
class Transfer:
    """Where moving a member's membership relation stands."""

    state: str
    note: str


@dataclass(frozen=True)
class TeamDecision:
    """A volunteer taken into a team, or declined."""

    team: str
    decision: str
    note: str


@dataclass(frozen=True)
class ServicePiece:
    """A piece of a team's volunteer service: when, what, how many times or trips, hours, people."""

    team: str
    day: date
    what: str
    times: int
    hours: Decimal
    people: int


@dataclass(frozen=True)
class Review:
    """A member's report of service, confirmed or rejected by staff."""

    decision: str
    note: str


@dataclass(frozen=True)
class ExportRequest:
    """Which records go into a file, which kind of file, and the job's id (the console makes one a click)."""

    job: str
    form: FormDef
    day_from: date
    day_to: date
    station: str | None
    status: str | None
    format: str
    branch: str | None = None


@dataclass(frozen=True)
class TokenRequest:
    """A staff token an admin asks for: whose, which role, which stations, for how many days."""

    name: str
    role: str
    stations: tuple[str, ...]
    days: int


def query_values(params: Mapping | None) -> tuple[dict[str, str], dict[str, str]]:
    """Return (one value per query parameter, errors for parameters given more than once)."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    params = params or {}
    for name in params:
        given = params.getlist(name) if hasattr(params, "getlist") else [params[name]]
        if len(given) > 1:
            errors[name] = REPEATED_MESSAGE
        values[name] = given[-1]
    return values, errors


def parse_list_query(
    form: FormDef, params: Mapping | None, today: date, branches: Mapping[str, str]
) -> tuple[ListQuery | None, dict[str, str]]:
    """Return the checked filters of a page of records, or every error by field; `branches` are
    the content's (id → name)."""
    clean, errors = _validate(LIST_FIELDS, params)
    day_from, day_to = _range(clean, today, errors)
    _check_applies(form, clean, errors, branches)
    limit = _limit(clean, errors)
    after = _cursor(clean, day_from, day_to, errors)
    if errors:
        return None, errors
    query = ListQuery(day_from, day_to, clean.get("station"), clean.get("status"), limit, after, clean.get("branch"))
    return replace(query, team=clean.get("team"), approval=clean.get("approval")), {}


def parse_stats_query(params: Mapping | None, today: date) -> tuple[StatsQuery | None, dict[str, str]]:
    """Return the checked days and station of the numbers, or every error by field."""
    clean, errors = _validate(STATS_FIELDS, params)
    day_from, day_to = _range(clean, today, errors)
    if errors:
        return None, errors
    return StatsQuery(day_from, day_to, clean.get("station")), {}


def parse_report_query(params: Mapping | None, today: date) -> tuple[Period | None, dict[str, str]]:
    """Return the checked office days of the report, or every error by field."""
    clean, errors = _validate(REPORT_FIELDS, params)
    day_from, day_to = _range(clean, today, errors)
    if errors:
        return None, errors
    return Period(day_from, day_to), {}


def parse_audit_query(params: Mapping | None, today: date) -> tuple[AuditQuery | None, dict[str, str]]:
    """Return the checked days and page of the audit log, or every error by field."""
    clean, errors = _validate(AUDIT_FIELDS, params)
    day_from, day_to = _range(clean, today, errors)
    limit = _limit(clean, errors)
    after = _cursor(clean, day_from, day_to, errors)
    if errors:
        return None, errors
    return AuditQuery(day_from, day_to, limit, after), {}


def parse_mobile(params: Mapping | None) -> tuple[str | None, dict[str, str]]:
    """Return the normalised mobile number a person is looked up by, or the errors."""
    clean, errors = _validate(PERSON_FIELDS, params)
    return (None, errors) if errors else (str(clean["mobile"]), {})


def parse_request_change(body: Mapping[str, object]) -> tuple[RequestChange | None, dict[str, str]]:
    """Return the checked change to a request, or every error by field."""
    clean, errors = _validate(REQUEST_CHANGE_FIELDS, body)
    _keep_cleared(body, clean, errors, ("reply", "note"))
    if not errors and not any(name in clean for name in ("status", "reply", "note")):
        errors["status"] = NOTHING_TO_CHANGE_MESSAGE
    if errors:
        return None, errors
    return RequestChange(clean.get("status"), clean.get("reply"), clean.get("note")), {}


def parse_liaison(body: Mapping[str, object]) -> tuple[Liaison | None, dict[str, str]]:
    """Return the checked liaison, or every error by field."""
    clean, errors = _validate(LIAISON_FIELDS, body)
    if errors:
        return None, errors
    return Liaison(str(clean["name"]), clean.get("mobile"), str(clean.get("note", ""))), {}


def parse_follow_up(body: Mapping[str, object], today: date) -> tuple[FollowUp | None, dict[str, str]]:
    """Return the checked follow-up, or every error by field."""
    clean, errors = _validate(FOLLOW_UP_FIELDS, body)
    day = _date(clean, "date", "跟进日期", errors)
    if day is not None and day > today:
        errors["date"] = "跟进日期不能晚于今天"
    elif day is not None and (today - day).days > MAX_FOLLOW_UP_DAYS_AGO:
        errors["date"] = "跟进日期太早了，请核对"
    if errors or day is None:
        return None, errors
    return FollowUp(day, str(clean["note"])), {}


def branch_fields(branches: Mapping[str, str]) -> tuple[Field, ...]:
    """Return BRANCH_FIELDS with the branches to pick from (id → name): the console shows them, the API checks them."""
    choices = tuple(Choice(branch, name, branch) for branch, name in branches.items())
    return tuple(replace(field, choices=choices) if field.name == "branch" else field for field in BRANCH_FIELDS)


def parse_branch(
    body: Mapping[str, object], branches: Mapping[str, str]
) -> tuple[BranchAssignment | None, dict[str, str]]:
    """Return the checked branch assignment, or every error by field; `branches` are the content's (id → name)."""
    clean, errors = _validate(branch_fields(branches), body)
    given = body.get("branch")
    if "branch" in errors and isinstance(given, str) and given.strip():
        errors["branch"] = UNKNOWN_BRANCH_MESSAGE
    if errors:
        return None, errors
    return BranchAssignment(str(clean["branch"]), str(clean.get("note", ""))), {}


def parse_transfer(body: Mapping[str, object]) -> tuple[Transfer | None, dict[str, str]]:
    """Return the checked membership-transfer state, or every error by field."""
    clean, errors = _validate(TRANSFER_FIELDS, body)
    if errors:
        return None, errors
    return Transfer(str(clean["state"]), str(clean.get("note", ""))), {}


def team_decision_fields(teams: Mapping[str, str]) -> tuple[Field, ...]:
    """Return TEAM_DECISION_FIELDS with the content's teams (id → name) to pick from."""
    choices = tuple(Choice(team, name, team) for team, name in teams.items())
    return tuple(replace(field, choices=choices) if field.name == "team" else field for field in TEAM_DECISION_FIELDS)


def parse_team_decision(
    body: Mapping[str, object], teams: Mapping[str, str]
) -> tuple[TeamDecision | None, dict[str, str]]:
    """Return the checked decision on a volunteer, or every error by field; `teams` are the content's."""
    clean, errors = _validate(team_decision_fields(teams), body)
    if errors:
        return None, errors
    return TeamDecision(str(clean["team"]), str(clean["decision"]), str(clean.get("note", ""))), {}


def service_fields(teams: Mapping[str, str]) -> tuple[Field, ...]:
    """Return the service record's fields with the content's teams (id → name) to pick from."""
    choices = tuple(Choice(team, name, team) for team, name in teams.items())
    return tuple(replace(field, choices=choices) if field.name == TEAM_FIELD else field for field in SERVICE_FIELDS)


def parse_service(
    body: Mapping[str, object], teams: Mapping[str, str], today: date
) -> tuple[ServicePiece | None, dict[str, str]]:
    """Return the checked piece of service (a member's report or staff's record), or every error by field."""
    clean, errors = _validate(service_fields(teams), body)
    day = _date(clean, "date", "服务日期", errors)
    if day is not None and day > today:
        errors["date"] = "服务日期不能晚于今天"
    elif day is not None and (today - day).days > MAX_SERVICE_DAYS_AGO:
        errors["date"] = "服务日期太早了，请核对"
    for name, label in (("times", "次数或趟数"), ("people", "参加人数")):
        if name in clean and int(str(clean[name])) < 1:
            errors[name] = f"{label}至少是 1"
    if errors or day is None:
        return None, errors
    piece = ServicePiece(
        str(clean["team"]),
        day,
        str(clean["what"]),
        int(str(clean["times"])),
        Decimal(str(clean["hours"])),
        int(str(clean["people"])),
    )
    return piece, {}


def parse_review(body: Mapping[str, object]) -> tuple[Review | None, dict[str, str]]:
    """Return the checked review of a member's report, or every error by field."""
    clean, errors = _validate(REVIEW_FIELDS, body)
    if errors:
        return None, errors
    return Review(str(clean["decision"]), str(clean.get("note", ""))), {}


def parse_totals_query(params: Mapping | None, today: date) -> tuple[tuple[date, date] | None, dict[str, str]]:
    """Return the checked period (first and last service day) of the totals, or every error by field."""
    clean, errors = _validate(TOTALS_FIELDS, params)
    day_from, day_to = _range(clean, today, errors)
    return (None, errors) if errors else ((day_from, day_to), {})


def parse_service_export(body: Mapping[str, object], today: date) -> tuple[tuple[date, date, str] | None, dict]:
    """Return the checked period (days of service) and file format of a service records export, or the errors."""
    clean, errors = _validate(SERVICE_EXPORT_FIELDS, body)
    day_from, day_to = _range(clean, today, errors)
    return (None, errors) if errors else ((day_from, day_to, str(clean["format"])), {})


def parse_export(
    body: Mapping[str, object], today: date, branches: Mapping[str, str]
) -> tuple[ExportRequest | None, dict[str, str]]:
    """Return the checked export request, or every error by field; `branches` are the content's (id → name)."""
    fields = dict(body)
    job, problem = parse_submission_id(fields.pop("job", None), required=True)
    clean, errors = _validate(EXPORT_FIELDS, fields)
    if problem:
        errors["job"] = EXPORT_ID_MESSAGE
    day_from, day_to = _range(clean, today, errors)
    form = FORMS.get(str(clean.get("form")))
    if form is not None:
        _check_applies(form, clean, errors, branches)
    if errors or form is None or job is None:
        return None, errors
    wanted = ExportRequest(
        job,
        form,
        day_from,
        day_to,
        clean.get("station"),
        clean.get("status"),
        str(clean["format"]),
        clean.get("branch"),
    )
    return wanted, {}


def parse_activity_export(body: Mapping[str, object]) -> tuple[tuple[FormDef, str] | None, dict[str, str]]:
    """Return (the form whose records go in the file, the file's format), or every error by field."""
    clean, errors = _validate(ACTIVITY_EXPORT_FIELDS, body)
    if errors:
        return None, errors
    return (FORMS[str(clean["list"])], str(clean["format"])), {}


def parse_mark_attendance(body: Mapping[str, object]) -> tuple[str | None, dict[str, str]]:
    """Return the id of the sign-up staff mark as attended (lowercase, as stored), or the error by field."""
    clean, errors = _validate(MARK_ATTENDANCE_FIELDS, body)
    if errors:
        return None, errors
    return str(clean["signup"]).lower(), {}


def token_fields(stations: Mapping[str, str]) -> tuple[Field, ...]:
    """Return TOKEN_FIELDS with the stations to pick from (id → name): the console shows them, the API checks them."""
    choices = tuple(Choice(station, name, station) for station, name in stations.items())
    return tuple(replace(field, choices=choices) if field.name == "stations" else field for field in TOKEN_FIELDS)


def parse_token_request(
    body: Mapping[str, object], stations: Mapping[str, str]
) -> tuple[TokenRequest | None, dict[str, str]]:
    """Return the checked token request, or every error by field; `stations` are the content's (id → name)."""
    body = dict(body)
    days = body.get("days")
    # A script may send the days as a number; the console sends what was typed.
    if isinstance(days, int) and not isinstance(days, bool):
        body["days"] = str(days)
    clean, errors = _validate(token_fields(stations), body)
    given = body.get("stations")
    if "stations" in errors and isinstance(given, list):
        unknown = [str(station) for station in given if str(station).strip() not in stations]
        if unknown:
            errors["stations"] = f"没有这些驿站：{'、'.join(unknown)}（驿站名单可能已更新，请刷新页面）"
    wanted = TokenRequest(
        str(clean.get("name", "")),
        str(clean.get("role", "")),
        tuple(clean.get("stations", ())),
        int(str(clean.get("days", 0))),
    )
    # The rules between fields (a station token names stations, an admin's none; days in range)
    # are the token store's own, as `build.py tokens` checks them.
    for name, message in check_token_request(wanted.name, wanted.role, wanted.stations, wanted.days).items():
        if name not in errors:
            errors[name] = message
    if errors:
        return None, errors
    return wanted, {}


def encode_cursor(position: Position | None) -> str | None:
    """Return an opaque page cursor for a position (None at the end)."""
    if position is None:
        return None
    text = json.dumps({"d": position.day.isoformat(), "b": position.before}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> Position | None:
    """Return the position a cursor stands for, or None if it is not one this API made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("utf-8"))
        day = date.fromisoformat(value["d"])
        before = value["b"]
    except (binascii.Error, ValueError, UnicodeDecodeError, TypeError, KeyError):
        return None
    if not isinstance(before, str) or not before or len(before) > 200 or not before.isprintable():
        return None
    try:
        # JSON can carry lone surrogates, which no request to DynamoDB can.
        before.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return Position(day, before)


def _validate(fields: tuple[Field, ...], data: Mapping | None) -> tuple[dict, dict[str, str]]:
    if data is not None and not isinstance(data, dict):
        values, errors = query_values(data)
    else:
        values, errors = dict(data or {}), {}
    clean, problems = validate_fields(fields, values, unknown_message=UNKNOWN_MESSAGE)
    return clean, {**problems, **errors}


def _keep_cleared(body: Mapping[str, object], clean: dict, errors: dict[str, str], names: tuple[str, ...]) -> None:
    # An empty reply or note that was sent on purpose clears it.
    for name in names:
        value = body.get(name)
        if name not in errors and isinstance(value, str) and not value.strip():
            clean[name] = ""


def _date(clean: dict, name: str, label: str, errors: dict[str, str]) -> date | None:
    text = clean.get(name)
    if text is None:
        return None
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        errors[name] = f"{label}不是有效的日期"
        return None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        errors[name] = f"{label}应在 {EARLIEST_DAY.isoformat()} 到 {LATEST_DAY.isoformat()} 之间"
        return None
    return day


def _range(clean: dict, today: date, errors: dict[str, str]) -> tuple[date, date]:
    day_to = _date(clean, "to", "结束日期", errors) or today
    day_from = _date(clean, "from", "开始日期", errors) or day_to - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if "from" in errors or "to" in errors:
        return day_from, day_to
    if day_from > day_to:
        errors["from"] = "开始日期不能晚于结束日期"
    elif (day_to - day_from).days + 1 > MAX_RANGE_DAYS:
        errors["to"] = f"一次最多查看{MAX_RANGE_DAYS}天"
    return day_from, day_to


def _check_applies(form: FormDef, clean: dict, errors: dict[str, str], branches: Mapping[str, str]) -> None:
    if clean.get("station") and not has_station(form):
        errors["station"] = f"“{form.title_zh}”的记录不属于某个驿站"
    if clean.get("status") and not form.issues_ticket:
        errors["status"] = "只有诉求有处理状态"
    branch = clean.get("branch")
    if branch and form.name != "registration":
        errors["branch"] = "只有归队登记的党员分配了支部"
    elif branch and branch not in branches:
        errors["branch"] = UNKNOWN_BRANCH_MESSAGE
    has_team = any(field.name == TEAM_FIELD for field in form.fields)
    for name in ("team", "approval"):
        if clean.get(name) and not has_team:
            errors[name] = "只有志愿服务报名按服务队审核"


def _limit(clean: dict, errors: dict[str, str]) -> int:
    if "limit" not in clean:
        return DEFAULT_PAGE_SIZE
    limit = int(str(clean["limit"]))
    if not 1 <= limit <= MAX_PAGE_SIZE:
        errors["limit"] = f"每页条数应为 1 到 {MAX_PAGE_SIZE}"
    return limit


def _cursor(clean: dict, day_from: date, day_to: date, errors: dict[str, str]) -> Position | None:
    if "cursor" not in clean:
        return None
    position = decode_cursor(str(clean["cursor"]))
    if position is None or not day_from <= position.day <= day_to:
        errors["cursor"] = "翻页标记不正确，请从第一页重新查看"
        return None
    return position
