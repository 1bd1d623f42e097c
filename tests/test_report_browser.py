"""The office's report in the console at 390 px: figures beside the period before, charts, one A4 page in print."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT, post_to_stack
from test_console_browser import PHONE_WIDTH, sign_in, submit_registration

from sitegen.content import load_content

pytestmark = pytest.mark.browser


def test_the_report_shows_figures_charts_and_prints_on_one_a4_page(stack, phone):
    submit_registration(stack, "报告")
    # Every station and lesson in the charts: the longest bars the page can have, printed too.
    content = load_content(ROOT)
    for station in content.stations:
        post_to_stack(stack, "checkins", {"station": station.id})
    for lesson in content.lessons:
        post_to_stack(stack, "study", {"lesson": lesson.slug})
    sign_in(phone, stack)
    # Today only: the embedded server answers one query at a time, and a month is 1,920 of them.
    # The tab loads its report as it opens: its first day is set to today before that.
    phone.evaluate(
        """() => { const form = document.querySelector('[data-staff-report]');
                   form.elements.from.value = form.elements.to.value; }"""
    )
    phone.click("a[data-tab=report]")
    phone.wait_for_selector(".sw-report-charts[data-drawn]")

    rows = phone.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('[data-figure]')].map(row =>
             [row.dataset.figure, [...row.querySelectorAll('td')].map(cell => cell.textContent)]))"""
    )
    for key in ("members_returned", "checkins", "study_sessions"):
        now, before, change = rows[key]
        assert int(now) >= 1 and int(before) >= 0, (key, rows[key])
        difference = int(now) - int(before)
        assert change == (f"{difference:+d}" if difference else "0"), (key, rows[key])
    # Four charts; each with data is drawn by the library (something painted on its canvas), one
    # without (no activity held today) says so.
    charts = phone.evaluate(
        """() => [...document.querySelectorAll('.sw-report-chart')].map(chart => {
             const canvas = chart.querySelector('canvas');
             if (!canvas) return chart.textContent;
             const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
             return pixels.some((value, index) => index % 4 === 3 && value > 0);
           })"""
    )
    assert len(charts) == 4
    assert all(chart is True or chart.endswith("没有数据") for chart in charts), charts
    assert charts.count(True) >= 3, charts
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    pdf = phone.pdf(format="A4", print_background=True)
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 1
