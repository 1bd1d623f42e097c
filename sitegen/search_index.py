"""Rewrite mkdocs-material's search index in compact UTF-8 with only what search reads."""

from __future__ import annotations

import json
from pathlib import Path


def compact_search_index(site_dir: Path) -> tuple[int, int] | None:
    """Rewrite search/search_index.json in place; return its size (before, after) in bytes."""
    path = site_dir / "search" / "search_index.json"
    if not path.exists():
        return None
    before = path.stat().st_size
    index = json.loads(path.read_text(encoding="utf-8"))
    # Empty tags are the default; the worker reads location, title, text and tags only.
    docs = [{key: value for key, value in doc.items() if value or key != "tags"} for doc in index["docs"]]
    # The theme writes \uXXXX escapes, six bytes for every Chinese character instead of three.
    text = json.dumps({"config": index["config"], "docs": docs}, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text, encoding="utf-8")
    return before, path.stat().st_size
