"""Build the site as mkdocs does, keeping what each build made in `.cache/sanwei/` so that the
next build renders only what changed.

mkdocs has no incremental build: it renders every page every time, half a minute at a thousand
lessons. Here a page's HTML and its search entries are kept under a key of everything that
shapes them: the page's own source, the site's files and their addresses (links and the menu),
the images beside the lessons, mkdocs.yml and the build options, the build's code, templates and
theme, and the versions of the libraries that render. A change to any of them makes a new key,
so nothing stale is ever reused; a build that finds every input as the last one left it leaves
the site as it is. Entries no build uses any more are removed at the end of each build.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import importlib.metadata
import json
import logging
import multiprocessing
import os
import pickle
import platform
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jieba
from mkdocs import utils
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort, BuildError
from mkdocs.structure.files import Files, get_files, set_exclusions
from mkdocs.structure.nav import get_navigation
from mkdocs.structure.pages import Page

import sitegen
from sitegen.activities import ACTIVITIES_DIR
from sitegen.branches import BRANCHES_FILE
from sitegen.formdefs import FUNCTIONS_DIR
from sitegen.lessons import LESSONS_DIR
from sitegen.stations import STATIONS_FILE
from sitegen.teams import TEAMS_FILE

log = logging.getLogger("mkdocs.sanwei")

CACHE_DIR = Path(".cache") / "sanwei"
# What the site is made of, besides the code: when one of them changes, the site is built again
# and `build.py serve` rebuilds (a change to Python code needs `serve` started again). The theme
# and templates are those mkdocs.yml and sitegen/pages.py name.
BUILD_INPUTS = (
    "mkdocs.yml",
    LESSONS_DIR,
    STATIONS_FILE,
    BRANCHES_FILE,
    ACTIVITIES_DIR,
    TEAMS_FILE,
    "sitegen/theme",
    "sitegen/templates",
)
# The libraries whose version can change a byte of the site: mkdocs and the theme, Markdown and
# its extensions, the templates, the search index's word splitter, QR codes, compression, YAML.
RENDERING_LIBRARIES = (
    "mkdocs",
    "mkdocs-material",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "backrefs",
    "regex",
    "jinja2",
    "markupsafe",
    "babel",
    "jieba",
    "qrcode",
    "pillow",
    "brotli",
    "rjsmin",
    "pyyaml",
    "ruamel.yaml",
)
# Below this many pages to render, starting worker processes costs more than it saves.
PARALLEL_FROM = 32
PAGES_PER_TASK = 16


def digest(*parts: str | bytes) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so that no two lists of parts collide."""
    sha = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)
    return sha.hexdigest()


def files_digest(root: Path, names: Iterable[str | Path]) -> str:
    """A digest of every file under the named files and folders of root: names and bytes."""
    parts: list[str | bytes] = []
    for name in names:
        top = root / name
        paths = sorted(top.rglob("*")) if top.is_dir() else [top]
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)


def write_atomically(path: Path, data: bytes) -> None:
    """Write then rename, so a build stopped halfway never leaves half a file to reuse; a name of
    its own for the partial file, as two workers may write the same entry."""
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    partial.write_bytes(data)
    partial.replace(path)


def environment_key(root: Path) -> str:
    """What every cached thing depends on besides its own input: Python, the rendering libraries'
    versions, and the build's code (sitegen, the form definitions it shares with the API, and the
    project's own sitegen folder, whose hooks, theme and templates mkdocs.yml names)."""
    versions = [f"{name}=={importlib.metadata.version(name)}" for name in RENDERING_LIBRARIES]
    code_root = Path(sitegen.__file__).resolve().parent.parent
    code = [files_digest(code_root, ["sitegen", FUNCTIONS_DIR / "chalicelib"])]
    if (root / "sitegen").resolve() != code_root / "sitegen":
        code.append(files_digest(root, ["sitegen"]))
    return digest(platform.python_version(), *versions, *code)


def config_key(config: MkDocsConfig) -> str:
    """mkdocs.yml as the build reads it, with the options given on the command line."""
    extra = dict(config.extra)
    # Where the content's ids are handed to the API shapes no file of the site.
    extra["sanwei"] = {
        key: value for key, value in extra["sanwei"].items() if key not in ("content_ids_file", "cache_key")
    }
    return digest(
        Path(config.config_file_path).read_bytes(),
        str(config.site_url),
        json.dumps(extra, sort_keys=True, ensure_ascii=False, default=str),
    )


