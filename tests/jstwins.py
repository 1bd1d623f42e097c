"""Run a page script's function in headless chromium over a table of cases, for rules that
live in Python and in the page's JavaScript: one table, both answers, compared by the test."""

from __future__ import annotations

import json
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "sitegen" / "theme" / "assets"


def run_in_chromium(browser, scripts: list[str], function: str, cases: list) -> list:
    """Load the assets named in `scripts` into a blank page; return function(case) for each case.

    Cases and answers cross as JSON text with ASCII escapes, so lone surrogates arrive as
    they are: Playwright's own transport would refuse or replace them.
    """
    _, chromium = browser
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_content("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'></head><body></body></html>")
        for script in scripts:
            page.add_script_tag(content=(ASSETS / script).read_text(encoding="utf-8"))
        answers = page.evaluate(
            """([run, cases]) => {
                const escape = (text) => text.replace(/[\\u007f-\\uffff]/g,
                    (c) => "\\\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
                return escape(JSON.stringify(JSON.parse(cases).map(eval(run))));
            }""",
            [function, json.dumps(cases, ensure_ascii=True)],
        )
        return json.loads(answers)
    finally:
        context.close()
