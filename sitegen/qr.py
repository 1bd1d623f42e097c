"""Make the site's QR codes as SVG and PNG, cached by content hash."""

from __future__ import annotations

import concurrent.futures
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg

from sitegen.buildcache import digest, write_atomically

# Medium error correction survives a scuffed or partly covered poster on a wall.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
PNG_BOX_PIXELS = 12
BORDER_MODULES = 4
# Below this many new images, starting worker processes costs more than it saves.
PARALLEL_FROM = 64


@dataclass(frozen=True)
class QrCode:
    """One QR code of the site: the URL it encodes and the stable file name it is served at."""

    name: str  # e.g. "station-hongqi-first-street", served as qr/<name>.svg and qr/<name>.png
    url: str


@dataclass
class QrCache:
    """QR images on disk keyed by what they encode and by `key` (what else shapes them: the
    drawing code and the libraries' versions), so an unchanged rebuild draws none."""

    directory: Path
    key: str
    drawn: int = 0
    reused: int = 0

    def path(self, url: str, fmt: str) -> Path:
        """Where the image of `url` in `fmt` ("svg" or "png") is kept."""
        return self.directory / f"{digest(self.key, fmt, url)}.{fmt}"

    def images(self, urls: list[str]) -> dict[str, tuple[Path, Path]]:
        """Return each URL's (SVG, PNG) images, drawing only those not drawn before; remove the
        images of any other URL (and halves left by a build that stopped)."""
        missing = [url for url in urls if not (self.path(url, "svg").exists() and self.path(url, "png").exists())]
        self.reused += len(urls) - len(missing)
        self.directory.mkdir(parents=True, exist_ok=True)
        if missing:
            self.draw_missing(missing)
        images = {url: (self.path(url, "svg"), self.path(url, "png")) for url in urls}
        used = {path for pair in images.values() for path in pair}
        for path in self.directory.iterdir():
            if path not in used:
                path.unlink()
        return images

    def draw_missing(self, urls: list[str]) -> None:
        """Draw the images of `urls`, on every core when there are many (a first build of
        hundreds of stations)."""
        drawings: Iterator[tuple[bytes, bytes]]
        if len(urls) < PARALLEL_FROM:
            drawings = map(draw_qr, urls)
        else:
            pool = concurrent.futures.ProcessPoolExecutor(max_workers=os.cpu_count())
            drawings = pool.map(draw_qr, urls, chunksize=16)
        try:
            for url, (svg, png) in zip(urls, drawings, strict=True):
                write_atomically(self.path(url, "svg"), svg)
                write_atomically(self.path(url, "png"), png)
                self.drawn += 1
        finally:
            if len(urls) >= PARALLEL_FROM:
                pool.shutdown()


def draw_qr(url: str) -> tuple[bytes, bytes]:
    """Draw `url` as SVG and PNG from one QR matrix (choosing the mask is the slow part)."""
    qr = _make_qr(url)
    return _svg(qr), _png(qr)


def _make_qr(url: str) -> qrcode.QRCode:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=PNG_BOX_PIXELS, border=BORDER_MODULES)
    qr.add_data(url)
    qr.make(fit=True)
    return qr


def _svg(qr: qrcode.QRCode) -> bytes:
    # One path that scales to any poster size.
    image = qr.make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode").encode()


def _png(qr: qrcode.QRCode) -> bytes:
    # Black and white pixels, for chat apps that will not show SVG.
    image = qr.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
