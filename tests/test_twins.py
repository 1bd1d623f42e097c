"""One table of cases through the server's checks and the page's (sanwei.js in chromium):
a field's checks and the ticket's shape must answer alike, so the two can never drift."""

from __future__ import annotations

import pytest
from chalicelib.forms import FORMS, REFUSED_CHARACTERS, messages, validate_fields
from chalicelib.tickets import TICKET_PATTERN, normalize_ticket
from jstwins import run_in_chromium

BIDI_CONTROLS = ["\u061c", "\u200e", "\u200f", *map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
NONCHARACTERS = ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0001ffff", "\U0010fffe", "\U0010ffff"]

# (form, field, value, the other values of the form): values as a member's page would send.
FIELD_CASES = [
    ("registration", "name", "高明", {}),
    ("registration", "name", "  高明\u3000", {}),
    ("registration", "name", "\ufeff高明", {}),
    ("registration", "name", "\t高明\n", {}),
    ("registration", "name", "高", {}),
    ("registration", "name", "", {}),
    ("registration", "name", "   ", {}),
    ("registration", "name", "高" * 20, {}),
    ("registration", "name", "高" * 21, {}),
    # Lengths count code points: an emoji is one, though JavaScript's .length says two.
    ("registration", "name", "😀", {}),
    ("registration", "name", "😀" * 20, {}),
    ("registration", "name", "😀" * 21, {}),
    ("registration", "name", "高\u200b明", {}),
    ("registration", "name", "高\u00ad明", {}),
    ("registration", "name", "高\t明", {}),
    ("registration", "name", "高\x00明", {}),
    ("registration", "name", "高\x7f明", {}),
    ("registration", "name", "\x85高明", {}),
    ("registration", "name", "\x1f高明", {}),
    ("registration", "name", "高明\x9f", {}),
    # Lone surrogates, high and low, and a well-formed pair.
    ("registration", "name", "高\ud800明", {}),
    ("registration", "name", "高明\udc00", {}),
    ("registration", "name", "\udfff\ud800高", {}),
    ("registration", "name", "高\U0001f600", {}),
    *[("registration", "name", f"高{ch}明", {}) for ch in BIDI_CONTROLS + NONCHARACTERS],
    ("registration", "name", "\u202e明高", {}),
    ("registration", "mobile", "13800138000", {}),
    ("registration", "mobile", "138 0013 8000", {}),
    ("registration", "mobile", "138-0013-8000", {}),
    ("registration", "mobile", "+86 138 0013 8000", {}),
    ("registration", "mobile", "+8613800138000", {}),
    ("registration", "mobile", "１３８００１３８０００", {}),
    ("registration", "mobile", "+86１３８ ００１３ ８０００", {}),
    ("registration", "mobile", "138\u00a00013\u00a08000", {}),
    ("registration", "mobile", "12800138000", {}),
    ("registration", "mobile", "1380013800", {}),
    ("registration", "mobile", "138001380000", {}),
    ("registration", "mobile", "١٣٨٠٠١٣٨٠٠٠", {}),
    ("registration", "mobile", "\u202d13800138000", {}),
    ("registration", "mobile", "1 3 8 0 0 1 3 8 0 0 0 ", {}),
    ("registration", "source", "station-01", {}),
    ("registration", "source", "Station-01", {}),
    ("registration", "source", "a" * 41, {}),
    ("registration", "job_type", "courier", {}),
    ("registration", "job_type", "pilot", {}),
    ("registration", "consent", True, {}),
    ("registration", "consent", False, {}),
    ("request", "message", "第一行\n第二行", {}),
    ("request", "message", "第一行\r\n第二行", {}),
    ("request", "message", "第一行\r第二行\t结束", {}),
    ("request", "message", "太短", {}),
    ("request", "message", "\n\n太短了\n\n", {}),
    ("request", "message", "长" * 500, {}),
    ("request", "message", "长" * 501, {}),
    ("request", "message", "长" * 499 + "\r\n", {}),
    ("request", "message", "长" * 498 + "\r\n长", {}),
    ("request", "message", "电动车\u2066没电了\u2069", {}),
    ("request", "message", "电动车没电了\u2028", {}),
    ("request", "message", "电动车没电了\ufffe", {}),
    ("request", "message", "电动车没电了\ud83d", {}),
    ("request", "message", "电动车\x0b没电了", {}),
    ("request", "contact", "", {}),
    ("request", "contact", "110", {}),
    ("request", "contact", "+86 139 0013 9000", {}),
    # The consent is required only with a contact number.
    ("request", "consent", False, {"contact": "13900139000"}),
    ("request", "consent", False, {"contact": "   "}),
    ("request", "consent", False, {"contact": ""}),
    ("request", "consent", True, {"contact": "13900139000"}),
    ("request", "station", "", {}),
    ("request", "station", "hongqi-first-street", {}),
    ("request", "station", "红旗驿站", {}),
    ("volunteer", "helps", ["safety", "other"], {}),
    ("volunteer", "helps", ["flying"], {}),
    ("volunteer", "helps", [], {}),
    ("volunteer", "availability", "weekends", {}),
]


def server_message(form_name: str, field_name: str, value, others: dict) -> str | None:
    """The server's message for one field (None when it accepts the value)."""
    field = next(field for field in FORMS[form_name].fields if field.name == field_name)
    _, errors = validate_fields((field,), {**others, field_name: value})
    return errors.get(field_name)


@pytest.mark.browser
def test_the_page_checks_fields_as_the_server_does(browser):
    cases = []
    for form_name, field_name, value, others in FIELD_CASES:
        rules = messages(FORMS[form_name])
        rule = {**rules["fields"][field_name], "refused": rules["refused_characters"]}
        cases.append([rule, value, {**others, field_name: value}])
    page = run_in_chromium(browser, ["sanwei.js"], "(c) => window.sanweiChecks.checkField(...c)", cases)
    server = [server_message(*case) for case in FIELD_CASES]
    differ = [(case, s, p) for case, s, p in zip(FIELD_CASES, server, page, strict=True) if s != p]
    assert differ == []
    # The table means something: it holds accepted values and refusals of many kinds.
    assert None in server and len({message for message in server if message}) >= 10


def test_every_refused_character_is_in_the_table():
    for form_name, field_name, value, _ in FIELD_CASES:
        if field_name == "name" and len(value) == 3 and value[0] == "高" and value[2] == "明":
            code = ord(value[1])
            refused = any(start <= code <= end for start, end in REFUSED_CHARACTERS)
            assert (server_message(form_name, field_name, value, {}) == "姓名含有无法识别的字符") == refused


TICKET_CASES = [
    "23456789",
    "ABCDEFGH",
    "abcdefgh",
    " ABCDEFGH ",
    "\u3000ABCDEFGH\n",
    "\ufeffABCDEFGH",
    "\x1cABCDEFGH",
    "\x85ABCDEFGH",
    "ABCDEFG",
    "ABCDEFGHJ",
    "ABCDEFG0",
    "ABCDEFGO",
    "ABCDEFGI",
    "ABCDEFG1",
    "ABCDEFGL",
    "ＡＢＣＤＥＦＧＨ",
    "ABCDEFGH\n<script>",
    "<b>抽奖</b>",
    "请致电110",
    "abcdefgß",
    "ABCDEFG\ud800",
    "",
]


@pytest.mark.browser
def test_the_page_reads_a_ticket_as_the_server_does(browser):
    page = run_in_chromium(
        browser, ["sanwei.js"], f"(text) => window.sanweiChecks.ticketOf(text, {TICKET_PATTERN!r})", TICKET_CASES
    )
    server = [normalize_ticket(text) for text in TICKET_CASES]
    assert list(zip(TICKET_CASES, page, strict=True)) == list(zip(TICKET_CASES, server, strict=True))
    assert server.count(None) < len(server) - 3
