"""Time `build.py serve`'s live preview: from saving a lesson to the open page showing it; print the figures.

    python -m bench.preview_bench [--lessons 1000 --stations 500] [--rounds 3]

Writes a generated set of lessons and stations (bench.generate, as build_bench does), builds it
once, serves it as `serve` does (the preview's site server and file watcher, in this process),
opens a lesson in Debian's headless chromium, then, each round, adds a paragraph to the lesson's
file and waits until the page has reloaded by itself and shows it. The goal is 2 s at 1,000
lessons and 500 stations. It asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jieba
from playwright.sync_api import sync_playwright

from bench.generate import write_generated_content
from sitegen.chromium import PHONE, launch_chromium
from sitegen.lessons import LESSONS_DIR
from sitegen.local_stack import serve_site
from sitegen.preview import InputWatcher, PreviewHandler, SitePreview

GOAL_S = 2.0
# The generated site's pages never reach the API; any address will do.
API_URL = "http://127.0.0.1:9/"
# A slow rebuild is what is measured: wait for it.
LONGEST_S = 600


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the live preview from a saved lesson to the reloaded page.")
    parser.add_argument("--lessons", type=int, default=1000, help="lessons in the generated set (default 1000)")
    parser.add_argument("--stations", type=int, default=500, help="stations in the generated set (default 500)")
    parser.add_argument("--rounds", type=int, default=3, help="saves to time (default 3)")
    args = parser.parse_args(argv)
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    with tempfile.TemporaryDirectory(prefix="sanwei-preview-bench-") as scratch:
        root = Path(scratch) / "project"
        progress(f"generating {args.lessons} lessons and {args.stations} stations")
        content = write_generated_content(root, args.lessons, args.stations)
        lesson = content.lessons[len(content.lessons) // 2]

        # The port is known only once the server listens, and the site is built for its address;
        # a first, throwaway server tells us a free one.
        with serve_site(root, port=0) as probe:
            site_url = probe
        progress("first build")
        started = time.perf_counter()
        preview = SitePreview(root, site_url, API_URL)
        first_build = time.perf_counter() - started
        port = int(site_url.rsplit(":", 1)[1].strip("/"))
        handler = functools.partial(PreviewHandler, preview=preview)
        watcher = InputWatcher(root, preview.rebuild)
        with serve_site(preview.latest.site_dir, port=port, handler=handler), sync_playwright() as playwright:
            watcher.start()
            try:
                browser = launch_chromium(playwright)
                page = browser.new_context(**playwright.devices[PHONE]).new_page()
                page.goto(f"{site_url}lessons/{lesson.slug}/")
                seconds = []
                for round_number in range(1, args.rounds + 1):
                    marker = f"预览计时第 {round_number} 段：保存之后多久能在页面上看到。"
                    progress(f"round {round_number}: saving lessons/{lesson.slug}.md")
                    started = time.perf_counter()
                    with (root / LESSONS_DIR / f"{lesson.slug}.md").open("a", encoding="utf-8") as file:
                        file.write(f"\n\n{marker}\n")
                    page.get_by_text(marker).wait_for(timeout=LONGEST_S * 1000)
                    seconds.append(time.perf_counter() - started)
                browser.close()
            finally:
                watcher.stop()

    print("# Sanwei live preview benchmark\n")
    print(f"- machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), Python {sys.version.split()[0]}")
    print(f"- {args.lessons} lessons, {args.stations} stations; first build {first_build:.1f} s")
    print(f"- saved lesson → reloaded page, each round: {', '.join(f'{s:.1f} s' for s in seconds)}")
    median = statistics.median(seconds)
    verdict = "meets" if median <= GOAL_S else "misses"
    print(f"- median {median:.1f} s: {verdict} the goal of {GOAL_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
