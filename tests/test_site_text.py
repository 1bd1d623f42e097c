"""What members read on the built site: the 404 page, the privacy notice, lesson titles, one form of address."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from mkdocs.exceptions import Abort
from test_build import copy_project

from sitegen.formdefs import FORMS
from sitegen.pages import EMBEDDED_FORMS, FORM_PAGES
from sitegen.site import ROOT, build_site

SITE_URL = "https://example.org/sanwei/"
API_URL = "https://api.example.org/v1/"
# The privacy settings of this build, unlike the sample's, so the notice must take them from mkdocs.yml.
OFFICE = "测试县委组织部"
PHONE = "0557-1234567"
ADDRESS = "测试镇测试路 9 号"
STORAGE = "测试云华东区域（cn-test-1）"
OWN_TITLE_LESSON = """---
title: 自带标题的课
---

# 自带标题的课

正文第一段。
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample built for a sub-path, with its own privacy settings and a lesson that repeats its title."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    config = root / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    sample = re.search(r"\n    privacy:\n(?:      .*\n)+", text).group(0)
    config.write_text(
        text.replace(
            sample,
            f'\n    privacy:\n      office: {OFFICE}\n      phone: "{PHONE}"\n'
            f"      address: {ADDRESS}\n      storage: {STORAGE}\n",
        ),
        encoding="utf-8",
    )
    (root / "lessons" / "own-title.md").write_text(OWN_TITLE_LESSON, encoding="utf-8")
    return build_site(root, site_url=SITE_URL, api_url=API_URL)


def article(page: Path) -> str:
    """The page's main text, as HTML."""
    text = page.read_text(encoding="utf-8")
    return text[text.index("<article") : text.index("</article>")]


def plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_the_404_page_is_in_chinese_and_shows_the_ways_on(built):
    page = (built / "404.html").read_text(encoding="utf-8")
    main = article(built / "404.html")
    assert "Not found" not in page and "404 - " not in page
    assert '<html lang="zh"' in page
    assert "没有找到这个页面" in plain(main)
    # Served at any address: every link starts at the site's root path.
    links = re.findall(r'<a href="([^"]+)"', main)
    assert links == ["/sanwei/", "/sanwei/?q=", "/sanwei/lessons/", "/sanwei/stations/"]


def privacy_items(built) -> list[str]:
    main = article(built / "privacy" / "index.html")
    return [plain(item) for item in re.findall(r"<li>(.*?)</li>", main, re.DOTALL)]


def test_the_privacy_notice_puts_each_fact_on_its_own_line(built):
    items = privacy_items(built)
    facts = ("您填写的：", "另外记下：", "用途和保存期限：")
    listed = [item for item in items if item.startswith(facts)]
    assert len([item for item in listed if item.startswith("用途和保存期限：")]) == len(FORM_PAGES) + len(
        EMBEDDED_FORMS
    )
    for item in listed:
        assert sum(item.count(fact) for fact in facts) == 1, item


def test_the_privacy_notice_shows_no_internal_field_names(built):
    text = plain(article(built / "privacy" / "index.html"))
    internal = {field.label_zh for form in FORMS.values() for field in form.fields if field.kind == "hidden"}
    assert {"来源标记", "驿站编号"} <= internal
    for label in internal:
        assert label not in text
    for name in (*FORM_PAGES, *EMBEDDED_FORMS):
        for field in FORMS[name].fields:
            assert not re.search(rf"\b{field.name}\b", text), field.name


def test_the_privacy_notice_says_who_handles_the_data_how_to_reach_them_and_where_it_is_stored(built):
    main = article(built / "privacy" / "index.html")
    text = plain(main)
    for setting in (OFFICE, PHONE, ADDRESS, STORAGE):
        assert setting in text
    assert f'href="tel:{PHONE}"' in main
    assert "泗县县委组织部" not in text  # the sample's office: this build's settings say otherwise


def test_the_build_refuses_to_run_without_the_privacy_contact(tmp_path):
    root = copy_project(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(re.sub(r'\n      phone: "[^"]*"', "", config.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(Abort, match=r"extra\.sanwei\.privacy 缺少 phone"):
        build_site(root, site_url=SITE_URL, api_url=API_URL)


def test_a_lesson_that_starts_with_its_own_title_shows_it_once(built):
    main = article(built / "lessons" / "own-title" / "index.html")
    assert len(re.findall(r"<h1\b", main)) == 1
    assert plain(main).count("自带标题的课") == 1
    assert "正文第一段" in plain(main)


# The reader is always 您. The vendor's search add-on (lunr's Chinese word list) is not text a member reads.
def site_text_files(built: Path) -> list[Path]:
    pages = list(built.rglob("*.html"))
    own_scripts = [path for path in (built / "assets").glob("*.js")]
    return [*pages, *own_scripts, built / "search" / "search_index.json", built / "sw.js"]


def test_the_built_site_addresses_the_reader_as_nin(built):
    files = site_text_files(built)
    assert len(files) > 50
    found = {str(path.relative_to(built)) for path in files if "你" in path.read_text(encoding="utf-8")}
    assert not found


def test_what_members_and_staff_read_in_the_code_says_nin():
    sources = [
        *ROOT.glob("lessons/*.md"),
        *ROOT.glob("sitegen/**/*.py"),
        *ROOT.glob("sitegen/templates/*"),
        *(path for path in ROOT.glob("sitegen/theme/**/*") if path.is_file()),
        *ROOT.glob("functions/**/*.py"),
        ROOT / "build.py",
        ROOT / "mkdocs.yml",
        ROOT / "stations.yaml",
    ]
    assert any(path.name == "forms.py" for path in sources) and any(path.name == "staff.js" for path in sources)
    found = {str(path.relative_to(ROOT)) for path in sources if "你" in path.read_text(encoding="utf-8")}
    assert not found
