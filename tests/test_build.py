"""A build of the sample content: every page, QR code and poster is there and right."""

from __future__ import annotations

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image

from sitegen.content import load_content
from sitegen.site import ROOT, build_site
from tests.conftest import free_port

SITE_URL = "https://example.org/sanwei/"
API_URL = "https://api.example.org/v1/"


def copy_project(root: Path, stations_yaml: str | None = None) -> Path:
    """A copy of what a build reads, so tests never write into the repository."""
    for name in ("lessons", "activities", "sitegen", "functions"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", ".cache"))
    for name in ("mkdocs.yml", "build.py", "branches.yaml"):
        shutil.copy(ROOT / name, root / name)
    text = stations_yaml if stations_yaml is not None else (ROOT / "stations.yaml").read_text(encoding="utf-8")
    (root / "stations.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def content():
    return load_content(ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The sample content built for a sub-path, in a copy of the repository's content."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    return build_site(root, site_url=SITE_URL, api_url=API_URL)


def decode_qr(path: Path) -> str:
    results = zxingcpp.read_barcodes(Image.open(path))
    assert len(results) == 1, f"{path.name}: expected one QR code, found {len(results)}"
    return results[0].text


def test_every_station_has_its_page_qr_codes_and_poster(built, content):
    for station in content.stations:
        assert (built / "stations" / station.id / "index.html").is_file()
        assert (built / "qr" / f"station-{station.id}.svg").is_file()
        assert (built / "qr" / f"station-{station.id}.png").is_file()
        assert (built / "qr" / f"register-{station.id}.png").is_file()
        assert (built / "posters" / f"register-{station.id}" / "index.html").is_file()
        poster = (built / "posters" / station.id / "index.html").read_text(encoding="utf-8")
        assert station.name in poster and f"qr/station-{station.id}.svg" in poster


def test_every_page_type_is_built(built, content):
    for page in ("", "lessons/", "stations/", "register/", "request/", "volunteer/", "status/", "thanks/", "privacy/"):
        assert (built / page / "index.html").is_file(), page
    for lesson in content.lessons:
        assert (built / "lessons" / lesson.slug / "index.html").is_file()
    for slug in content.drafts:
        assert not (built / "lessons" / slug).exists()


def test_station_qr_codes_decode_to_the_station_page(built, content):
    for station in content.stations:
        assert decode_qr(built / "qr" / f"station-{station.id}.png") == f"{SITE_URL}stations/{station.id}/"


def test_return_codes_decode_to_the_registration_page_with_their_source(built, content):
    assert decode_qr(built / "qr" / "register.png") == f"{SITE_URL}register/"
    tags = [station.id for station in content.stations] + ["letter-home", "wechat-account"]
    for tag in tags:
        assert decode_qr(built / "qr" / f"register-{tag}.png") == f"{SITE_URL}register/?src={tag}"


class _Loads(HTMLParser):
    """Collect every address a page makes the browser fetch (not links a member may follow)."""

    FETCHING = frozenset(
        {("script", "src"), ("img", "src"), ("iframe", "src"), ("source", "src"), ("video", "src"), ("audio", "src")}
    )

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for fetch_tag, attr in self.FETCHING:
            if tag == fetch_tag and attrs.get(attr):
                self.urls.append(attrs[attr])
        if tag == "link" and attrs.get("href") and attrs.get("rel") not in ("canonical", "prev", "next", "alternate"):
            self.urls.append(attrs["href"])


def test_no_built_page_loads_anything_from_another_host(built):
    offenders = []
    for page in built.rglob("*.html"):
        parser = _Loads()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") or url.startswith("//"):
                offenders.append(f"{page.relative_to(built)}: {url}")
    for css in built.rglob("*.css"):
        if "url(http" in css.read_text(encoding="utf-8").replace("url('http", "url(http").replace(
            'url("http', "url(http"
        ):
            offenders.append(str(css.relative_to(built)))
    assert offenders == []


def test_forms_post_to_the_configured_api(built):
    page = (built / "register" / "index.html").read_text(encoding="utf-8")
    assert f'action="{API_URL}forms/registration"' in page
    assert f'content="{API_URL}"' in page


def test_a_rebuild_with_nothing_changed_draws_no_qr_code(tmp_path):
    root = copy_project(tmp_path)
    cache = root / ".cache" / "sanwei" / "qr"

    build_site(root, site_url=SITE_URL)
    drawn = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert drawn
    build_site(root, site_url=SITE_URL)
    assert {path.name: path.stat().st_mtime_ns for path in cache.iterdir()} == drawn


def test_check_command_passes_on_the_sample():
    result = subprocess.run(
        [sys.executable, "build.py", "check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("内容没有问题：")


def test_build_refuses_broken_content_and_says_where(tmp_path):
    text = (ROOT / "stations.yaml").read_text(encoding="utf-8").replace("services: [rest", "services: [spa, rest", 1)
    root = copy_project(tmp_path, stations_yaml=text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "spa" in row)
    ports = [f"--{name}-port={free_port()}" for name in ("site", "api", "db")]
    for command in (["check"], ["build"], ["serve", *ports]):
        result = subprocess.run(
            [sys.executable, "build.py", *command], cwd=root, capture_output=True, text=True, check=False
        )
        assert result.returncode == 1
        assert f"stations.yaml:{line}: 没有 'spa' 这项服务" in result.stderr
        assert "Traceback" not in result.stderr
    assert not (root / "site").exists()


def test_lesson_images_carry_their_size_so_the_page_does_not_jump(built):
    page = (built / "lessons" / "return-code-guide" / "index.html").read_text(encoding="utf-8")
    assert '<img width="600" height="160" alt="扫码登记三步" src="../return-code-steps.svg"' in page


def test_the_search_index_is_compact_utf8_and_precompressed(built):
    index = built / "search" / "search_index.json"
    docs = index.read_text(encoding="utf-8").split('"docs":', 1)[1]
    assert "\\u" not in docs and "驿站" in docs
    assert (built / "search" / "search_index.json.gz").is_file()
    assert (built / "search" / "search_index.json.br").is_file()
    assert (built / "index.html.gz").stat().st_size < (built / "index.html").stat().st_size
