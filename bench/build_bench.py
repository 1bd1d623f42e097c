"""Time the site build and weigh what a phone downloads on a first visit; print the figures.

    python -m bench.build_bench [--lessons 1000 --stations 500] [--skip-large]

Builds the sample content and a generated set of many lessons and stations, each three ways
(clean, unchanged, one lesson changed), beside a plain mkdocs-material build of the same lessons
the same three ways, then loads each page type in Debian's chromium as a Pixel 5 and totals its
responses raw, gzipped and brotli-compressed. It asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import logging
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from unittest import mock
from urllib.parse import urlsplit

import brotli
import jieba
import material
import mkdocs
import mkdocs.commands.build
from material.plugins.search.plugin import SearchIndex, SearchPlugin
from mkdocs.config import load_config
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page
from playwright.sync_api import Browser, sync_playwright

import sitegen.buildcache
import sitegen.content
import sitegen.pages
import sitegen.qr
import sitegen.site
from bench.generate import copy_sample_project, write_generated_content
from sitegen.chromium import PHONE, launch_chromium
from sitegen.content import Content, load_content
from sitegen.local_stack import serve_site

# Compressing these again gains nothing, so a host sends them as they are.
PRECOMPRESSED_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".woff2", ".gif", ".avif"}
TOP_RESOURCES = 3
# How long no new response must come after networkidle before a page load counts as done.
QUIET_MILLISECONDS = 1000
SEARCH_INDEX = "/search/search_index.json"
KB = 1024

# The functions that each do one phase of a build. Wrapping them times the phase; a phase's time
# leaves out phases nested in it (search indexing runs inside page writing), so the rows add up.
# Each is wrapped where its caller looks it up at call time: mkdocs loads the hooks file once per path
# and keeps the names it imported, so wrapping those would time only the first build.
PHASES = (
    ("load mkdocs.yml, theme, plugins", sitegen.site, "load_config"),
    ("check content (ruamel.yaml)", sitegen.content, "read_lessons"),
    ("check content (ruamel.yaml)", sitegen.content, "read_stations"),
    ("render generated pages (jinja)", sitegen.pages, "_render"),
    ("draw QR codes", sitegen.qr.QrCache, "draw_missing"),
    # Pages rendered on other cores are timed here as a whole, not by the phases below.
    ("render pages the cache lacks", sitegen.buildcache, "_render"),
    ("read Markdown, convert to HTML", Page, "read_source"),
    ("read Markdown, convert to HTML", Page, "render"),
    ("search: index pages (jieba)", SearchIndex, "add_entry_from_context"),
    ("search: write the index", SearchPlugin, "on_post_build"),
    ("theme templates, write pages", mkdocs.commands.build, "_build_page"),
    ("theme templates, write pages", mkdocs.commands.build, "_build_theme_template"),
    ("theme: list its files", Files, "add_files_from_theme"),
    ("copy assets, QR images, posters", Files, "copy_static_files"),
)
OTHER_PHASE = "other (hooks, nav, anchors, ...)"

BUILDS = ("clean build", "unchanged rebuild", "one lesson changed")
PAGE_TYPES = (
    ("home", "{site}"),
    ("lessons index", "{site}lessons/"),
    ("a lesson", "{site}lessons/{lesson}/"),
    ("stations list", "{site}stations/"),
    ("a station", "{site}stations/{station}/"),
    ("registration form", "{site}register/"),
    ("request status", "{site}status/"),
)


@dataclass
class PhaseClock:
    """Wall time per build phase, each phase without the phases nested inside it."""

    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: Counter[str] = field(default_factory=Counter)
    _nested: list[float] = field(default_factory=list)

    def timed(self, phase: str, function):
        """Wrap function so each call adds its own time to phase."""

        @functools.wraps(function)
        def timed_call(*args, **kwargs):
            self._nested.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                self.seconds[phase] += elapsed - self._nested.pop()
                self.calls[phase] += 1
                if self._nested:
                    self._nested[-1] += elapsed

        return timed_call

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Time every phase of the builds run inside this block."""
        with contextlib.ExitStack() as stack:
            for phase, owner, name in PHASES:
                stack.enter_context(mock.patch.object(owner, name, self.timed(phase, getattr(owner, name))))
            yield


@dataclass(frozen=True)
class BuildTiming:
    """One build: its wall time, the time of each phase, and how many QR images it drew."""

    seconds: float
    phases: dict[str, float]
    qr_drawn: int  # QR codes drawn (each as SVG and PNG)


