"""`build.py serve`'s live preview: rebuild the site when what it is built from changes, keep
the last good build served while the content is broken, and reload the pages open in a browser.

Each rebuild goes into the folder not being served, and the server switches to it only when the
build is complete, so a page is always read from one whole build. Pages are served with a small
script (sitegen/preview.js) that waits for the next build: it reloads the page, or shows what is
wrong with the content on the page itself. The built files never contain it: it is added as
pages are served, by this module's handler, and only by `serve`.
"""

from __future__ import annotations

import functools
import io
import json
import os
import shutil
import sys
import threading
import time
import traceback
from collections.abc import Callable, Collection
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import jinja2
from markupsafe import escape
from mkdocs.commands.build import _build_page, _populate_page
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import MkDocsException
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sitegen.buildcache import BUILD_INPUTS
from sitegen.compress import precompress_file
from sitegen.lessons import LESSONS_DIR, only_words_changed
from sitegen.local_stack import SiteHandler
from sitegen.site import build_site

RELOAD_SCRIPT = Path(__file__).with_name("preview.js")
# Where open pages ask for the next build. A dot-folder: no file of the site can have this address.
WAIT_PATH = "/.preview/wait"
# An open page's question is answered after this long at the latest, and it asks again:
# no proxy or browser gives up on a request this short.
LONGEST_WAIT_S = 20
# An editor's save is often several writes and a rename; rebuild once they have stopped for this long.
QUIET_S = 0.05
# Events a change to a file makes; reading a file (as the build does) makes others, which are ignored.
CHANGES = {"created", "deleted", "modified", "moved"}


@dataclass(frozen=True)
class Build:
    """What the preview shows: the folder of the last good build, its number, and what is wrong
    with the newest content (nothing when that build is the newest)."""

    site_dir: Path
    version: int
    problems: tuple[str, ...] = ()


class SitePreview:
    """The site as `serve` shows it, rebuilt whenever its inputs change."""

    def __init__(
        self,
        root: Path,
        site_url: str,
        api_url: str,
        site_dir: Path | None = None,
        content_ids_file: Path | None = None,
    ) -> None:
        self.root = root
        self._build = functools.partial(
            build_site, root, site_url=site_url, api_url=api_url, content_ids_file=content_ids_file
        )
        # The first build goes where `build` would put it; the rebuilds alternate with a hidden sibling.
        self._kept = KeptBuild()
        first = self._build(site_dir=site_dir, plugins={KeptBuild.NAME: self._kept})
        self._folders = (first, first.with_name(f".{first.name}-next"))
        # Numbered from the time it started, so a page left open across a restart reloads too.
        self._latest = Build(first, int(time.time() * 1000))
        self._changed = threading.Condition()

    @property
    def latest(self) -> Build:
        """The build served now."""
        with self._changed:
            return self._latest

    def rebuild(self, changed: Collection[Path] = ()) -> bool:
        """Show the site as its inputs are now. When only the words of lessons changed, render
        those lessons' pages again in the served build; otherwise build into the folder not
        served and serve it. On a problem, keep serving the last good build and report the
        problem, in the terminal and to every open page. True if the site was updated."""
        served = self.latest
        started = time.monotonic()
        # While the content is broken, only a full build can tell that it is whole again.
        if changed and not served.problems and self._render_lessons_again(set(changed)):
            self._publish(Build(served.site_dir, served.version + 1))
            print(f"课程页面已更新（{time.monotonic() - started:.1f} 秒），打开的页面会自动刷新。", flush=True)
            return True
        folder = self._folders[1] if served.site_dir == self._folders[0] else self._folders[0]
        shutil.rmtree(folder, ignore_errors=True)
        kept = KeptBuild()
        try:
            self._build(site_dir=folder, plugins={KeptBuild.NAME: kept})
        except Exception as error:
            # Whatever stops the build, the last good site stays up and the editor is told why.
            problems = describe_build_error(error, self.root)
            print("\n".join(["网站没有更新，上一次生成的网站还在：", *problems]), file=sys.stderr, flush=True)
            self._publish(Build(served.site_dir, served.version, tuple(problems)))
            return False
        self._kept = kept
        self._publish(Build(folder, served.version + 1))
        print(f"网站已重新生成（{time.monotonic() - started:.1f} 秒），打开的页面会自动刷新。", flush=True)
        return True

    def _render_lessons_again(self, changed: set[Path]) -> bool:
        """Render again, in the served build, the pages of lessons whose words alone changed
        (see only_words_changed); False when the change is any other, and a full build is needed."""
        kept = self._kept
        texts = {}
        for path in changed:
            if path not in kept.sources:
                return False
            try:
                texts[path] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                return False
            if not only_words_changed(kept.sources[path], texts[path]):
                return False
        for path, text in texts.items():
            page = kept.pages[path]
            try:
                kept.render_again(page)
            except Exception:
                # A page that renders well in a full build only: the full build says why.
                return False
            precompress_file(Path(page.file.abs_dest_path))
            kept.sources[path] = text
        return True

    def wait_for_change(self, seen: Build, seconds: float) -> Build:
        """Return the preview's state once it differs from `seen` (its version or its problems),
        or after `seconds` as it is then."""
        with self._changed:
            self._changed.wait_for(lambda: self._latest != seen, timeout=seconds)
            return self._latest

    def _publish(self, build: Build) -> None:
        with self._changed:
            self._latest = build
            self._changed.notify_all()


