"""The build cache: a change to anything that shapes the site reaches it, a site built from the
cache is byte for byte a clean build's, an unchanged build changes nothing, and the cache holds
only what the last build used.

The module's tests build one copy of the sample project, with three of its stations so that the
builds that render every page again stay short, each test changing it a little more."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.buildcache import CACHE_DIR
from sitegen.site import ROOT, build_site
from tests.test_build import SITE_URL, copy_project

LESSON = "lessons/using-stations.md"
LESSON_PAGE = "lessons/using-stations/index.html"


def small_project(folder: Path) -> Path:
    """A copy of the sample project with three stations and no activities (they name other stations), built once."""
    stations = (ROOT / "stations.yaml").read_text(encoding="utf-8").split("\n  - id: ")
    root = copy_project(folder, "\n  - id: ".join(stations[:4]))
    shutil.rmtree(root / "activities")
    build_site(root, site_url=SITE_URL)
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return small_project(tmp_path_factory.mktemp("project"))


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer has {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def first_station_page(root: Path) -> str:
    station = re.search(r"^\s*- id: (\S+)", (root / "stations.yaml").read_text(encoding="utf-8"), re.MULTILINE)
    assert station
    return f"stations/{station[1]}/index.html"


def change_lesson(root: Path) -> tuple[str, str]:
    with (root / LESSON).open("a", encoding="utf-8") as lesson:
        lesson.write("\n驿站的开放时间以驿站页面为准。\n")
    return LESSON_PAGE, "驿站的开放时间以驿站页面为准。"


def change_station(root: Path) -> tuple[str, str]:
    edit(root, "stations.yaml", "name: 泗州红旗驿站·泗州第一街", "name: 泗州红旗驿站·泗州第一街东段")
    return first_station_page(root), "泗州红旗驿站·泗州第一街东段"


def change_template(root: Path) -> tuple[str, str]:
    edit(root, "sitegen/templates/station.md.j2", "<h2>服务</h2>", "<h2>驿站服务</h2>")
    return first_station_page(root), "<h2>驿站服务</h2>"


def change_theme(root: Path) -> tuple[str, str]:
    meta = '<meta name="sw-x" content="改">'
    edit(root, "sitegen/theme/main.html", "{% block extrahead %}", "{% block extrahead %}" + meta)
    return LESSON_PAGE, meta


def change_mkdocs_yml(root: Path) -> tuple[str, str]:
    edit(root, "mkdocs.yml", "site_name: 三微 · 泗州先锋", "site_name: 三微 · 泗州先锋网")
    return LESSON_PAGE, "三微 · 泗州先锋网"


def change_build_code(root: Path) -> tuple[str, str]:
    edit(root, "sitegen/mkdocs_hooks.py", "学完了，记一次学习", "学完了，记下一次学习")
    return LESSON_PAGE, "学完了，记下一次学习"


def change_site_url(root: Path) -> tuple[str, str]:
    # The lesson's source stays the same; its canonical address does not.
    return LESSON_PAGE, 'href="https://example.net/sw/lessons/using-stations/"'


# What a build is made of, each changed in turn, with the site address the build is given and
# whether it runs as `python build.py` of the project: the code that runs the build reads the
# templates, and only a fresh process takes that code from the project's copy.
CHANGES = {
    "lesson": (change_lesson, SITE_URL, False),
    "stations.yaml": (change_station, SITE_URL, False),
    "template": (change_template, SITE_URL, True),
    "theme": (change_theme, SITE_URL, False),
    "mkdocs.yml": (change_mkdocs_yml, SITE_URL, False),
    # mkdocs loads a hooks file once in a process.
    "build code": (change_build_code, SITE_URL, True),
    "--site-url": (change_site_url, "https://example.net/sw/", False),
}


@pytest.mark.parametrize(("change", "site_url", "fresh_process"), CHANGES.values(), ids=CHANGES.keys())
def test_a_change_to_what_shapes_a_page_reaches_it(project, change, site_url, fresh_process):
    page, shown = change(project)
    if fresh_process:
        command = [sys.executable, "build.py", "build", "--site-url", site_url]
        subprocess.run(command, cwd=project, check=True, capture_output=True)
        site = project / "site"
    else:
        site = build_site(project, site_url=site_url)
    assert shown in (site / page).read_text(encoding="utf-8")


def test_a_library_version_renders_every_page_again(project, tmp_path, monkeypatch):
    build_site(project, site_url=SITE_URL)
    pages = project / CACHE_DIR / "pages"
    before = {path.name for path in pages.iterdir()}
    # Another version of the search's word splitter, as pip would leave it: its metadata first on the path.
    metadata = tmp_path / "jieba-99.0.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: jieba\nVersion: 99.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    build_site(project, site_url=SITE_URL)
    after = {path.name for path in pages.iterdir()}
    assert len(after) == len(before) and not after & before


def listing(site: Path) -> dict[str, bytes]:
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*") if path.is_file()}


def test_a_site_built_from_the_cache_is_byte_for_byte_a_clean_build(tmp_path):
    # A project of its own: mkdocs keeps a hooks file loaded in a process, so the module's
    # project, whose hooks file a test changed, would build with the old one.
    project = small_project(tmp_path / "project")
    change_lesson(project)
    cached = build_site(project, site_url=SITE_URL)
    clean_project = tmp_path / "clean"
    shutil.copytree(project, clean_project, ignore=shutil.ignore_patterns(".cache", "site"))
    clean = build_site(clean_project, site_url=SITE_URL, site_dir=tmp_path / "clean-site")
    cached_files, clean_files = listing(cached), listing(clean)
    assert sorted(cached_files) == sorted(clean_files)
    assert [name for name in clean_files if cached_files[name] != clean_files[name]] == []


def test_an_unchanged_build_changes_nothing_and_a_file_changed_by_hand_is_built_again(project):
    site = build_site(project, site_url=SITE_URL)
    times = {path: path.stat().st_mtime_ns for path in site.rglob("*")}
    assert build_site(project, site_url=SITE_URL) == site
    assert {path: path.stat().st_mtime_ns for path in site.rglob("*")} == times

    page = site / LESSON_PAGE
    built = page.read_bytes()
    page.write_bytes(b"changed by hand")
    build_site(project, site_url=SITE_URL)
    assert page.read_bytes() == built


def test_the_cache_keeps_only_what_the_last_build_used(project):
    build_site(project, site_url=SITE_URL)
    cache = project / CACHE_DIR
    counts = {folder.name: len(list(folder.iterdir())) for folder in cache.iterdir() if folder.is_dir()}
    assert set(counts) == {"pages", "qr", "compressed"}
    change_lesson(project)
    edit(project, "stations.yaml", "泗州第一街", "泗州第一街北段")
    build_site(project, site_url="https://example.org/other/")
    assert {folder.name: len(list(folder.iterdir())) for folder in cache.iterdir() if folder.is_dir()} == counts
    assert not list(cache.rglob("*.part"))