@dataclass(frozen=True)
class SiteSize:
    """What a build left in its site directory."""

    html_pages: int
    files: int
    total_bytes: int


@dataclass(frozen=True)
class Resource:
    """One response of a page load, by its path on the site, and its size three ways."""

    path: str
    raw: int
    gzip: int
    brotli: int


@dataclass(frozen=True)
class FirstVisit:
    """Everything one page type made a fresh phone download."""

    page_type: str
    resources: tuple[Resource, ...]

    def total(self, measure: str) -> int:
        """Sum of one measure ("raw", "gzip" or "brotli") over the page's resources."""
        return sum(getattr(resource, measure) for resource in self.resources)


@dataclass(frozen=True)
class ContentBench:
    """The figures of one content set."""

    name: str
    content: Content
    timings: tuple[BuildTiming, ...]
    plain_seconds: tuple[float, ...]  # a plain mkdocs-material build of the same lessons, the same three ways
    size: SiteSize
    site_dir: Path


def timed_build(root: Path) -> tuple[BuildTiming, Path]:
    """Build the project at root as `python build.py` would; return its timing and the site directory."""
    clock = PhaseClock()
    qr_cache = root / ".cache" / "sanwei" / "qr"
    images_before = len(list(qr_cache.glob("*.png"))) if qr_cache.exists() else 0
    with clock.watching():
        start = time.perf_counter()
        site_dir = sitegen.site.build_site(root)
        seconds = time.perf_counter() - start
    phases = dict(clock.seconds)
    phases[OTHER_PHASE] = seconds - sum(phases.values())
    qr_drawn = len(list(qr_cache.glob("*.png"))) - images_before
    return BuildTiming(seconds, phases, qr_drawn), site_dir


def plain_build_seconds(root: Path, site_dir: Path) -> float:
    """Seconds mkdocs-material takes to build root's lessons alone as they are: the project's
    theme settings, Markdown extensions and search, without Sanwei's hooks, theme overrides and
    generated pages; the lessons stay out of the menu, as on Sanwei's site."""
    first_lesson = sorted((root / "lessons").glob("*.md"))[0].name
    config = load_config(
        str(root / "mkdocs.yml"),
        hooks=[],
        nav=[{"微课堂": first_lesson}],
        theme={"name": "material", "language": "zh", "font": False},
        site_dir=str(site_dir),
    )
    start = time.perf_counter()
    mkdocs.commands.build.build(config)
    return time.perf_counter() - start


def change_one_lesson(lesson_path: Path) -> None:
    """Edit a lesson's text the way an editor would: one more paragraph at the end."""
    with lesson_path.open("a", encoding="utf-8") as lesson:
        lesson.write("\n补充说明：本课内容已根据最新情况更新，如有疑问请联系驿站工作人员。\n")


def measure_site(site_dir: Path) -> SiteSize:
    """Count the HTML pages and files of a built site and add up their bytes."""
    files = [path for path in site_dir.rglob("*") if path.is_file()]
    return SiteSize(
        html_pages=sum(path.suffix == ".html" for path in files),
        files=len(files),
        total_bytes=sum(path.stat().st_size for path in files),
    )


def bench_content(name: str, root: Path, content: Content) -> ContentBench:
    """Build the project at root clean, again unchanged, and again after one lesson changed;
    after each, build its lessons with plain mkdocs-material."""
    plain_dir = root.with_name(f"{root.name}-plain-site")
    clean, site_dir = timed_build(root)
    plain = [plain_build_seconds(root, plain_dir)]
    unchanged, _ = timed_build(root)
    plain.append(plain_build_seconds(root, plain_dir))
    change_one_lesson(content.lessons[0].path)
    changed, _ = timed_build(root)
    plain.append(plain_build_seconds(root, plain_dir))
    return ContentBench(name, content, (clean, unchanged, changed), tuple(plain), measure_site(site_dir), site_dir)


def process_startup_seconds() -> tuple[float, float]:
    """Seconds a fresh `python build.py` spends importing the build's modules, then loading jieba's dictionary."""
    script = (
        "import logging, time\n"
        "start = time.perf_counter()\n"
        "import jieba, mkdocs.commands.build, material.plugins.search.plugin, sitegen.mkdocs_hooks\n"
        "imported = time.perf_counter()\n"
        "jieba.setLogLevel(logging.WARNING)\n"
        "jieba.initialize()\n"
        "print(imported - start, time.perf_counter() - imported)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=sitegen.site.ROOT, capture_output=True, text=True, check=True
    )
    imports, dictionary = map(float, output.stdout.split())
    return imports, dictionary


