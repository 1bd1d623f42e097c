"""The site upload, against the embedded server's S3: every file of the built sample with its
type and caching, only what changed goes up, what is gone is deleted, an unchanged rebuild
uploads nothing; the rules themselves on small folders of their own."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from chalicelib.downloads import create_bucket
from conftest import AWS_TEST_ENV

from deploy.upload import (
    HASH_METADATA,
    IMMUTABLE,
    REVALIDATE,
    UploadResult,
    cache_control,
    content_type,
    folder_key,
    site_files,
    upload_site,
)
from sitegen.site import build_site
from tests.test_build import API_URL, SITE_URL, copy_project

EDITED_LESSON = "phone-data-saving"
# No other lesson links to it, so the content still checks without it.
REMOVED_LESSON = "winter-riding-cold-weather"


def make_bucket(s3_client) -> str:
    name = f"test-{uuid.uuid4().hex[:12]}-site"
    create_bucket(s3_client, name, AWS_TEST_ENV["AWS_REGION"])
    return name


def snapshot(site: Path) -> dict[str, str]:
    """Every file of a built site (precompressed copies included) by its content's hash."""
    return {
        path.relative_to(site).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in site.rglob("*")
        if path.is_file()
    }


def changed_between(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The files to upload (no .gz or .br copies) that are new or differ from one build to the next."""
    return {key for key, digest in after.items() if not key.endswith((".gz", ".br")) and before.get(key) != digest}


@dataclass(frozen=True)
class Round:
    """One build of the sample and the upload that followed it."""

    files: dict[str, str]
    result: UploadResult


@dataclass(frozen=True)
class History:
    """The bucket, the site as last built, and each round by name."""

    bucket: str
    site: Path
    rounds: dict[str, Round]

    def __getitem__(self, name: str) -> Round:
        return self.rounds[name]


@pytest.fixture(scope="module")
def rounds(tmp_path_factory, s3_client) -> History:
    """The sample built and uploaded four times: first, rebuilt unchanged, one lesson edited, one removed."""
    root = copy_project(tmp_path_factory.mktemp("project"))
    bucket = make_bucket(s3_client)
    lessons = root / "lessons"

    def build_and_upload() -> Round:
        site = build_site(root, site_url=SITE_URL, api_url=API_URL)
        return Round(snapshot(site), upload_site(s3_client, bucket, site))

    done = {"first": build_and_upload(), "unchanged": build_and_upload()}
    edited = lessons / f"{EDITED_LESSON}.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n骑车时不看手机。\n", encoding="utf-8")
    done["edited"] = build_and_upload()
    (lessons / f"{REMOVED_LESSON}.md").unlink()
    done["removed"] = build_and_upload()
    return History(bucket, root / "site", done)


def test_the_first_upload_puts_every_file_but_the_precompressed_copies(rounds):
    first = rounds["first"]
    plain = stored_keys(key for key in first.files if not key.endswith((".gz", ".br")))
    assert any(key.endswith(".gz") for key in first.files)
    assert set(first.result.uploaded) == plain
    assert first.result.deleted == ()
    assert first.result.unchanged == 0
    # Pages and the service worker go up after every file they may name.
    kinds = [key.endswith((".html", "/")) or key == "sw.js" for key in first.result.uploaded]
    assert kinds == sorted(kinds) and kinds[0] is False and kinds[-1] is True


def test_an_unchanged_rebuild_uploads_nothing(rounds):
    first, unchanged = rounds["first"], rounds["unchanged"]
    # The build really ran again (mkdocs writes every file anew) and wrote the same bytes.
    assert unchanged.files == first.files
    assert unchanged.result.uploaded == () and unchanged.result.deleted == ()
    assert unchanged.result.unchanged == len(first.result.uploaded)
    assert unchanged.result.invalidation_paths == []
    assert (
        unchanged.result.summary()
        == f"网站文件：上传 0 个（0 字节），删除 0 个，{unchanged.result.unchanged} 个没有变化"
    )


def test_an_edited_lesson_uploads_only_what_changed(rounds):
    before, edited = rounds["unchanged"], rounds["edited"]
    changed = changed_between(before.files, edited.files)
    assert f"lessons/{EDITED_LESSON}/index.html" in changed
    assert set(edited.result.uploaded) == stored_keys(changed)
    # The lesson's page and the search index, not the whole site.
    assert len(changed) < 10
    assert edited.result.deleted == ()
    assert f"/lessons/{EDITED_LESSON}/" in edited.result.invalidation_paths
    assert f"/lessons/{EDITED_LESSON}/index.html" in edited.result.invalidation_paths


def test_a_removed_lesson_is_removed_from_the_bucket(rounds, s3_client):
    before, removed = rounds["edited"], rounds["removed"]
    gone = {
        key for key in before.files if key.startswith(f"lessons/{REMOVED_LESSON}/") and not key.endswith((".gz", ".br"))
    }
    assert gone
    assert set(removed.result.deleted) == stored_keys(gone)
    assert set(removed.result.uploaded) == stored_keys(changed_between(before.files, removed.files))
    stored = s3_client.list_objects_v2(Bucket=rounds.bucket, Prefix=f"lessons/{REMOVED_LESSON}/")
    assert stored.get("Contents", []) == []
    assert f"/lessons/{REMOVED_LESSON}/" in removed.result.invalidation_paths


def test_the_bucket_holds_exactly_the_site_with_its_headers(rounds, s3_client):
    bucket, site = rounds.bucket, rounds.site
    expected = {file.key: file for file in site_files(site)}
    stored = {
        item["Key"]
        for page in s3_client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    }
    assert stored == set(expected)
    assert not any(key.endswith((".gz", ".br")) for key in stored)
    for key, file in expected.items():
        head = s3_client.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (content_type(key), cache_control(key)), key
        assert head["Metadata"][HASH_METADATA] == file.sha256, key
        assert head["ContentLength"] == file.size, key


def test_the_built_sites_names_get_the_right_headers(rounds):
    keys = set(rounds["removed"].files)
    hashed = {key for key in keys if cache_control(key) == IMMUTABLE}
    # mkdocs-material's bundle, search worker and stylesheets, and their source maps.
    assert {key.split("/")[-1].split(".")[0] for key in hashed} == {"bundle", "search", "main", "palette"}
    assert all(".min." in key for key in hashed)
    for key in ("index.html", "sw.js", "assets/sanwei.js", "assets/sanwei.css", "search/search_index.json"):
        assert key in keys and cache_control(key) == REVALIDATE, key
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("sw.js") == "text/javascript; charset=utf-8"


@pytest.mark.parametrize(
    ("key", "kind", "caching"),
    [
        ("index.html", "text/html; charset=utf-8", REVALIDATE),
        ("lessons/x/index.html", "text/html; charset=utf-8", REVALIDATE),
        ("sw.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("assets/sanwei.css", "text/css; charset=utf-8", REVALIDATE),
        ("assets/javascripts/bundle.a5f9d56c.min.js", "text/javascript; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/bundle.a5f9d56c.min.js.map", "application/json; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/workers/search.a7633da7.min.js", "text/javascript; charset=utf-8", IMMUTABLE),
        ("assets/stylesheets/main.57a0d79d.min.css", "text/css; charset=utf-8", IMMUTABLE),
        ("assets/javascripts/lunr/min/lunr.zh.min.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("search/search_index.json", "application/json; charset=utf-8", REVALIDATE),
        ("sitemap.xml", "text/xml; charset=utf-8", REVALIDATE),
        ("qr/station-a.svg", "image/svg+xml; charset=utf-8", REVALIDATE),
        ("qr/station-a.png", "image/png", REVALIDATE),
        ("manifest.webmanifest", "application/manifest+json; charset=utf-8", REVALIDATE),
        ("assets/fonts/x.woff2", "font/woff2", REVALIDATE),
        ("lessons/photo.webp", "image/webp", REVALIDATE),
        # An editor's picture whose name looks hashed is not under the theme's assets/.
        ("lessons/x/photo.20261012.min.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("assets/javascripts/bundle.A5F9D56C.min.js", "text/javascript; charset=utf-8", REVALIDATE),
        ("notes.unknownkind", "application/octet-stream", REVALIDATE),
    ],
)
def test_each_kind_of_file_gets_its_type_and_caching(key, kind, caching):
    assert content_type(key) == kind
    assert cache_control(key) == caching


def stored_keys(site_keys) -> set[str]:
    """The bucket's keys for these files of the site: a page under its own key and its folder's."""
    return {stored for key in site_keys for stored in (key, folder_key(key)) if stored}


def test_a_page_is_stored_under_its_folder_too_as_the_cdn_asks_for_it(rounds, s3_client):
    page = f"lessons/{EDITED_LESSON}/"
    folder = s3_client.get_object(Bucket=rounds.bucket, Key=page)
    own = s3_client.get_object(Bucket=rounds.bucket, Key=page + "index.html")
    assert folder["Body"].read() == own["Body"].read() == (rounds.site / page / "index.html").read_bytes()
    assert folder["ContentType"] == own["ContentType"] == "text/html; charset=utf-8"
    assert folder["CacheControl"] == REVALIDATE
    # The home page is the distribution's default root object, not a key "" of its own.
    assert folder_key("index.html") is None
    assert folder_key("assets/sanwei.js") is None


def write_site(root: Path, files: dict[str, bytes]) -> Path:
    for key, data in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def test_only_copies_beside_their_plain_file_are_left_out(tmp_path):
    site = write_site(
        tmp_path,
        {"index.html": b"<p>x</p>", "index.html.gz": b"gz", "index.html.br": b"br", "files/data.gz": b"own archive"},
    )
    assert [file.key for file in site_files(site)] == ["files/data.gz", "index.html"]


def test_a_folder_that_is_not_a_built_site_deletes_nothing(tmp_path, s3_client):
    bucket = make_bucket(s3_client)
    s3_client.put_object(Bucket=bucket, Key="index.html", Body=b"live")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"index\.html"):
        upload_site(s3_client, bucket, tmp_path / "empty")
    assert s3_client.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"live"


def test_an_object_with_other_headers_or_no_hash_is_put_again(tmp_path, s3_client):
    site = write_site(tmp_path, {"index.html": b"<p>x</p>", "sw.js": b"//", "a.css": b"p{}"})
    bucket = make_bucket(s3_client)
    upload_site(s3_client, bucket, site)
    # Put by hand: the same bytes, headers a rule no longer gives, or no stored hash.
    s3_client.put_object(
        Bucket=bucket, Key="sw.js", Body=b"//", ContentType="application/javascript", CacheControl="max-age=86400"
    )
    s3_client.put_object(
        Bucket=bucket, Key="a.css", Body=b"p{}", ContentType="text/css; charset=utf-8", CacheControl=REVALIDATE
    )
    result = upload_site(s3_client, bucket, site)
    assert set(result.uploaded) == {"sw.js", "a.css"} and result.unchanged == 1
    head = s3_client.head_object(Bucket=bucket, Key="sw.js")
    assert (head["ContentType"], head["CacheControl"]) == ("text/javascript; charset=utf-8", REVALIDATE)
    assert upload_site(s3_client, bucket, site).uploaded == ()


def test_invalidation_paths_name_pages_by_their_folder_too():
    result = UploadResult(("index.html", "lessons/a/index.html", "qr/站.png"), ("lessons/b/index.html",), 3, 10)
    assert result.invalidation_paths == [
        "/index.html",
        "/",
        "/lessons/a/index.html",
        "/lessons/a/",
        "/lessons/b/index.html",
        "/lessons/b/",
        "/qr/%E7%AB%99.png",
    ]
