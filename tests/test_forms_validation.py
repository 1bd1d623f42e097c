"""The form definitions and their validator: table-driven, no I/O."""

import json
import re

import pytest
from chalicelib import forms
from chalicelib.forms import FORMS, KINDS, TEXT_KINDS, flatten_form_post, messages, validate

MEMBER_ID = "0b6f3c9e-4a2d-4c1b-9f7e-2d8a5b6c7d8e"
VALID = {
    "registration": {
        "name": "高明",
        "mobile": "13800138000",
        "home_org": "城关镇某村党支部",
        "employer": "某外卖平台",
        "work_area": "城关镇",
        "job_type": "food_delivery",
        "source": "poster-1",
        "consent": True,
    },
    "request": {
        "station": "station-01",
        "category": "station_service",
        "message": "希望增加充电插座",
        "contact": "13900139000",
        "consent": "on",
    },
    "volunteer": {
        "name": "李军",
        "mobile": "13700137000",
        "helps": ["safety", "logistics"],
        "availability": "weekends",
        "consent": "true",
    },
    "service": {
        "name": "李军",
        "mobile": "13700137000",
        "team": "t",
        "date": "2026-11-20",
        "what": "给隔离小区送生活物资",
        "times": "12",
        "hours": "3.5",
        "people": "4",
        "consent": True,
    },
    "checkin": {"station": "station-01"},
    "study": {"lesson": "lesson-01", "member": MEMBER_ID},
    "signup": {"activity": "dangke-2026-10", "name": "王小明", "mobile": "139 1234 5678", "consent": True},
    "attendance": {
        "activity": "dangke-2026-10",
        "phone": MEMBER_ID,
        "scanned_at": "2026-10-18T11:35:02.123Z",
        "way": "door",
        "signup": MEMBER_ID,
    },
}
# The forms as the API checks them with one team, "t", in the content.
TEAMED = {name: forms.with_teams(form, {"t": "一队"}) for name, form in FORMS.items()}
CLEAN = {
    "registration": {**VALID["registration"]},
    "request": {**VALID["request"], "consent": True},
    "volunteer": {**VALID["volunteer"], "helps": ["logistics", "safety"], "consent": True},
    "service": VALID["service"],
    "checkin": VALID["checkin"],
    "study": VALID["study"],
    "signup": {**VALID["signup"], "mobile": "13912345678"},
    "attendance": VALID["attendance"],
}


def with_changes(form_name, **changes):
    """Return the valid example of a form with some values changed (None removes a key)."""
    data = {**VALID[form_name], **changes}
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_valid_example_is_accepted_and_cleaned(form_name):
    clean, errors = validate(TEAMED[form_name], VALID[form_name])
    assert errors == {}
    assert clean == CLEAN[form_name]


