"""Form definitions and their validation: one definition drives the HTML form and the server."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

KINDS = ("text", "mobile", "textarea", "choice", "multichoice", "consent", "hidden")
TEXT_KINDS = ("text", "mobile", "textarea", "hidden")
HONEYPOT_FIELD = "homepage"
ID_FIELD = "id"
SUMMARY_MESSAGE = "请检查以下内容"
ID_MESSAGE = "提交编号不正确，请刷新页面后重新提交"
UNKNOWN_FIELD_MESSAGE = "表单中有多余的内容，请刷新页面后重新填写"
CONSENT_MESSAGE = "请阅读并同意个人信息说明"
# What a checked box sends in a form post, or the page's JavaScript in JSON (besides true).
CONSENT_VALUES = ("on", "true", "1", "yes")
# Every text value is capped, even where a field does not name its own limit.
DEFAULT_MAX_LENGTH = 100
# Control characters a member may type in a multi-line box; every other one is refused.
TEXTAREA_CONTROLS = "\n\t"
# What JavaScript's String.prototype.trim removes: the page and the server trim the same.
TRIMMED = "\t\n\v\f\r \xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
# Code points no name or message may hold, as inclusive ranges: control characters; lone
# surrogates (JSON carries them, no store saves them); every bidirectional control, which
# makes a name look on screen other than it is stored; and the noncharacters.
REFUSED_CHARACTERS: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x061C, 0x061C),
    (0x200E, 0x200F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0xD800, 0xDFFF),
    (0xFDD0, 0xFDEF),
    # The last two code points of every plane (U+FFFE, U+FFFF, U+1FFFE … U+10FFFF).
    *((plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)),
)
_REFUSED_RE = re.compile("[" + "".join(f"\\U{start:08x}-\\U{end:08x}" for start, end in REFUSED_CHARACTERS) + "]")

# Patterns are valid in Python and in JavaScript, including an HTML pattern attribute
# (compiled with the "v" flag, where a literal "-" inside [...] must be escaped).
MOBILE_PATTERN = r"^1[3-9]\d{9}$"
SLUG_PATTERN_40 = r"^[a-z0-9\-]{1,40}$"
SLUG_PATTERN_64 = r"^[a-z0-9\-]{1,64}$"
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# A moment as the page's Date.prototype.toISOString() writes it (UTC, milliseconds).
UTC_MOMENT_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$"
# Mobile numbers are typed with spaces or hyphens, or copied with the country code.
MOBILE_REMOVED_CHARACTERS = " -"
MOBILE_COUNTRY_PREFIX = "+86"

# Routes of the forms that page JavaScript sends without a rendered form.
_EVENT_PATHS = {"checkin": "/checkins", "study": "/study", "attendance": "/attendance"}


@dataclass(frozen=True)
class Choice:
    """One option of a choice or multichoice field: the stored value and its labels."""

    value: str
    zh: str
    en: str


@dataclass(frozen=True)
class Field:
    """One input of a form, as the page renders it and the server checks it."""

    name: str
    kind: str  # one of KINDS
    label_zh: str
    label_en: str
    help_zh: str = ""
    required: bool = True
    max_length: int | None = None  # in code points; DEFAULT_MAX_LENGTH when None
    min_length: int | None = None
    choices: tuple[Choice, ...] = ()
    pattern: str | None = None  # a regex both Python and JavaScript accept, anchored ^...$
    required_with: str | None = None  # required only when this other field is non-empty


@dataclass(frozen=True)
class FormDef:
    """A whole form: texts for the page, the privacy notice, its fields."""

    name: str
    title_zh: str
    title_en: str
    intro_zh: str
    privacy_zh: str
    retention_days: int | None
    fields: tuple[Field, ...]
    public: bool = True  # a rendered page with a honeypot; False for events sent by page JS
    issues_ticket: bool = False  # answers carry a ticket to look the status up by
    # Listed by the activity it names (chalicelib/activities.py), not by office day.
    by_activity: bool = False

    @property
    def api_path(self) -> str:
        """Return the path of the API route that takes this form."""
        return f"/forms/{self.name}" if self.public else _EVENT_PATHS[self.name]


def has_station(form: FormDef) -> bool:
    """Return True if the form's records belong to a station (requests and check-ins)."""
    return any(field.name == "station" for field in form.fields)


