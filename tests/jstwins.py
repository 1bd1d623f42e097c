"""Run the page's own scripts in headless chromium over a table of cases, so that a rule written
twice, in Python and in the page's JavaScript, is held to the same answers."""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Callable, Iterator, Sequence

from playwright.sync_api import Page

from sitegen.site import ROOT

ASSETS = ROOT / "sitegen" / "theme" / "assets"


@contextlib.contextmanager
def page_running(browser, assets: Sequence[str], head: str = "", timezone_id: str | None = None) -> Iterator[Page]:
    """A blank page on a phone set to `timezone_id`, holding `head` (what the build writes into
    the page for the scripts), that has run the site's own scripts from theme/assets/."""
    _, chromium = browser
    context = chromium.new_context(timezone_id=timezone_id)
    try:
        page = context.new_page()
        # A fixed clock from the start, so each case can set the moment it is about.
        page.clock.set_fixed_time(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        scripts = "".join(f"<script>{(ASSETS / name).read_text(encoding='utf-8')}</script>" for name in assets)
        page.set_content(
            f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>{head}</head><body>{scripts}</body></html>"
        )
        yield page
    finally:
        context.close()


def evaluate_cases(
    page: Page,
    function: str,
    cases: Sequence,
    argument: Callable[[object], object] = lambda case: case,
    moment: Callable[[object], datetime.datetime] | None = None,
) -> list:
    """What the JavaScript `function` answers for each case, with the page's clock fixed at
    the case's moment when `moment` says one."""
    answers = []
    for case in cases:
        if moment is not None:
            page.clock.set_fixed_time(moment(case))
        answers.append(page.evaluate(function, argument(case)))
    return answers


def run_in_chromium(browser, scripts: list[str], function: str, cases: list) -> list:
    """Load the assets named in `scripts` into a blank page; return function(case) for each case.

    Cases and answers cross as JSON text with ASCII escapes, so lone surrogates arrive as
    they are: Playwright's own transport would refuse or replace them.
    """
    with page_running(browser, scripts) as page:
        answers = page.evaluate(
            """([run, cases]) => {
                const escape = (text) => text.replace(/[\\u007f-\\uffff]/g,
                    (c) => "\\\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
                return escape(JSON.stringify(JSON.parse(cases).map(eval(run))));
            }""",
            [function, json.dumps(cases, ensure_ascii=True)],
        )
        return json.loads(answers)