@dataclass(frozen=True)
class CachedPage:
    """What building one page made: its HTML (None when the theme wrote nothing) and its search entries."""

    html: bytes | None
    search_entries: list[dict]


@dataclass
class BuildCache:
    """The cache of one project: `root/.cache/sanwei/`."""

    root: Path
    key: str  # the environment and configuration every entry depends on
    rendered: int = 0
    reused: int = 0
    _used: set[Path] = field(default_factory=set)

    @classmethod
    def for_config(cls, root: Path, config: MkDocsConfig) -> BuildCache:
        return cls(root, digest(environment_key(root), config_key(config)))

    @property
    def directory(self) -> Path:
        return self.root / CACHE_DIR

    # The whole site: a build with every input as the last build found them changes nothing.

    def _stamp(self) -> Path:
        return self.directory / "site.json"

    def _inputs_key(self) -> str:
        # The day, too: the sitemap dates every page with the day of the build.
        return digest(self.key, utils.get_build_date(), files_digest(self.root, BUILD_INPUTS))

    def site_is_current(self, site_dir: Path) -> bool:
        """True if site_dir holds, untouched, what the last build made of the inputs as they are now."""
        try:
            stamp = json.loads(self._stamp().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return (
            stamp.get("site_dir") == str(site_dir.resolve())
            and stamp.get("inputs") == self._inputs_key()
            and stamp.get("files") == _listing(site_dir)
        )

    def remember_site(self, site_dir: Path) -> None:
        """Note that site_dir is the whole build of the inputs as they are now."""
        stamp = {"site_dir": str(site_dir.resolve()), "inputs": self._inputs_key(), "files": _listing(site_dir)}
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomically(self._stamp(), json.dumps(stamp).encode())

    # Pages.

    def page_path(self, key: str) -> Path:
        return self.directory / "pages" / f"{key}.pickle"

    def page(self, key: str) -> CachedPage | None:
        path = self.page_path(key)
        try:
            cached = pickle.loads(path.read_bytes())
        except OSError:
            return None
        self._used.add(path)
        return cached

    def keep_page(self, key: str, page: CachedPage) -> None:
        path = self.page_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL))
        self._used.add(path)

    def remove_unused_pages(self) -> None:
        """Remove the pages this build did not use (and halves a stopped build left)."""
        folder = self.directory / "pages"
        for path in folder.iterdir() if folder.is_dir() else ():
            if path not in self._used:
                path.unlink()