_CONSENT = Field(
    "consent", "consent", "我已阅读并同意个人信息说明", "I have read and agree to the personal information notice"
)
_NAME = Field("name", "text", "姓名", "Name", min_length=2, max_length=20)
_MOBILE = Field(
    "mobile", "mobile", "手机号码", "Mobile number", max_length=20, help_zh="11位手机号码，联系人用它和您联系"
)
_ACTIVITY = Field("activity", "hidden", "活动编号", "Activity", max_length=64, pattern=SLUG_PATTERN_64)
# The registration made on this phone, when there is one (as for study marks).
_MEMBER = Field("member", "hidden", "登记编号", "Registration id", required=False, max_length=36, pattern=UUID_PATTERN)

REGISTRATION = FormDef(
    name="registration",
    title_zh="流动党员归队登记",
    title_en="Return registration for mobile members",
    intro_zh="填写下面几项，一次提交就能和组织取得联系。提交后会有联系人与您结对，帮您转接组织关系。",
    privacy_zh=(
        "本平台主办单位收集您的姓名、手机号码、组织关系所在地、工作单位、工作区域和工作类型，"
        "仅用于与您联系、安排结对联系人和协助转接组织关系，不公开、不用于其他用途。"
        "信息保存至组织关系转接完成或您要求删除为止；查询、更正或删除，请告诉您的联系人或任一驿站。"
    ),
    retention_days=None,
    fields=(
        _NAME,
        _MOBILE,
        Field(
            "home_org",
            "text",
            "组织关系所在单位或地区",
            "Where your membership is held",
            max_length=60,
            help_zh="例如：原工作单位、村或社区的党组织",
        ),
        Field("employer", "text", "工作企业或平台", "Employer or platform", max_length=60),
        Field("work_area", "text", "工作区域", "Work area", max_length=60, help_zh="平时接单、送货或跑车的乡镇、街道"),
        Field(
            "job_type",
            "choice",
            "工作类型",
            "Job type",
            choices=(
                Choice("food_delivery", "外卖骑手", "Food delivery rider"),
                Choice("courier", "快递员", "Courier"),
                Choice("ride_hailing", "网约车司机", "Ride-hailing driver"),
                Choice("freight", "货车司机", "Freight driver"),
                Choice("other", "其他", "Other"),
            ),
        ),
        Field("source", "hidden", "来源标记", "Source tag", required=False, max_length=40, pattern=SLUG_PATTERN_40),
        _CONSENT,
    ),
)

REQUEST = FormDef(
    name="request",
    title_zh="诉求与建议",
    title_en="Requests and suggestions",
    intro_zh="遇到困难或有建议，写在这里。提交后会得到一个受理编号，凭编号可以查看处理进度和答复。",
    privacy_zh=(
        "本平台主办单位收集您的留言和（如您填写）联系电话，仅用于处理这条诉求并把结果告诉您。"
        "不留电话也可以，凭受理编号查看答复。信息保存两年，到期自动删除。"
    ),
    retention_days=730,
    issues_ticket=True,
    fields=(
        # A problem at work is not at a station: a request from a station's page carries it.
        Field("station", "hidden", "驿站编号", "Station", required=False, max_length=64, pattern=SLUG_PATTERN_64),
        Field(
            "category",
            "choice",
            "诉求类别",
            "Category",
            choices=(
                Choice("rights", "工作权益", "Work rights"),
                Choice("hardship", "生活困难", "Hardship"),
                Choice("station_service", "驿站服务", "Station services"),
                Choice("traffic", "交通出行", "Traffic"),
                Choice("suggestion", "建议意见", "Suggestion"),
                Choice("other", "其他", "Other"),
            ),
        ),
        Field("message", "textarea", "留言", "Message", min_length=5, max_length=500),
        Field(
            "contact",
            "mobile",
            "联系电话",
            "Contact number",
            required=False,
            max_length=20,
            help_zh="选填。留下电话，处理后我们会打给您",
        ),
        replace(_CONSENT, required=False, required_with="contact"),
    ),
)

