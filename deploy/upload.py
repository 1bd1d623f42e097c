"""Upload a built site to a stage's site bucket: the right headers, only what changed, nothing left over."""

from __future__ import annotations

import concurrent.futures
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# Files named after their content: mkdocs-material's bundle.<8 hex>.min.js, search.<8 hex>.min.js,
# main.<8 hex>.min.css, palette.<8 hex>.min.css and their .map files, all under assets/. A new
# version is a new name, so a phone may keep them for a year. Only the theme's own assets/ are
# matched: an editor's picture beside a lesson may carry a date or a number in its name and
# still be replaced under it. Everything else (pages, sw.js, the site's own unhashed scripts and
# styles, the search index, the sitemap, QR images, which encode the site's address) can change
# under the same name, so a phone must ask again each time: `no-cache` still lets it keep the
# file and costs a 304 when nothing changed. Keeping the CDN's own copies fresh is the job of
# the invalidation of the paths this upload changed.
HASHED_NAME = re.compile(r"assets/(?:.+/)?[^/.]+\.[0-9a-f]{8}\.min\.(?:js|css)(?:\.map)?")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Python's own table of types, never the machine's (/etc/mime.types differs between a laptop and
# CI, and a type that flipped between machines would upload every file again), with what it has
# old or not at all in some Python versions.
_TYPES = mimetypes.MimeTypes()
_CORRECTED_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}
_UTF8_TYPES = {"application/json", "application/manifest+json", "application/xml", "image/svg+xml"}
# The build writes <file>.gz and <file>.br beside large text files for hosts that serve them as
# they are. S3 does not choose between them by Accept-Encoding, and CloudFront compresses text on
# its own (gzip and brotli, cached at the edge). Serving the copies would take an edge function
# rewriting every request, a part to run and pay for, to save the tenth that brotli's best
# quality gains on a few large files; so they are not uploaded.
PRECOMPRESSED_SUFFIXES = (".gz", ".br")
# Where the upload keeps each object's SHA-256 (x-amz-meta-content-sha256). An ETag is the MD5
# only of a single-part upload without KMS encryption; this is the content's hash in every case.
HASH_METADATA = "content-sha256"
# CloudFront reads the bucket through S3's REST endpoint (origin access, the only private way),
# which has no folder index: a phone asking for lessons/x/ asks for the key "lessons/x/". Each
# page is therefore stored under its folder's key too, with the same bytes and headers; the root
# is the distribution's default root object (deploy/sitecdn.py). This works alike in the China
# regions, where CloudFront has no functions to rewrite the address at the edge.
INDEX = "index.html"
# Puts and HEADs wait on the network, not the CPU: a few at once (boto3's clients are thread-safe).
WORKERS = 8
_DELETE_BATCH = 1000


@dataclass(frozen=True)
class SiteFile:
    """One file of a built site, as it is to be stored in the bucket."""

    key: str
    path: Path
    sha256: str
    size: int
    content_type: str
    cache_control: str


@dataclass(frozen=True)
class UploadResult:
    """What an upload did: the keys it put and deleted, and how many it left as they were."""

    uploaded: tuple[str, ...]
    deleted: tuple[str, ...]
    unchanged: int
    uploaded_bytes: int

    @property
    def invalidation_paths(self) -> list[str]:
        """The paths the CDN must forget: every changed or deleted key, and a page's folder address."""
        paths: dict[str, None] = {}
        for key in sorted(self.uploaded + self.deleted):
            paths["/" + quote(key)] = None
            # A page is asked for by its folder (lessons/x/), which the CDN caches apart from index.html.
            if key == INDEX or key.endswith("/" + INDEX):
                paths["/" + quote(key.removesuffix(INDEX))] = None
        return list(paths)

    def summary(self) -> str:
        """One line for the person deploying, in Chinese."""
        return (
            f"网站文件：上传 {len(self.uploaded)} 个（{self.uploaded_bytes:,} 字节），"
            f"删除 {len(self.deleted)} 个，{self.unchanged} 个没有变化"
        )


def folder_key(key: str) -> str | None:
    """Return the key a page is also stored under, its folder's (lessons/x/), or None for other files."""
    if key.endswith("/" + INDEX):
        return key.removesuffix(INDEX)
    return None


