"""Give lesson images their width and height, so a page does not jump as they arrive."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from PIL import Image

IMG_TAG = re.compile(r"<img\b[^>]*>")
SRC = re.compile(r'\bsrc="([^"]+)"')
SVG_LENGTH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$")


def image_size(path: Path) -> tuple[int, int] | None:
    """The intrinsic size of an image file, or None when it has none (an SVG without sizes)."""
    if path.suffix.lower() == ".svg":
        root = ElementTree.parse(path).getroot()
        width, height = (SVG_LENGTH.match(root.get(name, "")) for name in ("width", "height"))
        if width and height:
            return round(float(width[1])), round(float(height[1]))
        view_box = root.get("viewBox", "").split()
        return (round(float(view_box[2])), round(float(view_box[3]))) if len(view_box) == 4 else None
    with Image.open(path) as image:
        return image.size


def add_image_sizes(html: str, source_dir: Path) -> str:
    """Add width and height to every <img> of a local file that lacks them."""

    def sized(match: re.Match) -> str:
        tag = match[0]
        src = SRC.search(tag)
        if " width=" in tag or not src or ":" in src[1]:
            return tag
        # normpath, not the file system, resolves "..": the page's folder does not exist.
        path = Path(os.path.normpath(source_dir / src[1].split("#")[0].split("?")[0]))
        size = image_size(path) if path.is_file() else None
        if size is None:
            return tag
        return tag.replace("<img", f'<img width="{size[0]}" height="{size[1]}"', 1)

    return IMG_TAG.sub(sized, html)