# The kinds of volunteer service: what a volunteer offers, and what a team of teams.yaml gives.
SERVICE_CHOICES = (
    Choice("logistics", "物资运送", "Delivering supplies"),
    Choice("safety", "平安宣传", "Safety campaigns"),
    Choice("civility", "文明创建", "Civility campaigns"),
    Choice("emergency", "应急保障", "Emergency support"),
    Choice("other", "其他", "Other"),
)
TEAM_SERVICES = {choice.value: choice.zh for choice in SERVICE_CHOICES}
TEAM_FIELD = "team"

VOLUNTEER = FormDef(
    name="volunteer",
    title_zh="志愿服务报名",
    title_en="Volunteer sign-up",
    intro_zh="跑单路上也能出一份力。选好愿意参加的服务和方便的时间，有活动时联系人会提前告诉您。",
    privacy_zh=(
        "本平台主办单位收集您的姓名、手机号码和报名选项，仅用于安排志愿服务时与您联系。"
        "信息保存两年，到期自动删除；您也可以随时告诉联系人删除。"
    ),
    retention_days=730,
    fields=(
        _NAME,
        _MOBILE,
        Field("helps", "multichoice", "愿意参加的服务", "How you can help", choices=SERVICE_CHOICES),
        Field(
            "availability",
            "choice",
            "方便的时间",
            "When you are available",
            choices=(
                Choice("weekdays", "工作日", "Weekdays"),
                Choice("weekends", "周末", "Weekends"),
                Choice("anytime", "随时", "Any time"),
            ),
        ),
        # The teams are content (teams.yaml): with_teams() fills in the choices the site was built with.
        Field(
            TEAM_FIELD,
            "choice",
            "想加入的服务队",
            "Team you would like to join",
            required=False,
            help_zh="选填。不确定可以不选，联系人会帮您安排",
        ),
        _CONSENT,
    ),
)

# A piece of volunteer service, as a member reports it and as staff record it: the same
# fields, the same checks. The numbers are typed as text and stored as numbers once confirmed.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
COUNT_PATTERN = r"^[0-9]{1,6}$"
HOURS_PATTERN = r"^[0-9]{1,4}(\.[0-9])?$"
SERVICE_FIELDS = (
    Field(TEAM_FIELD, "choice", "服务队", "Team"),
    Field("date", "text", "服务日期", "Date", max_length=10, pattern=DATE_PATTERN, help_zh="例如 2026-11-20"),
    Field("what", "textarea", "服务内容", "What was done", min_length=4, max_length=300),
    Field(
        "times",
        "text",
        "次数或趟数",
        "Times or trips",
        max_length=6,
        pattern=COUNT_PATTERN,
        help_zh="送了几次、跑了几趟",
    ),
    Field("hours", "text", "服务时长（小时）", "Hours", max_length=6, pattern=HOURS_PATTERN, help_zh="例如 2 或 1.5"),
    Field("people", "text", "参加人数", "People taking part", max_length=6, pattern=COUNT_PATTERN),
)

SERVICE = FormDef(
    name="service",
    title_zh="志愿服务记录上报",
    title_en="Report your volunteer service",
    intro_zh="参加了服务队的志愿服务，在这里报一下做了什么、几次、多长时间。工作人员核实后计入服务队的服务记录。",
    privacy_zh=(
        "本平台主办单位收集您的姓名、手机号码和上报的服务情况，仅用于核实和统计志愿服务。"
        "信息保存两年，到期自动删除；您也可以随时告诉联系人删除。"
    ),
    retention_days=730,
    fields=(_NAME, _MOBILE, *SERVICE_FIELDS, _CONSENT),
)