@pytest.mark.parametrize(
    "form_name, changes, field, message",
    [
        ("registration", {"name": None}, "name", "请填写姓名"),
        ("registration", {"name": "   "}, "name", "请填写姓名"),
        ("registration", {"name": "高"}, "name", "姓名至少2字"),
        ("registration", {"name": "高" * 21}, "name", "姓名最多20字"),
        ("registration", {"name": "x" * 15000}, "name", "姓名最多20字"),
        ("registration", {"name": "高\x07明"}, "name", "姓名含有无法识别的字符"),
        ("registration", {"name": "高\n明"}, "name", "姓名含有无法识别的字符"),
        ("registration", {"name": "高\ud800明"}, "name", "姓名含有无法识别的字符"),
        ("registration", {"name": 12345}, "name", "姓名格式不正确"),
        ("registration", {"name": ["高明"]}, "name", "姓名格式不正确"),
        ("registration", {"name": {"zh": "高明"}}, "name", "姓名格式不正确"),
        ("registration", {"mobile": None}, "mobile", "请填写手机号码"),
        ("registration", {"mobile": "12345"}, "mobile", "手机号码应为11位数字，以1开头"),
        ("registration", {"mobile": "12800138000"}, "mobile", "手机号码应为11位数字，以1开头"),
        ("registration", {"mobile": "138001380001"}, "mobile", "手机号码应为11位数字，以1开头"),
        ("registration", {"mobile": "1٣800138000"}, "mobile", "手机号码应为11位数字，以1开头"),
        ("registration", {"mobile": 13800138000}, "mobile", "手机号码格式不正确"),
        ("registration", {"home_org": "x" * 61}, "home_org", "组织关系所在单位或地区最多60字"),
        ("registration", {"employer": None}, "employer", "请填写工作企业或平台"),
        ("registration", {"work_area": ""}, "work_area", "请填写工作区域"),
        ("registration", {"job_type": None}, "job_type", "请选择工作类型"),
        ("registration", {"job_type": "pilot"}, "job_type", "请从给出的选项中选择工作类型"),
        ("registration", {"job_type": ["courier"]}, "job_type", "工作类型格式不正确"),
        ("registration", {"source": "Poster 1"}, "source", "来源标记不正确，请重新打开页面"),
        ("registration", {"source": "x" * 41}, "source", "来源标记不正确，请重新打开页面"),
        ("registration", {"consent": None}, "consent", "请阅读并同意个人信息说明"),
        ("registration", {"consent": False}, "consent", "请阅读并同意个人信息说明"),
        ("registration", {"consent": "no"}, "consent", "请阅读并同意个人信息说明"),
        ("registration", {"consent": 1}, "consent", "请阅读并同意个人信息说明"),
        ("registration", {"age": "30"}, "age", forms.UNKNOWN_FIELD_MESSAGE),
        ("request", {"station": "Station 1"}, "station", "驿站编号不正确，请重新打开页面"),
        ("request", {"category": None}, "category", "请选择诉求类别"),
        ("request", {"message": "太短"}, "message", "留言至少5字"),
        ("request", {"message": "长" * 501}, "message", "留言最多500字"),
        ("request", {"message": "第一行\x00第二行"}, "message", "留言含有无法识别的字符"),
        ("request", {"contact": "110"}, "contact", "联系电话应为11位数字，以1开头"),
        ("request", {"consent": None}, "consent", "请阅读并同意个人信息说明"),
        ("volunteer", {"helps": None}, "helps", "请选择愿意参加的服务"),
        ("volunteer", {"helps": []}, "helps", "请选择愿意参加的服务"),
        ("volunteer", {"helps": ["flying"]}, "helps", "请从给出的选项中选择愿意参加的服务"),
        ("volunteer", {"helps": [1, 2]}, "helps", "愿意参加的服务格式不正确"),
        ("volunteer", {"helps": {"safety": True}}, "helps", "愿意参加的服务格式不正确"),
        ("volunteer", {"availability": "never"}, "availability", "请从给出的选项中选择方便的时间"),
        ("checkin", {"station": "s" * 65}, "station", "驿站编号不正确，请重新打开页面"),
        ("study", {"lesson": None}, "lesson", "缺少课程编号，请重新打开页面"),
        ("study", {"member": "not-a-uuid"}, "member", "登记编号不正确，请重新打开页面"),
        ("signup", {"activity": None}, "activity", "缺少活动编号，请重新打开页面"),
        ("signup", {"waitlist": "maybe"}, "waitlist", "候补标记不正确，请重新打开页面"),
        ("signup", {"mobile": "12345"}, "mobile", "手机号码应为11位数字，以1开头"),
        ("attendance", {"phone": None}, "phone", "缺少本机编号，请重新打开页面"),
        ("attendance", {"scanned_at": "2026-10-18 11:35"}, "scanned_at", "签到时间不正确，请重新打开页面"),
        ("attendance", {"way": "staff"}, "way", "签到方式不正确，请重新打开页面"),
        ("attendance", {"signup": "nope"}, "signup", "报名编号不正确，请重新打开页面"),
    ],
)
def test_invalid_value_is_reported_in_chinese(form_name, changes, field, message):
    clean, errors = validate(TEAMED[form_name], with_changes(form_name, **changes))
    assert errors == {field: message}
    assert field not in clean