def _listing(site_dir: Path) -> dict[str, list[int]] | None:
    """Every file of the site with its size and modification time: a changed file changes them."""
    if not site_dir.is_dir():
        return None
    listing = {}
    for folder, _, names in os.walk(site_dir):
        for name in names:
            path = Path(folder, name)
            stat = path.stat()
            listing[path.relative_to(site_dir).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return listing


def structure_key(files: Files, docs_dir: Path) -> str:
    """What any page may read of the other files: every file's address (links, the menu, the
    previous and next pages) and the bytes of the files beside the lessons (image sizes)."""
    parts: list[str | bytes] = []
    for file in sorted(files, key=lambda file: file.src_uri):
        parts += [file.src_uri, file.dest_uri, file.url]
        if not file.is_documentation_page() and file.abs_src_path:
            source = Path(file.abs_src_path)
            if source.resolve().is_relative_to(docs_dir):
                parts.append(source.read_bytes())
    return digest(*parts)


# What the worker processes render from: set before they are forked, so each has its own copy of
# the configuration, files, navigation and templates, as a build in one process would.
_job: dict = {}


def _render_pages(indices: Sequence[int]) -> list[tuple[int, CachedPage]]:
    """Read, render and write the pages at `indices` of the job's page list with mkdocs' own steps
    for a page (private, but what its build runs; mkdocs is pinned, and tests/test_buildcache.py
    compares the result with a clean build's; looked up when called, so that the build bench can
    time them); return what each made. The search entries each page added are taken back out of the
    search index: the build adds every page's, in order, when it writes the pages."""
    config, files, nav, env, pages = (_job[name] for name in ("config", "files", "nav", "env", "pages"))
    entries = _job["search_entries"]
    made = []
    for index in indices:
        page = pages[index]
        start = len(entries)
        mkdocs_build._populate_page(page, config, files)
        mkdocs_build._build_page(page, config, files.documentation_pages(), nav, env)
        output = Path(page.file.abs_dest_path)
        made.append((index, CachedPage(output.read_bytes() if output.is_file() else None, entries[start:])))
        del entries[start:]
    return made


def build(config: MkDocsConfig, cache: BuildCache) -> None:
    """Build the site as mkdocs.commands.build.build does (the same plugin events in the same
    order, so every file has the same bytes), rendering only the pages the cache lacks."""
    warnings = utils.CountHandler()
    warnings.setLevel(logging.WARNING)
    if config.strict:
        logging.getLogger("mkdocs").addHandler(warnings)
    try:
        config = config.plugins.on_config(config)
        config.plugins.on_pre_build(config=config)
        utils.clean_directory(config.site_dir)

        files = get_files(config)
        env = config.theme.get_env()
        files.add_files_from_theme(env, config)
        files = config.plugins.on_files(files, config=config)
        set_exclusions(files, config)
        nav = get_navigation(files, config)
        nav = config.plugins.on_nav(nav, config=config, files=files)

        structure = structure_key(files, Path(config.docs_dir).resolve())
        # Pages outside the menu get their Page here, as mkdocs' build makes them.
        pages = [file.page or Page(None, file, config) for file in files.documentation_pages()]
        keys = [digest(cache.key, structure, page.file.src_uri, page.file.content_bytes) for page in pages]

        env = config.plugins.on_env(env, config=config, files=files)
        files.copy_static_files()
        for template in config.theme.static_templates:
            mkdocs_build._build_theme_template(template, env, files, config, nav)
        for template in config.extra_templates:
            mkdocs_build._build_extra_template(template, files, config, nav)

        search = config.plugins.get("material/search")
        entries = search.search_index.entries if search is not None else []
        made = [cache.page(key) for key in keys]
        missing = [index for index, page in enumerate(made) if page is None]
        _job.update(config=config, files=files, nav=nav, env=env, pages=pages, search_entries=entries)
        try:
            for index, page in _render(missing):
                cache.keep_page(keys[index], page)
                made[index] = page
        finally:
            _job.clear()
        cache.rendered, cache.reused = len(missing), len(pages) - len(missing)
        log.info("pages: %d rendered, %d reused from the cache", cache.rendered, cache.reused)

        # Every page as it is kept, in the order mkdocs writes them, with its search entries.
        for source, kept in zip(pages, made, strict=True):
            assert kept is not None
            if kept.html is not None:
                utils.write_file(kept.html, source.file.abs_dest_path)
            entries.extend(kept.search_entries)

        config.plugins.on_post_build(config=config)
        cache.remove_unused_pages()
        if counts := warnings.get_counts():
            raise Abort(f"Aborted with {', '.join(f'{v} {k.lower()}s' for k, v in counts)} in strict mode!")
    except Exception as error:
        config.plugins.on_build_error(error=error)
        if isinstance(error, BuildError):
            log.error(str(error))
            raise Abort("Aborted with a BuildError!") from error
        raise
    finally:
        logging.getLogger("mkdocs").removeHandler(warnings)


def _render(indices: list[int]) -> Iterable[tuple[int, CachedPage]]:
    """Render the pages at `indices`: here when they are few (an edited lesson), else on every
    core. Pages render independently of each other once the files, navigation and templates are
    known, and rendering is pure Python, so only processes share it out: forked ones, which start
    with the build's state as it is now instead of setting it up again."""
    workers = len(os.sched_getaffinity(0))
    if len(indices) < PARALLEL_FROM or workers < 2:
        return _render_pages(indices)
    # Load the search's word splitter's dictionary once, before forking, not once in each worker.
    jieba.initialize()
    tasks = [indices[start : start + PAGES_PER_TASK] for start in range(0, len(indices), PAGES_PER_TASK)]
    started = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        made = [page for task in pool.map(_render_pages, tasks) for page in task]
    log.info("rendered %d pages on %d cores in %.1f s", len(indices), workers, time.perf_counter() - started)
    return made