CHECKIN = FormDef(
    name="checkin",
    title_zh="驿站签到",
    title_en="Station check-in",
    intro_zh="在驿站扫码签到，帮助我们统计服务人次。",
    privacy_zh="签到只记录驿站和时间，不收集个人信息。",
    retention_days=None,
    public=False,
    fields=(Field("station", "hidden", "驿站编号", "Station", max_length=64, pattern=SLUG_PATTERN_64),),
)

STUDY = FormDef(
    name="study",
    title_zh="学习记录",
    title_en="Lesson studied",
    intro_zh="标记本课已学，帮助我们统计每课每天的学习次数。",
    privacy_zh="只记录课程、时间和（如本机登记过）登记编号，不收集其他个人信息。",
    retention_days=None,
    public=False,
    fields=(
        Field("lesson", "hidden", "课程编号", "Lesson", max_length=64, pattern=SLUG_PATTERN_64),
        _MEMBER,
    ),
)

SIGNUP = FormDef(
    name="signup",
    title_zh="活动报名",
    title_en="Activity sign-up",
    intro_zh="填写姓名和手机号码报名，组织者会按这个号码通知您活动的安排。",
    privacy_zh=(
        "本平台主办单位收集您的姓名和手机号码，仅用于这次活动的报名、通知和签到统计，不公开、不用于其他用途。"
        "信息保存两年，到期自动删除；您也可以随时告诉组织者或任一驿站删除。"
    ),
    retention_days=730,
    by_activity=True,
    fields=(
        _ACTIVITY,
        _NAME,
        _MOBILE,
        # Set by the page when the member chose the waiting list of a full activity.
        Field("waitlist", "hidden", "候补标记", "Waiting list", required=False, max_length=3, pattern=r"^yes$"),
        _CONSENT,
    ),
)

ATTENDANCE = FormDef(
    name="attendance",
    title_zh="活动签到",
    title_en="Activity attendance",
    intro_zh="在活动现场扫码签到，或从活动页面打开线上活动的链接时签到。",
    privacy_zh="签到记录活动、时间和本机的随机编号；本机登记或报名过时，连同登记或报名编号，不收集其他个人信息。",
    retention_days=730,
    public=False,
    by_activity=True,
    fields=(
        _ACTIVITY,
        # A random id the page keeps in localStorage: one attendance per phone per activity.
        Field("phone", "hidden", "本机编号", "Phone id", max_length=36, pattern=UUID_PATTERN),
        Field("scanned_at", "hidden", "签到时间", "Scanned at", max_length=24, pattern=UTC_MOMENT_PATTERN),
        Field("way", "hidden", "签到方式", "How", max_length=6, pattern=r"^(door|online)$"),
        _MEMBER,
        Field("signup", "hidden", "报名编号", "Sign-up id", required=False, max_length=36, pattern=UUID_PATTERN),
    ),
)

FORMS: dict[str, FormDef] = {
    f.name: f for f in (REGISTRATION, REQUEST, VOLUNTEER, SERVICE, CHECKIN, STUDY, SIGNUP, ATTENDANCE)
}


def with_teams(form: FormDef, teams: Mapping[str, str]) -> FormDef:
    """Return the form with the content's teams (id → name) as its team field's choices.

    Without teams an optional team field is left out, and a required one refuses every value."""
    fields = []
    for field in form.fields:
        if field.name != TEAM_FIELD:
            fields.append(field)
        elif teams or field.required:
            fields.append(replace(field, choices=tuple(Choice(key, name, key) for key, name in teams.items())))
    return replace(form, fields=tuple(fields))


