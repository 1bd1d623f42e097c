"""Build the site with mkdocs, pointed at a site address and an API address."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.plugins import BasePlugin

from sitegen.activities import ACTIVITIES_DIR
from sitegen.branches import BRANCHES_FILE
from sitegen.lessons import LESSONS_DIR
from sitegen.stations import STATIONS_FILE

ROOT = Path(__file__).resolve().parent.parent
# Everything under the project's folder the build reads, besides Python code: when one of them
# changes, `build.py serve` rebuilds. The theme and templates are those mkdocs.yml and
# sitegen/pages.py name; a change to Python code needs `serve` started again.
BUILD_INPUTS = (
    "mkdocs.yml",
    LESSONS_DIR,
    STATIONS_FILE,
    BRANCHES_FILE,
    ACTIVITIES_DIR,
    "sitegen/theme",
    "sitegen/templates",
)


def _set_up_logging() -> None:
    # mkdocs's own command line sets this up; a build started from Python has to.
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s - %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)
    # The search plugin's Chinese word splitter logs loading its dictionary, in English, at
    # DEBUG on a handler of its own that it sets up when imported: nothing anyone needs to read.
    import jieba

    jieba.setLogLevel(logging.WARNING)


def build_site(
    root: Path = ROOT,
    site_url: str | None = None,
    api_url: str | None = None,
    site_dir: Path | None = None,
    content_ids_file: Path | None = None,
    plugins: Mapping[str, BasePlugin] | None = None,
) -> Path:
    """Check the content and build the site into site_dir (mkdocs's `site/` by default);
    with content_ids_file, also write there the content's ids for the API. `plugins` join the
    build after mkdocs.yml's own (`serve` keeps what it needs to render one page again)."""
    _set_up_logging()
    overrides = {}
    if site_url:
        overrides["site_url"] = site_url
    if site_dir:
        overrides["site_dir"] = str(site_dir)
    config = load_config(str(root / "mkdocs.yml"), **overrides)
    if api_url:
        config.extra["sanwei"]["api_url"] = api_url
    if content_ids_file:
        config.extra["sanwei"]["content_ids_file"] = str(content_ids_file)
    for name, plugin in (plugins or {}).items():
        config.plugins[name] = plugin
    build(config)
    return Path(config.site_dir)