@functools.cache
def compressed_sizes(path: str, body: bytes) -> tuple[int, int]:
    """Bytes a compressing host would send for body: gzip -9 and brotli (quality 11)."""
    if PurePosixPath(path).suffix.lower() in PRECOMPRESSED_SUFFIXES:
        return len(body), len(body)
    return len(gzip.compress(body, compresslevel=9, mtime=0)), len(brotli.compress(body))


def first_visit(browser: Browser, device: dict, page_type: str, url: str) -> FirstVisit:
    """Load url in a fresh phone context and weigh every response until the network is idle."""
    context = browser.new_context(**device, locale="zh-CN")
    try:
        page = context.new_page()
        responses = []
        # Playwright tags handlers with an attribute, so a bound builtin like list.append won't do.
        page.on("response", lambda response: responses.append(response))  # noqa: PLW0108
        page.goto(url, wait_until="networkidle")
        # The search worker fetches on its own schedule, after the page's requests; wait until
        # responses stop coming, so a fetch that starts late is counted too.
        seen = None
        while seen != len(responses):
            seen = len(responses)
            page.wait_for_timeout(QUIET_MILLISECONDS)
        resources = []
        for response in responses:
            path = urlsplit(response.url).path
            # A redirect has no body; its bytes are the headers, which are not counted here.
            body = b"" if 300 <= response.status < 400 else response.body()
            resources.append(Resource(path, len(body), *compressed_sizes(path, body)))
    finally:
        context.close()
    return FirstVisit(page_type, tuple(resources))


def first_visits(browser: Browser, device: dict, site_url: str, content: Content) -> list[FirstVisit]:
    """A first visit to each page type of the site at site_url."""
    first_lesson, first_station = content.lessons[0].slug, content.stations[0].id
    return [
        first_visit(
            browser, device, page_type, pattern.format(site=site_url, lesson=first_lesson, station=first_station)
        )
        for page_type, pattern in PAGE_TYPES
    ]


def weigh_first_visits(sites: list[ContentBench]) -> dict[str, list[FirstVisit]]:
    """First-visit weights of every page type of each built site, in one browser."""
    weights = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for bench in sites:
                with serve_site(bench.site_dir) as site_url:
                    weights[bench.name] = first_visits(browser, playwright.devices[PHONE], site_url, bench.content)
        finally:
            browser.close()
    return weights


