"""Write precompressed copies of large text files, for hosts that serve them as they are."""

from __future__ import annotations

import concurrent.futures
import gzip
from pathlib import Path

import brotli

from sitegen.buildcache import digest, write_atomically

# Text that compresses; images and fonts are compressed already.
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}
# Below about one network packet, compressing saves nothing a phone would notice.
MIN_BYTES = 1400
# Brotli's best quality saves about a tenth more but costs about 1 s a megabyte: worth it
# for the few large files (the stations list, the theme's script and stylesheet, the
# search index).
BEST_QUALITY_FROM = 64_000
# A 64 KB window holds a whole smaller file. Brotli sets up a larger one at about 15 ms a
# call, which made most of a 1,000-lesson build's time when every page paid it.
SMALL_FILE_WINDOW_BITS = 16


def precompress(site_dir: Path, cache_dir: Path | None = None, key: str = "") -> int:
    """Write `<file>.gz` and `<file>.br` beside every large text file; return how many files.

    With a cache_dir, both copies of every file are kept there by its content and `key` (what
    else shapes them: the code and the libraries' versions) between builds, so a rebuild
    compresses only the files that changed; copies no file of this build uses are removed.
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
        used = {kept for pair in pool.map(lambda path: _compress_one(path, cache_dir, key), files) for kept in pair}
    if cache_dir is not None:
        # Copies of files this build no longer has, and halves left by a build that stopped.
        for kept in cache_dir.iterdir():
            if kept not in used:
                kept.unlink()
    return len(files)


def precompress_file(path: Path) -> None:
    """Write one file's `.gz` and `.br` copies, as precompress() would, if it is large text."""
    if path.suffix in TEXT_SUFFIXES and path.stat().st_size >= MIN_BYTES:
        _compress_one(path, None, "")


def _compress_one(path: Path, cache_dir: Path | None, key: str) -> tuple[Path, ...]:
    """Write the file's two copies; return the cache files they came from, if any."""
    data = path.read_bytes()
    if cache_dir is None:
        for suffix, compressed in zip((".gz", ".br"), _compressed(data), strict=True):
            path.with_name(path.name + suffix).write_bytes(compressed)
        return ()
    name = digest(key, data)
    kept = (cache_dir / f"{name}.gz", cache_dir / f"{name}.br")
    if not all(copy.exists() for copy in kept):
        for copy, compressed in zip(kept, _compressed(data), strict=True):
            write_atomically(copy, compressed)
    for kept_copy in kept:
        path.with_name(path.name + kept_copy.suffix).write_bytes(kept_copy.read_bytes())
    return kept


def _compressed(data: bytes) -> tuple[bytes, bytes]:
    """The gzip and brotli copies of data."""
    # mtime=0: the same page compresses to the same bytes in every build.
    gzipped = gzip.compress(data, compresslevel=9, mtime=0)
    if len(data) < BEST_QUALITY_FROM:
        return gzipped, brotli.compress(data, quality=9, lgwin=SMALL_FILE_WINDOW_BITS)
    return gzipped, brotli.compress(data, quality=11)
