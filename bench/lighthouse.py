"""Lighthouse (mobile preset) on each page type of a built site, in Debian's chromium.

    python -m bench.lighthouse                      the sample content
    python -m bench.lighthouse --lessons 1000 --stations 500 --check

Prints scores and first-visit transfer bytes per page type; with --check, exits 1 when a
page misses its budget. Needs `npm ci` (Lighthouse is pinned in package.json).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.generate import copy_sample_project, write_generated_content
from sitegen.chromium import CHROMIUM, CHROMIUM_ARGS
from sitegen.content import Content, load_content
from sitegen.local_stack import serve_site
from sitegen.site import ROOT, build_site

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The budgets of a page a member opens on a cheap phone over mobile data.
MINIMUM_SCORES = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 90}
MAX_FIRST_VISIT_BYTES = 100 * 1024


@dataclass(frozen=True)
class PageReport:
    """What Lighthouse found on one page."""

    page_type: str
    url: str
    scores: dict[str, int]
    transfer_bytes: int
    failed_audits: tuple[str, ...]

    def misses(self) -> list[str]:
        """The budgets this page misses, in words."""
        missed = [
            f"{category} {self.scores[category]} < {minimum}"
            for category, minimum in MINIMUM_SCORES.items()
            if self.scores[category] < minimum
        ]
        if self.transfer_bytes > MAX_FIRST_VISIT_BYTES:
            missed.append(f"first visit {self.transfer_bytes / 1024:.1f} KB > {MAX_FIRST_VISIT_BYTES // 1024} KB")
        return missed


def page_urls(site_url: str, content: Content) -> dict[str, str]:
    """One page of each type a member meets."""
    return {
        "home": site_url,
        "a lesson": f"{site_url}lessons/{content.lessons[0].slug}/",
        "stations list": f"{site_url}stations/",
        "a station": f"{site_url}stations/{content.stations[0].id}/",
        "registration form": f"{site_url}register/",
    }


def run_lighthouse(page_type: str, url: str) -> PageReport:
    """Run Lighthouse's default (mobile, simulated slow 4G) on url."""
    if not LIGHTHOUSE.exists():
        raise RuntimeError("Lighthouse is not installed: run `npm ci` in the repository")
    with tempfile.TemporaryDirectory() as scratch:
        report_path = Path(scratch) / "report.json"
        subprocess.run(
            [
                str(LIGHTHOUSE),
                url,
                "--quiet",
                "--output=json",
                f"--output-path={report_path}",
                f"--only-categories={','.join(CATEGORIES)}",
                f"--chrome-flags=--headless=new {' '.join(CHROMIUM_ARGS)}",
            ],
            check=True,
            env={**os.environ, "CHROME_PATH": str(CHROMIUM)},
            # A profile per run, not one left in the home directory.
            cwd=scratch,
        )
        report = json.loads(report_path.read_text(encoding="utf-8"))
    audits = report["audits"]
    failed = tuple(
        sorted(
            name
            for name, audit in audits.items()
            if audit.get("scoreDisplayMode") in ("binary", "metricSavings", "numeric")
            and (audit.get("score") or 0) < 0.9
        )
    )
    return PageReport(
        page_type=page_type,
        url=url,
        scores={name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES},
        transfer_bytes=int(audits["total-byte-weight"]["numericValue"]),
        failed_audits=failed,
    )


def audit_site(site_dir: Path, content: Content) -> list[PageReport]:
    """Serve site_dir as a compressing static host would and run Lighthouse on each page type."""
    with serve_site(site_dir) as site_url:
        return [run_lighthouse(page_type, url) for page_type, url in page_urls(site_url, content).items()]


def print_reports(reports: list[PageReport]) -> None:
    """Print one row a page: scores, first-visit bytes and the audits that fell short."""
    print("| page | " + " | ".join(CATEGORIES) + " | first visit KB | audits below 0.9 |")
    print("| --- |" + " ---: |" * (len(CATEGORIES) + 1) + " --- |")
    for report in reports:
        scores = " | ".join(str(report.scores[name]) for name in CATEGORIES)
        weight = f"{report.transfer_bytes / 1024:.1f}"
        print(f"| {report.page_type} | {scores} | {weight} | {', '.join(report.failed_audits)} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.lighthouse", description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, help="generate this many lessons instead of the sample")
    parser.add_argument("--stations", type=int, default=500, help="with --lessons: how many stations")
    parser.add_argument("--check", action="store_true", help="exit 1 when a page misses a budget")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "project"
        if args.lessons:
            write_generated_content(root, args.lessons, args.stations)
        else:
            copy_sample_project(root)
        # QR codes encode the site address; a placeholder will do for measuring pages.
        site_dir = build_site(root, site_url="https://example.org/")
        reports = audit_site(site_dir, load_content(root))

    print_reports(reports)
    missed = [f"{report.page_type}: {miss}" for report in reports for miss in report.misses()]
    for line in missed:
        print(f"over budget: {line}", file=sys.stderr)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
