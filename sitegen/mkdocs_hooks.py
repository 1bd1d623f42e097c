"""mkdocs hooks: refuse broken content, then add the generated pages, QR codes, posters,
calendar files and the feed."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from pathlib import Path

from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from sitegen.apicontent import hand_over_content_ids
from sitegen.compress import precompress
from sitegen.content import Content, check_content
from sitegen.feed import FEED_FILE, atom_feed
from sitegen.hours import CHINA_TIME
from sitegen.ics import activity_calendar
from sitegen.images import add_image_sizes
from sitegen.lessons import without_own_title
from sitegen.minify import minify_own_scripts
from sitegen.pages import (
    Campaign,
    PrivacyContact,
    SiteSettings,
    activity_place,
    qr_codes,
    render_pages,
    render_posters,
)
from sitegen.qr import QrCache
from sitegen.search_index import compact_search_index

log = logging.getLogger("mkdocs.sanwei")

PRIVACY_SETTINGS = tuple(setting.name for setting in dataclasses.fields(PrivacyContact))

# One build at a time: mkdocs calls the hooks in order within one process.
_build: dict = {}


def _with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    root = Path(config.config_file_path).parent
    content, problems = check_content(root)
    if content is None:
        raise Abort(f"内容有 {len(problems)} 处问题，请改好后再构建：\n" + "\n".join(map(str, problems)))
    if not config.site_url:
        raise Abort("没有设置网站地址（site_url）：二维码要用网站的完整地址，请用 --site-url 给出")
    extra = config.extra.get("sanwei", {})
    config.extra["sanwei"]["api_url"] = _with_slash(extra["api_url"])
    privacy = extra.get("privacy") or {}
    missing = [key for key in PRIVACY_SETTINGS if not str(privacy.get(key) or "").strip()]
    if missing:
        raise Abort(
            f"mkdocs.yml 的 extra.sanwei.privacy 缺少 {'、'.join(missing)}：个人信息说明要写明"
            "处理个人信息的单位（office）、电话（phone）、地址（address）和数据存放地区（storage）"
        )
    if extra.get("content_ids_file"):
        # The API refuses stations and lessons this build does not have.
        hand_over_content_ids(content, Path(extra["content_ids_file"]))
    _build.clear()
    _build.update(
        root=root,
        content=content,
        # One moment for the whole build: activities over by then are listed as past.
        now=datetime.datetime.now(CHINA_TIME),
        settings=SiteSettings(
            site_url=_with_slash(config.site_url),
            api_url=config.extra["sanwei"]["api_url"],
            privacy=PrivacyContact(**{key: str(privacy[key]).strip() for key in PRIVACY_SETTINGS}),
            campaigns=tuple(Campaign(c["tag"], c["name"]) for c in extra.get("campaigns", [])),
        ),
        lessons={f"lessons/{lesson.slug}.md": lesson for lesson in content.lessons},
    )
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    content: Content = _build["content"]
    settings: SiteSettings = _build["settings"]
    docs_dir = Path(config.docs_dir).resolve()
    drafts = {f"{slug}.md" for slug in content.drafts}

    kept = Files([])
    for file in files:
        if file.abs_src_path is None or not Path(file.abs_src_path).resolve().is_relative_to(docs_dir):
            kept.append(file)  # the theme's own assets
        elif file.src_uri not in drafts:
            # Editors keep lessons at the top of lessons/; on the site they live under
            # lessons/ too, beside the generated pages.
            kept.append(File.generated(config, f"lessons/{file.src_uri}", abs_src_path=file.abs_src_path))

    now = _build["now"]
    for src_uri, text in render_pages(content, settings, now).items():
        kept.append(File.generated(config, src_uri, content=text))
    for activity in content.activities:
        page_url = f"{settings.site_url}activities/{activity.id}/"
        place = activity_place(activity, content)
        where = " ".join(part for part in (place["name"], place["address"], activity.place.link) if part)
        # Last changed when its file was: a rebuild with nothing changed makes the same file.
        revised = datetime.datetime.fromtimestamp(activity.path.stat().st_mtime, datetime.UTC)
        ics = activity_calendar(activity, page_url, where, revised)
        kept.append(File.generated(config, f"activities/{activity.id}.ics", content=ics))
    feed = atom_feed(content, settings.site_url, config.site_name, settings.privacy.office)
    kept.append(File.generated(config, FEED_FILE, content=feed))
    for dest, html in render_posters(content, settings).items():
        kept.append(File.generated(config, dest, content=html))

    cache = QrCache(_build["root"] / ".cache" / "sanwei" / "qr")
    codes = qr_codes(content, settings)
    images = cache.images([code.url for code in codes])
    for code in codes:
        for path in images[code.url]:
            kept.append(File.generated(config, f"qr/{code.name}{path.suffix}", abs_src_path=str(path)))
    log.info("QR codes: %d drawn, %d reused from the cache", cache.drawn, cache.reused)
    _build["qr_cache"] = cache
    return kept


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    lesson = _build["lessons"].get(page.file.src_uri)
    if lesson is None:
        return markdown
    # The reading time up front and the "studied" mark at the end, on every lesson.
    header = f'<p class="sw-meta" data-search-exclude>约 {lesson.minutes} 分钟'
    if lesson.date:
        header += f" · {lesson.date.isoformat()}"
    header += "</p>\n\n"
    slug = escape(lesson.slug)
    footer = (
        f'\n\n<div class="sw-studied" data-sanwei-lesson="{slug}" data-search-exclude>'
        f'<button type="button" class="md-button md-button--primary" data-sanwei-study="{slug}">'
        "学完了，记一次学习</button>"
        '<p class="sw-result" data-sanwei-result role="status" aria-live="polite"></p></div>\n'
    )
    # The title heading comes from the front matter; keep it first, and only once.
    return f"# {escape(lesson.title)}\n\n{header}{without_own_title(markdown)}{footer}"


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    source = page.file.abs_src_path
    if source is None or page.file.src_uri not in _build["lessons"]:
        return html
    # Image paths in the HTML are relative to the page's address, one level below the source file.
    return add_image_sizes(html, Path(source).parent / page.file.name)


def on_post_build(config: MkDocsConfig) -> None:
    # Runs after the search plugin has written its index.
    site_dir = Path(config.site_dir)
    sizes = compact_search_index(site_dir)
    if sizes:
        log.info("search index: %d bytes, %d before compacting", sizes[1], sizes[0])
    log.info("minified the site's own scripts: %d bytes fewer", minify_own_scripts(site_dir))
    compressed = precompress(site_dir, _build["root"] / ".cache" / "sanwei" / "brotli")
    log.info("precompressed %d files (.gz and .br)", compressed)