@pytest.mark.parametrize(
    "form_name, changes, field, expected",
    [
        ("registration", {"name": "  高明\u3000"}, "name", "高明"),
        ("registration", {"mobile": " 138-0013-8000 "}, "mobile", "13800138000"),
        ("registration", {"mobile": "+86 138 0013 8000"}, "mobile", "13800138000"),
        ("registration", {"mobile": "１３８００１３８０００"}, "mobile", "13800138000"),
        ("registration", {"job_type": " courier "}, "job_type", "courier"),
        ("registration", {"consent": "ON"}, "consent", True),
        ("request", {"message": "第一行\r\n第二行\t！"}, "message", "第一行\n第二行\t！"),
        ("volunteer", {"helps": ["other", "logistics", "logistics"]}, "helps", ["logistics", "other"]),
        ("volunteer", {"helps": "safety"}, "helps", ["safety"]),
        ("volunteer", {"helps": ["safety", ""]}, "helps", ["safety"]),
        ("study", {"member": MEMBER_ID.upper()}, "member", MEMBER_ID.upper()),
    ],
)
def test_values_are_normalized(form_name, changes, field, expected):
    clean, errors = validate(TEAMED[form_name], with_changes(form_name, **changes))
    assert errors == {}
    assert clean[field] == expected


def test_every_error_is_reported_at_once():
    _, errors = validate(
        FORMS["registration"], {"name": "高", "mobile": "123", "nickname": "x", "id": "x", "homepage": ""}
    )
    assert errors == {
        "name": "姓名至少2字",
        "mobile": "手机号码应为11位数字，以1开头",
        "home_org": "请填写组织关系所在单位或地区",
        "employer": "请填写工作企业或平台",
        "work_area": "请填写工作区域",
        "job_type": "请选择工作类型",
        "consent": "请阅读并同意个人信息说明",
        "nickname": forms.UNKNOWN_FIELD_MESSAGE,
    }


@pytest.mark.parametrize(
    "form_name, removed",
    [
        ("registration", ["source"]),
        ("request", ["contact", "consent"]),
        ("request", ["station"]),
        ("study", ["member"]),
    ],
)
def test_empty_optional_fields_are_left_out(form_name, removed):
    data = with_changes(form_name, **{name: None for name in removed})
    clean, errors = validate(TEAMED[form_name], {**data, removed[0]: ""})
    assert errors == {}
    assert not set(removed) & set(clean)


def test_request_consent_is_required_only_with_a_contact():
    without_contact = with_changes("request", contact=None, consent=None)
    assert validate(FORMS["request"], without_contact)[1] == {}
    assert validate(FORMS["request"], {**without_contact, "contact": "13900139000"})[1] == {
        "consent": "请阅读并同意个人信息说明"
    }


@pytest.mark.parametrize(
    "value, required, expected",
    [
        ("0B6F3C9E-4A2D-4C1B-9F7E-2D8A5B6C7D8E", True, (MEMBER_ID, None)),
        (f" {MEMBER_ID} ", True, (MEMBER_ID, None)),
        (None, True, (None, forms.ID_MESSAGE)),
        ("", True, (None, forms.ID_MESSAGE)),
        (None, False, (None, None)),
        ("not-a-uuid", False, (None, forms.ID_MESSAGE)),
        (MEMBER_ID.replace("-", ""), True, (None, forms.ID_MESSAGE)),
        (12345, True, (None, forms.ID_MESSAGE)),
        ([MEMBER_ID], True, (None, forms.ID_MESSAGE)),
    ],
)
def test_submission_id_must_be_a_uuid(value, required, expected):
    assert forms.parse_submission_id(value, required) == expected


@pytest.mark.parametrize(
    "data, tripped",
    [
        ({"homepage": ""}, False),
        ({}, False),
        ({"homepage": None}, False),
        ({"homepage": []}, False),
        ({"homepage": " "}, False),
        ({"homepage": "http://spam.example"}, True),
        ({"homepage": ["x"]}, True),
        ({"homepage": 0}, True),
    ],
)
def test_honeypot_is_tripped_only_when_filled(data, tripped):
    assert forms.is_honeypot_tripped(data) is tripped


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ({"name": ["高明"], "helps": ["safety"]}, {"name": "高明", "helps": ["safety"]}),
        ({"helps": ["safety", "other"]}, {"helps": ["safety", "other"]}),
        ({"name": ["a", "b"]}, {"name": ["a", "b"]}),
        ({"homepage": [""]}, {"homepage": ""}),
    ],
)
def test_form_post_values_become_json_shaped(pairs, expected):
    assert flatten_form_post(FORMS["volunteer"], pairs) == expected