class KeptBuild(BasePlugin):
    """A plugin that keeps what mkdocs built the site with (config, files, navigation, templates)
    and the lessons' text as built, so that a lesson's page can be rendered again alone, exactly
    as the build rendered it: mkdocs has no incremental build, and a whole one takes half a
    minute at a thousand lessons."""

    NAME = "sanwei-preview"

    def __init__(self) -> None:
        super().__init__()
        self.sources: dict[Path, str] = {}
        self.pages: dict[Path, Page] = {}

    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> None:
        self.nav = nav

    def on_env(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> None:
        self.env, self.config, self.files = env, config, files

    def on_post_build(self, config: MkDocsConfig) -> None:
        for file in self.files.documentation_pages():
            if file.abs_src_path and file.src_uri.startswith(f"{LESSONS_DIR}/") and file.page is not None:
                source = Path(file.abs_src_path)
                self.pages[source] = file.page
                self.sources[source] = source.read_text(encoding="utf-8")

    def render_again(self, page: Page) -> None:
        """Read, render and write the page again, as the build did."""
        # mkdocs' own steps for one page (private, but what its build runs for every page;
        # mkdocs is pinned, and tests/test_preview.py compares the result with a full build's).
        _populate_page(page, self.config, self.files)
        _build_page(page, self.config, self.files.documentation_pages(), self.nav, self.env)


def describe_build_error(error: Exception, root: Path) -> list[str]:
    """The lines that tell an editor why the site could not be built, as `file:line: message`
    where the error names a place."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        where = Path(error.filename or "").resolve()
        name = where.relative_to(root).as_posix() if where.is_relative_to(root) else str(where)
        return [f"{name}:{error.lineno}: 模板写得不对：{error.message}"]
    if isinstance(error, MkDocsException):
        # Content problems (from the content check) and mkdocs.yml problems, already worded for editors.
        return [line for line in str(error).splitlines() if line.strip()]
    traceback.print_exception(error)
    return [f"生成网站时出错：{type(error).__name__}: {error}"]


class PreviewHandler(SiteHandler):
    """The site server of `serve`: pages come with the reload script, nothing is kept in the
    browser's cache, and open pages wait for the next build at WAIT_PATH."""

    def __init__(self, *args, preview: SitePreview, **kwargs) -> None:
        # One build for the whole answer: the folder and the version the script is told belong together.
        self.build = preview.latest
        self.preview = preview
        super().__init__(*args, directory=str(self.build.site_dir), **kwargs)

    def do_POST(self) -> None:
        # A POST, not an EventSource: the site's service worker lets every request but GET through untouched.
        if self.path != WAIT_PATH:
            self.send_error(HTTPStatus.NOT_IMPLEMENTED)
            return
        try:
            seen = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            shown = Build(self.build.site_dir, int(seen["version"]), tuple(map(str, seen["problems"])))
        except (ValueError, KeyError, TypeError):
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        now = self.preview.wait_for_change(shown, LONGEST_WAIT_S)
        body = json.dumps({"version": now.version, "problems": now.problems}, ensure_ascii=False).encode()
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The page was closed or reloaded while it waited: nobody is left to tell.
            self.close_connection = True

    def end_headers(self) -> None:
        # A rebuilt script or stylesheet must be fetched again on reload, not taken from the cache.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def _send_compressed(self, path: Path, status: HTTPStatus):
        if path.suffix != ".html" or not path.is_file():
            return super()._send_compressed(path, status)
        body = with_reload_script(path.read_bytes(), self.build)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


def with_reload_script(html: bytes, build: Build) -> bytes:
    """The page with the reload script added at the end of its body."""
    script = (
        f'<script data-version="{build.version}" data-problems="{escape(json.dumps(build.problems))}">'
        f"{RELOAD_SCRIPT.read_text(encoding='utf-8')}</script>"
    ).encode()
    end = html.rfind(b"</body>")
    return html + script if end < 0 else html[:end] + script + html[end:]


class InputWatcher:
    """Call `changed` with the files changed, once the files the site is built from have stopped
    changing for a moment."""

    def __init__(self, root: Path, changed: Callable[[set[Path]], object]) -> None:
        self._inputs = [root / name for name in BUILD_INPUTS]
        self._changed = changed
        self._paths: set[Path] = set()
        self._pending = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._observer = Observer()
        handler = _InputEvents(self._note)
        # A file is watched through its folder: an editor that saves by renaming a new copy over
        # the old one replaces the file a watch on the file itself would follow.
        folders = {path: True for path in self._inputs if path.is_dir()}
        for path in self._inputs:
            folders.setdefault(path.parent, False)
        for folder, recursive in folders.items():
            self._observer.schedule(handler, str(folder), recursive=recursive)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._observer.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (after the rebuild under way, if any)."""
        self._stop.set()
        self._observer.stop()
        self._observer.join()
        self._thread.join()

    def _note(self, event: FileSystemEvent) -> None:
        if event.event_type not in CHANGES:
            return
        for path in (event.src_path, event.dest_path):
            file = Path(os.fsdecode(path)) if path else None
            # Editors' own files beside the lessons (swap files, lock files, backups) are not inputs.
            if file is None or file.name.startswith(".") or file.name.endswith("~"):
                continue
            if any(file == path or file.is_relative_to(path) for path in self._inputs):
                with self._lock:
                    # A folder changes with every file in it; only files tell what changed.
                    if not event.is_directory:
                        self._paths.add(file)
                    self._pending.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self._pending.wait(timeout=0.2):
                continue
            while self._pending.is_set() and not self._stop.is_set():
                self._pending.clear()
                self._stop.wait(QUIET_S)
            with self._lock:
                paths, self._paths = self._paths, set()
            if not self._stop.is_set():
                self._changed(paths)


class _InputEvents(FileSystemEventHandler):
    """Hand every event to a function."""

    def __init__(self, note: Callable[[FileSystemEvent], None]) -> None:
        self._note = note

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._note(event)
