"""Debian's headless chromium, as the browser tests and page measurements drive it."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# As root in a container, and with nothing reaching out to a network that is closed:
# without the background-networking flags chromium keeps dialling Google's hosts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A mid-range Android phone's screen, as Playwright describes it.
PHONE = "Pixel 5"


def launch_chromium(playwright):
    """Start Debian's chromium headless through Playwright (no downloaded browser)."""
    if not CHROMIUM.exists():
        raise RuntimeError("Debian's chromium is not installed: apt-get install chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