def field_messages(field: Field) -> dict[str, str]:
    """Return the Chinese message for each way a field can be wrong."""
    label = field.label_zh
    if field.kind == "consent":
        return {"required": CONSENT_MESSAGE, "invalid": CONSENT_MESSAGE}
    if field.kind in ("choice", "multichoice"):
        return {"required": f"请选择{label}", "invalid": f"{label}格式不正确", "choice": f"请从给出的选项中选择{label}"}
    if field.kind == "hidden":
        # A member cannot edit a hidden value: the way out is to reopen the page.
        texts = {"required": f"缺少{label}，请重新打开页面", "invalid": f"{label}不正确，请重新打开页面"}
        texts["pattern"] = texts["characters"] = texts["max_length"] = texts["invalid"]
        return texts
    texts = {
        "required": f"请填写{label}",
        "invalid": f"{label}格式不正确",
        "characters": f"{label}含有无法识别的字符",
        "max_length": f"{label}最多{_max_length(field)}字",
    }
    if field.min_length:
        texts["min_length"] = f"{label}至少{field.min_length}字"
    if field.kind == "mobile":
        texts["pattern"] = f"{label}应为11位数字，以1开头"
    elif field.pattern:
        texts["pattern"] = f"{label}格式不正确"
    return texts


def validate(form: FormDef, data: Mapping[str, object]) -> tuple[dict, dict[str, str]]:
    """Return (clean data, errors by field name); every error at once, in Chinese a member understands."""
    return validate_fields(form.fields, data, known={ID_FIELD, HONEYPOT_FIELD})


def validate_fields(
    fields: tuple[Field, ...],
    data: Mapping[str, object],
    known: set[str] | frozenset[str] = frozenset(),
    unknown_message: str = UNKNOWN_FIELD_MESSAGE,
) -> tuple[dict, dict[str, str]]:
    """Return (clean data, errors by field name) for any fields; names in `known` pass unchecked."""
    clean: dict[str, object] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.name)
        texts = field_messages(field)
        if not _is_filled(raw):
            needed = field.required or (field.required_with is not None and _is_filled(data.get(field.required_with)))
            if needed:
                errors[field.name] = texts["required"]
            continue
        value, problem = _CHECKS[field.kind](field, raw)
        if problem:
            errors[field.name] = texts[problem]
        else:
            clean[field.name] = value
    allowed = {field.name for field in fields} | set(known)
    for key in data:
        if key not in allowed:
            errors[str(key)] = unknown_message
    return clean, errors


def parse_submission_id(value: object, required: bool) -> tuple[str | None, str | None]:
    """Return (canonical id or None, error message or None) for the client's submission id."""
    if value is None or value == "":
        return None, (ID_MESSAGE if required else None)
    if not isinstance(value, str) or not re.fullmatch(UUID_PATTERN, value.strip(), re.ASCII):
        return None, ID_MESSAGE
    return str(uuid.UUID(value.strip())), None


def is_honeypot_tripped(data: Mapping[str, object]) -> bool:
    """Return True when the hidden trap field is filled, as only a bot fills it."""
    # A client that never heard of the field leaves it out: that is a member, not a bot.
    return _is_filled(data.get(HONEYPOT_FIELD))


def flatten_form_post(form: FormDef, pairs: Mapping[str, list[str]]) -> dict[str, object]:
    """Return form-post values as JSON would carry them: lists only for multichoice fields."""
    multi = {field.name for field in form.fields if field.kind == "multichoice"}
    return {key: (values if key in multi or len(values) != 1 else values[0]) for key, values in pairs.items()}


