"""Precompressed copies: each one decompresses to its file; copies are kept by content between builds."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import brotli

from sitegen.compress import BEST_QUALITY_FROM, MIN_BYTES, precompress

LINE = "驿站提供饮水、充电和休息，欢迎骑手朋友随时来歇脚。\n"


def text_of(size: int, salt: str = "") -> bytes:
    data = (salt + LINE * (size // len(LINE.encode()) + 1)).encode()
    return data[: size - size % 3]  # whole characters: three bytes each, the ASCII salt aside


def make_site(folder: Path) -> dict[str, bytes]:
    files = {
        "index.html": text_of(8_000),
        "stations/index.html": text_of(BEST_QUALITY_FROM * 3),
        "search/search_index.json": text_of(BEST_QUALITY_FROM * 2, "{}"),
        "tiny.js": b"var a = 1;",
        "assets/logo.png": os.urandom(5_000),
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return files


def test_every_large_text_file_gets_copies_that_decompress_to_it(tmp_path):
    site = tmp_path / "site"
    files = make_site(site)
    assert precompress(site) == 3
    for name, data in files.items():
        compressible = len(data) >= MIN_BYTES and not name.endswith(".png")
        assert (site / f"{name}.gz").exists() == compressible == (site / f"{name}.br").exists()
        if compressible:
            assert gzip.decompress((site / f"{name}.gz").read_bytes()) == data
            assert brotli.decompress((site / f"{name}.br").read_bytes()) == data


def test_copies_are_kept_by_content_and_key_and_only_while_used(tmp_path):
    site, cache = tmp_path / "site", tmp_path / "cache"
    files = make_site(site)
    precompress(site, cache, "key")
    kept = {path.name: path.stat().st_mtime_ns for path in cache.iterdir()}
    assert len(kept) == 6  # a .gz and a .br for each of the three files of 1400 bytes or more

    # The same content again (mkdocs writes every page anew): nothing is compressed again.
    make_site(site)
    precompress(site, cache, "key")
    assert {path.name: path.stat().st_mtime_ns for path in cache.iterdir()} == kept

    # One file changes: its new copies are made, its old ones go, the others stay.
    changed = text_of(BEST_QUALITY_FROM * 3, "<!-- 新增一个驿站 -->")
    (site / "stations/index.html").write_bytes(changed)
    precompress(site, cache, "key")
    now = {path.name for path in cache.iterdir()}
    assert len(now) == 6 and len(now & set(kept)) == 4
    assert brotli.decompress((site / "stations/index.html.br").read_bytes()) == changed
    assert gzip.decompress((site / "stations/index.html.gz").read_bytes()) == changed
    assert brotli.decompress((site / "search/search_index.json.br").read_bytes()) == files["search/search_index.json"]

    # Another key (new code or library versions) compresses every file again.
    precompress(site, cache, "another key")
    assert not {path.name for path in cache.iterdir()} & now