def kb(size: int) -> str:
    """Bytes as KB with one decimal."""
    return f"{size / KB:,.1f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """Print a Markdown table with right-aligned columns after the first."""
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join([" --- "] + [" ---: "] * (len(header) - 1)) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()


def print_builds(benches: list[ContentBench]) -> None:
    """Print the three build times of each content set and what its site holds."""
    print("## Build time (seconds, wall clock)\n")
    rows = [
        [
            bench.name,
            str(len(bench.content.lessons)),
            str(len(bench.content.stations)),
            *(f"{timing.seconds:.2f}" for timing in bench.timings),
            str(bench.size.html_pages),
            str(bench.size.files),
            f"{bench.size.total_bytes / KB / KB:,.1f}",
        ]
        for bench in benches
    ]
    print_table(["content", "lessons", "stations", *BUILDS, "HTML pages", "files", "site MB"], rows)
    print("### Side by side: Sanwei's whole site and plain mkdocs-material's lessons alone (seconds)\n")
    rows = []
    for bench in benches:
        rows.append([f"Sanwei, {bench.name}", *(f"{timing.seconds:.2f}" for timing in bench.timings)])
        rows.append([f"plain mkdocs-material, {bench.name} lessons", *(f"{s:.2f}" for s in bench.plain_seconds)])
    print_table(["build", *BUILDS], rows)
    for bench in benches:
        print(f"### Where the time goes: {bench.name} (seconds)\n")
        phases = [*list(dict.fromkeys(phase for phase, _, _ in PHASES)), OTHER_PHASE]
        rows = [[phase, *(f"{timing.phases.get(phase, 0.0):.2f}" for timing in bench.timings)] for phase in phases]
        rows.append(["**total**", *(f"{timing.seconds:.2f}" for timing in bench.timings)])
        rows.append(["QR images drawn", *(str(timing.qr_drawn) for timing in bench.timings)])
        print_table(["phase", *BUILDS], rows)


def resource_label(path: str) -> str:
    """A page by its path (/stations/), anything else by its file name (bundle.min.js)."""
    return path if path.endswith("/") else PurePosixPath(path).name


def print_search_index(benches: list[ContentBench]) -> None:
    """Print the search index of each site: fetched only when a member opens search, so in no first visit."""
    print("## Search index, fetched when a member opens search (KB)\n")
    indexes = {}
    for bench in benches:
        body = (bench.site_dir / SEARCH_INDEX.lstrip("/")).read_bytes()
        indexes[bench.name] = Resource(SEARCH_INDEX, len(body), *compressed_sizes(SEARCH_INDEX, body))
    rows = [[name, kb(index.raw), kb(index.gzip), kb(index.brotli)] for name, index in indexes.items()]
    print_table(["site", "raw", "gzip -9", "brotli"], rows)
    if "generated" in indexes:
        sample, generated = indexes["sample"], indexes["generated"]
        print(
            "The generated lessons reuse the sample's sections, so their text repeats and compresses far better "
            "than real lessons would (brotli's window spans whole repeats). At the sample index's own ratios, the "
            f"generated index ({kb(generated.raw)} KB raw) would send about "
            f"{kb(generated.raw * sample.gzip // sample.raw)} KB gzip and "
            f"{kb(generated.raw * sample.brotli // sample.raw)} KB brotli when search is opened.\n"
        )


def print_first_visits(name: str, visits: list[FirstVisit]) -> None:
    """Print one row per page type, with its largest resources after gzip."""
    print(f"## First visit on a {PHONE}, fresh browser context: {name} site (KB)\n")
    rows = []
    for visit in visits:
        largest = sorted(visit.resources, key=lambda resource: resource.gzip, reverse=True)[:TOP_RESOURCES]
        rows.append(
            [
                visit.page_type,
                str(len(visit.resources)),
                kb(visit.total("raw")),
                kb(visit.total("gzip")),
                kb(visit.total("brotli")),
                ", ".join(f"{resource_label(resource.path)} {kb(resource.gzip)}" for resource in largest),
            ]
        )
    print_table(["page", "requests", "raw", "gzip -9", "brotli", f"largest {TOP_RESOURCES} (gzip KB)"], rows)


def progress(message: str) -> None:
    """Say what is running, on stderr, so stdout holds only the figures."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def at_least_one(text: str) -> int:
    """argparse type: a whole number of at least 1 (the page loads visit the first lesson and station)."""
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the Sanwei site build and weigh first visits.")
    parser.add_argument(
        "--lessons", type=at_least_one, default=1000, help="lessons in the generated set (default 1000)"
    )
    parser.add_argument(
        "--stations", type=at_least_one, default=500, help="stations in the generated set (default 500)"
    )
    parser.add_argument("--skip-large", action="store_true", help="only the sample content, no generated set")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    progress("timing a fresh process's imports and jieba's dictionary")
    imports, dictionary = process_startup_seconds()
    # Load it here too, so no build below pays for it: each `python build.py` pays it once.
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    print("# Sanwei build benchmark\n")
    print(
        f"- machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), "
        f"Python {platform.python_version()}, mkdocs {mkdocs.__version__}, mkdocs-material {material.__version__}"
    )
    print(
        "- builds run one after another in this process, via sitegen.site.build_site, which renders the pages "
        "its cache lacks on every core; plain mkdocs-material renders every page on one core every time"
    )
    print(
        f"- a fresh `python build.py` also pays, once: imports {imports:.2f} s, "
        f"jieba dictionary {dictionary:.2f} s (not in the build times below)"
    )

    benches = []
    with tempfile.TemporaryDirectory(prefix="sanwei-bench-") as scratch:
        sample_root = Path(scratch) / "sample"
        copy_sample_project(sample_root)
        progress("building the sample content three times")
        benches.append(bench_content("sample", sample_root, load_content(sample_root)))

        if not args.skip_large:
            generated_root = Path(scratch) / "generated"
            progress(f"generating {args.lessons} lessons and {args.stations} stations")
            start = time.perf_counter()
            generated = write_generated_content(generated_root, args.lessons, args.stations)
            generating = time.perf_counter() - start
            print(f"- generated set written and checked in {generating:.2f} s")
            progress("building the generated set three times")
            benches.append(bench_content("generated", generated_root, generated))
        print()

        print_builds(benches)
        progress("loading each page type in chromium")
        weights = weigh_first_visits(benches)
        for name, visits in weights.items():
            print_first_visits(name, visits)
        print_search_index(benches)

    print(f"Benchmark ran in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
