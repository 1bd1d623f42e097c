"""Write precompressed copies of large text files, for hosts that serve them as they are."""

from __future__ import annotations

import concurrent.futures
import gzip
import hashlib
import uuid
from pathlib import Path

import brotli

# Text that compresses; images and fonts are compressed already.
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}
# Below about one network packet, compressing saves nothing a phone would notice.
MIN_BYTES = 1400
# Brotli's best quality saves about a tenth more but costs about 1 s a megabyte: worth it
# for the few large files (the stations list, the theme's script and stylesheet, the
# search index), which are kept by content so a rebuild pays only for those that changed.
BEST_QUALITY_FROM = 64_000
# A 64 KB window holds a whole smaller file. Brotli sets up a larger one at about 15 ms a
# call, which made most of a 1,000-lesson build's time when every page paid it.
SMALL_FILE_WINDOW_BITS = 16


def precompress(site_dir: Path, cache_dir: Path | None = None) -> int:
    """Write `<file>.gz` and `<file>.br` beside every large text file; return how many files.

    With a cache_dir, the brotli copies of large files are kept there by content between
    builds; copies no file of this build uses any more are removed.
    """
    files = [
        path
        for path in site_dir.rglob("*")
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size >= MIN_BYTES
    ]
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    # zlib and brotli release the GIL while they work, so threads use every core.
    with concurrent.futures.ThreadPoolExecutor() as pool:
        used = set(pool.map(lambda path: _compress_one(path, cache_dir), files))
    if cache_dir is not None:
        # Copies of files this build no longer has, and halves left by a build that stopped.
        for kept in cache_dir.iterdir():
            if kept not in used:
                kept.unlink()
    return len(files)


def precompress_file(path: Path) -> None:
    """Write one file's `.gz` and `.br` copies, as precompress() would, if it is large text."""
    if path.suffix in TEXT_SUFFIXES and path.stat().st_size >= MIN_BYTES:
        _compress_one(path, None)


def _compress_one(path: Path, cache_dir: Path | None) -> Path | None:
    """Write the file's two copies; return the cache file its brotli copy came from, if any."""
    data = path.read_bytes()
    # mtime=0: the same page compresses to the same bytes in every build.
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    if len(data) < BEST_QUALITY_FROM:
        small = brotli.compress(data, quality=9, lgwin=SMALL_FILE_WINDOW_BITS)
        path.with_name(path.name + ".br").write_bytes(small)
        return None
    if cache_dir is None:
        path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11))
        return None
    kept = cache_dir / f"{hashlib.sha256(data).hexdigest()}.br"
    if not kept.exists():
        # Written then renamed, so a build stopped halfway never leaves half a copy to reuse;
        # a name of its own, as two files of the site may hold the same bytes.
        partial = kept.with_suffix(f".{uuid.uuid4().hex}.part")
        partial.write_bytes(brotli.compress(data, quality=11))
        partial.replace(kept)
    path.with_name(path.name + ".br").write_bytes(kept.read_bytes())
    return kept