def content_type(key: str) -> str:
    """Return the Content-Type a file of the site is served with (charset=utf-8 for text)."""
    if key.endswith("/"):
        key += INDEX
    suffix = Path(key).suffix.lower()
    kind = _CORRECTED_TYPES.get(suffix) or _TYPES.guess_type(key)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in _UTF8_TYPES:
        return f"{kind}; charset=utf-8"
    return kind


def cache_control(key: str) -> str:
    """Return the Cache-Control a file of the site is served with (see HASHED_NAME)."""
    return IMMUTABLE if HASHED_NAME.fullmatch(key) else REVALIDATE


def site_files(site_dir: Path) -> list[SiteFile]:
    """Return every file of a built site that goes to the bucket (not the precompressed copies)."""
    if not (site_dir / INDEX).is_file():
        # An empty or wrong folder would otherwise delete the whole site from the bucket.
        raise FileNotFoundError(f"{site_dir} 里没有 index.html：这不是生成好的网站，先运行 python3 build.py")
    files = []
    for path in sorted(site_dir.rglob("*")):
        if not path.is_file() or _is_precompressed_copy(path):
            continue
        key = path.relative_to(site_dir).as_posix()
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        for stored_as in filter(None, (key, folder_key(key))):
            files.append(SiteFile(stored_as, path, sha256, len(data), content_type(key), cache_control(key)))
    return files


def upload_site(client, bucket: str, site_dir: Path) -> UploadResult:
    """Make the bucket hold exactly the built site: put new and changed files, delete gone ones."""
    files = site_files(site_dir)
    stored = set(_stored_keys(client, bucket))
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        fresh = list(pool.map(lambda file: _is_fresh(client, bucket, file, stored), files))
        stale = [file for file, is_fresh in zip(files, fresh, strict=True) if not is_fresh]
        # Pages and the service worker name the other files: they go up last, so a phone that
        # loads a page during an upload finds everything it names.
        first = [file for file in stale if not _names_other_files(file.key)]
        last = [file for file in stale if _names_other_files(file.key)]
        for wave in (first, last):
            list(pool.map(lambda file: _put(client, bucket, file), wave))
    gone = sorted(stored - {file.key for file in files})
    # Deleted only once every page that named them has been replaced.
    for start in range(0, len(gone), _DELETE_BATCH):
        batch = gone[start : start + _DELETE_BATCH]
        answer = client.delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
        )
        if answer.get("Errors"):
            error = answer["Errors"][0]
            raise RuntimeError(f"删除 {error['Key']} 失败：{error.get('Code')} {error.get('Message')}")
    return UploadResult(
        uploaded=tuple(file.key for file in first + last),
        deleted=tuple(gone),
        unchanged=len(files) - len(stale),
        uploaded_bytes=sum(file.size for file in stale),
    )


def _names_other_files(key: str) -> bool:
    return key.endswith((".html", "/")) or key == "sw.js"


def _is_precompressed_copy(path: Path) -> bool:
    # Only a copy beside its plain file: a .gz an editor put in the site on purpose is uploaded.
    return path.suffix in PRECOMPRESSED_SUFFIXES and path.with_suffix("").is_file()


def _stored_keys(client, bucket: str) -> Iterator[str]:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            yield item["Key"]


def _is_fresh(client, bucket: str, file: SiteFile, stored: set[str]) -> bool:
    """True when the bucket holds this content with these headers (a changed rule re-puts the file)."""
    # A HEAD a file: a listing gives ETags only, which say nothing of the headers.
    if file.key not in stored:
        return False
    head = client.head_object(Bucket=bucket, Key=file.key)
    return (
        head.get("Metadata", {}).get(HASH_METADATA) == file.sha256
        and head.get("ContentType") == file.content_type
        and head.get("CacheControl") == file.cache_control
    )


def _put(client, bucket: str, file: SiteFile) -> None:
    client.put_object(
        Bucket=bucket,
        Key=file.key,
        Body=file.path.read_bytes(),
        ContentType=file.content_type,
        CacheControl=file.cache_control,
        Metadata={HASH_METADATA: file.sha256},
    )
