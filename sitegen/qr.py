"""Make the site's QR codes as SVG and PNG, cached by content hash."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg

# Bump when the drawing settings change, so cached images are made anew.
QR_STYLE_VERSION = "1"
# Medium error correction survives a scuffed or partly covered poster on a wall.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
PNG_BOX_PIXELS = 12
BORDER_MODULES = 4


@dataclass(frozen=True)
class QrCode:
    """One QR code of the site: the URL it encodes and the stable file name it is served at."""

    name: str  # e.g. "station-hongqi-first-street", served as qr/<name>.svg and qr/<name>.png
    url: str


@dataclass
class QrCache:
    """QR images on disk keyed by what they encode, so an unchanged rebuild draws none."""

    directory: Path
    drawn: int = 0
    reused: int = 0

    def image_path(self, url: str, fmt: str) -> Path:
        """Return the cached image of `url` in `fmt` ("svg" or "png"), drawing it if missing."""
        key = hashlib.sha256(f"{QR_STYLE_VERSION}\n{fmt}\n{url}".encode()).hexdigest()
        path = self.directory / f"{key}.{fmt}"
        if path.exists():
            self.reused += 1
            return path
        self.directory.mkdir(parents=True, exist_ok=True)
        data = make_qr_svg(url) if fmt == "svg" else make_qr_png(url)
        # Write then rename, so a build stopped halfway never leaves a broken image behind.
        partial = path.with_suffix(f".{fmt}.part")
        partial.write_bytes(data)
        partial.replace(path)
        self.drawn += 1
        return path


def _make_qr(url: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=PNG_BOX_PIXELS, border=BORDER_MODULES)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def make_qr_svg(url: str) -> bytes:
    """Draw `url` as a single-path SVG that scales to any poster size."""
    image = _make_qr(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def make_qr_png(url: str) -> bytes:
    """Draw `url` as a black-and-white PNG for chat apps that will not show SVG."""
    image = _make_qr(url).make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
