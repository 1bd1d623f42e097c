"""Write precompressed copies of large text files, for hosts that serve them as they are."""

from __future__ import annotations

import concurrent.futures
import gzip
from pathlib import Path

import brotli

# Text that compresses; images and fonts are compressed already.
TEXT_SUFFIXES = {".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map"}
# Below about one network packet, compressing saves nothing a phone would notice.
MIN_BYTES = 1400


def precompress(site_dir: Path) -> int:
    """Write `<file>.gz` and `<file>.br` beside every large text file; return how many files."""
    files = [
        path
        for path in site_dir.rglob("*")
        if path.suffix in TEXT_SUFFIXES and path.is_file() and path.stat().st_size >= MIN_BYTES
    ]
    # zlib and brotli release the GIL while they work, so threads use every core.
    with concurrent.futures.ThreadPoolExecutor() as pool:
        list(pool.map(_compress_one, files))
    return len(files)


def _compress_one(path: Path) -> None:
    data = path.read_bytes()
    # mtime=0: the same page compresses to the same bytes in every build.
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    path.with_name(path.name + ".br").write_bytes(brotli.compress(data, quality=11 if len(data) > 64_000 else 9))