def messages(form: FormDef) -> dict:
    """Return the form's rules and exact Chinese messages, JSON-able, for the page's JavaScript."""
    fields = {}
    for field in form.fields:
        rule: dict[str, object] = {
            "kind": field.kind,
            "required": field.required,
            "required_with": field.required_with,
            "messages": field_messages(field),
        }
        if field.kind in TEXT_KINDS:
            rule["max_length"] = _max_length(field)
            rule["min_length"] = field.min_length
            rule["pattern"] = MOBILE_PATTERN if field.kind == "mobile" else field.pattern
            rule["allowed_controls"] = TEXTAREA_CONTROLS if field.kind == "textarea" else ""
        if field.kind == "mobile":
            rule["normalize"] = {
                "unicode": "NFKC",
                "remove": MOBILE_REMOVED_CHARACTERS,
                "prefix": MOBILE_COUNTRY_PREFIX,
            }
        if field.choices:
            rule["choices"] = [choice.value for choice in field.choices]
        if field.kind == "consent":
            rule["accepted"] = list(CONSENT_VALUES)
        fields[field.name] = rule
    return {
        "form": form.name,
        "action": form.api_path,
        "summary": SUMMARY_MESSAGE,
        "honeypot": HONEYPOT_FIELD if form.public else None,
        "id": {"name": ID_FIELD, "pattern": UUID_PATTERN, "message": ID_MESSAGE},
        # Values are trimmed first; lengths count code points ([...s].length in JavaScript).
        "trim": True,
        "refused_characters": [list(span) for span in REFUSED_CHARACTERS],
        "length_unit": "codepoint",
        "unknown_field_message": UNKNOWN_FIELD_MESSAGE,
        "fields": fields,
    }


def _max_length(field: Field) -> int:
    return field.max_length or DEFAULT_MAX_LENGTH


def _is_filled(value: object) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, str):
        return value.strip(TRIMMED) != ""
    if isinstance(value, list):
        return any(_is_filled(item) for item in value)
    # Anything else (numbers, objects) counts as an answer, so its type gets reported.
    return True


def _has_refused_characters(value: str, allowed: str) -> bool:
    return any(ch not in allowed for ch in _REFUSED_RE.findall(value))


def _check_text(field: Field, raw: object) -> tuple[object, str | None]:
    if not isinstance(raw, str):
        return None, "invalid"
    value = raw.strip(TRIMMED)
    allowed = ""
    if field.kind == "textarea":
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        allowed = TEXTAREA_CONTROLS
    if _has_refused_characters(value, allowed):
        return None, "characters"
    if field.kind == "mobile":
        value = normalize_mobile(value)
        if not re.fullmatch(MOBILE_PATTERN, value, re.ASCII):
            return None, "pattern"
    if len(value) > _max_length(field):
        return None, "max_length"
    if field.min_length and len(value) < field.min_length:
        return None, "min_length"
    if field.pattern and not re.fullmatch(field.pattern, value, re.ASCII):
        return None, "pattern"
    if field.pattern == DATE_PATTERN and not _is_real_date(value):
        return None, "pattern"
    return value, None


def _is_real_date(text: str) -> bool:
    # The pattern takes 2026-02-30; staff count service by real days.
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def normalize_mobile(value: str) -> str:
    """Return a mobile number as it is stored: ASCII digits, no spaces, hyphens or +86."""
    # NFKC turns full-width digits from a Chinese keyboard into ASCII ones.
    value = unicodedata.normalize("NFKC", value)
    for character in MOBILE_REMOVED_CHARACTERS:
        value = value.replace(character, "")
    return value.removeprefix(MOBILE_COUNTRY_PREFIX)


def _check_choice(field: Field, raw: object) -> tuple[object, str | None]:
    if not isinstance(raw, str):
        return None, "invalid"
    value = raw.strip()
    if value not in {choice.value for choice in field.choices}:
        return None, "choice"
    return value, None


def _check_multichoice(field: Field, raw: object) -> tuple[object, str | None]:
    # A single string is one ticked box, as a page's FormData-to-object turns it.
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        return None, "invalid"
    picked = {item.strip() for item in items if item.strip()}
    values = [choice.value for choice in field.choices]
    if not picked <= set(values):
        return None, "choice"
    return [value for value in values if value in picked], None


def _check_consent(field: Field, raw: object) -> tuple[object, str | None]:
    if raw is True or (isinstance(raw, str) and raw.strip().lower() in CONSENT_VALUES):
        return True, None
    return None, "invalid"


_CHECKS = {
    "text": _check_text,
    "mobile": _check_text,
    "textarea": _check_text,
    "hidden": _check_text,
    "choice": _check_choice,
    "multichoice": _check_multichoice,
    "consent": _check_consent,
}