@pytest.mark.parametrize("form_name", sorted(FORMS))
def test_messages_are_json_and_match_the_validator(form_name):
    form = FORMS[form_name]
    rules = json.loads(json.dumps(messages(form), ensure_ascii=False))
    assert rules["summary"] == "请检查以下内容"
    assert rules["action"] == form.api_path
    assert list(rules["fields"]) == [field.name for field in form.fields]
    for field in form.fields:
        if not field.required:
            continue
        _, errors = validate(form, with_changes(form_name, **{field.name: None}))
        assert errors[field.name] == rules["fields"][field.name]["messages"]["required"]


def test_messages_give_the_mobile_rule_with_its_normalization():
    rule = messages(FORMS["registration"])["fields"]["mobile"]
    assert rule["pattern"] == forms.MOBILE_PATTERN
    assert rule["messages"]["pattern"] == "手机号码应为11位数字，以1开头"
    assert rule["normalize"] == {"unicode": "NFKC", "remove": " -", "prefix": "+86"}


# The volunteer form's team choices come from the content: here, one team.
ALL_FIELDS = [(form, field) for form in TEAMED.values() for field in form.fields]


@pytest.mark.parametrize("form, field", ALL_FIELDS, ids=[f"{f.name}.{x.name}" for f, x in ALL_FIELDS])
def test_field_definition_is_complete(form, field):
    assert field.kind in KINDS
    assert field.label_zh and field.label_en
    if field.kind in TEXT_KINDS:
        assert field.max_length, "every text value needs a cap"
    assert bool(field.choices) == (field.kind in ("choice", "multichoice"))
    if field.required_with:
        assert field.required_with in {other.name for other in form.fields}
        assert not field.required
    assert field.name not in (forms.ID_FIELD, forms.HONEYPOT_FIELD)


@pytest.mark.parametrize("form", FORMS.values(), ids=list(FORMS))
def test_form_definition_is_complete(form):
    names = [field.name for field in form.fields]
    assert len(names) == len(set(names))
    assert form.title_zh and form.title_en and form.intro_zh and form.privacy_zh
    assert form.api_path.startswith("/")
    if any(field.kind == "consent" for field in form.fields):
        assert form.public


PATTERNS = sorted(
    {field.pattern for _, field in ALL_FIELDS if field.pattern} | {forms.MOBILE_PATTERN, forms.UUID_PATTERN}
)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_pattern_is_anchored_and_portable_to_javascript(pattern):
    assert pattern.startswith("^") and pattern.endswith("$")
    re.compile(pattern)
    # An HTML pattern attribute compiles with the "v" flag: a bare "-" at either end
    # of a character class is a syntax error there.
    for body in re.findall(r"\[((?:\\.|[^\]])*)\]", pattern):
        assert not body.startswith("-") and not (body.endswith("-") and not body.endswith("\\-"))


def test_volunteer_team_is_a_choice_among_the_content_teams():
    form = forms.with_teams(FORMS["volunteer"], {"rider-team-east": "城东骑手志愿服务队"})
    base = {
        "name": "王小明",
        "mobile": "13912345678",
        "helps": ["logistics"],
        "availability": "weekends",
        "consent": True,
    }
    clean, errors = validate(form, {**base, "team": "rider-team-east"})
    assert errors == {} and clean["team"] == "rider-team-east"
    assert validate(form, {**base, "team": "no-such-team"})[1] == {"team": "请从给出的选项中选择想加入的服务队"}
    assert validate(form, base)[1] == {}


def test_without_teams_the_volunteer_form_has_no_team_field():
    form = forms.with_teams(FORMS["volunteer"], {})
    assert "team" not in {field.name for field in form.fields}
    assert validate(form, {"team": "rider-team-east"})[1]["team"] == forms.UNKNOWN_FIELD_MESSAGE


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2026-1-1"])
def test_a_service_report_on_a_day_that_does_not_exist_is_refused(day):
    _, errors = validate(TEAMED["service"], {**VALID["service"], "date": day})
    assert errors == {"date": "服务日期格式不正确"}
