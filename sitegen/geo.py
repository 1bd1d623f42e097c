"""Coordinate systems used by Chinese maps (WGS-84, GCJ-02, BD-09), distances and map app links."""

from __future__ import annotations

import math
from urllib.parse import quote, urlencode

WGS84 = "wgs84"
GCJ02 = "gcj02"
COORDINATE_SYSTEMS = (WGS84, GCJ02)

# The published GCJ-02 obfuscation is defined on the Krasovsky 1940 ellipsoid.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_EARTH_RADIUS_M = 6371008.8  # IUGG mean radius


def _outside_china(lat: float, lng: float) -> bool:
    # The rectangle every published implementation uses; outside it GCJ-02 equals WGS-84.
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * math.sqrt(abs(x))
        + common
        + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
        + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    )
    d_lng = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * math.sqrt(abs(x))
        + common
        + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
        + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Shift a WGS-84 point to GCJ-02; points outside China are unchanged."""
    if _outside_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """Invert wgs84_to_gcj02 by fixed-point iteration, to well under 1e-7 degrees."""
    if _outside_china(lat, lng):
        return lat, lng
    wgs_lat, wgs_lng = lat, lng
    # The offset changes slowly with position, so each step shrinks the error ~1000-fold.
    for _ in range(20):
        gcj_lat, gcj_lng = wgs84_to_gcj02(wgs_lat, wgs_lng)
        err_lat, err_lng = gcj_lat - lat, gcj_lng - lng
        wgs_lat, wgs_lng = wgs_lat - err_lat, wgs_lng - err_lng
        if abs(err_lat) < 1e-10 and abs(err_lng) < 1e-10:
            break
    return wgs_lat, wgs_lng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    """Convert GCJ-02 to Baidu's BD-09."""
    z = math.hypot(lng, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """Convert Baidu's BD-09 to GCJ-02."""
    x, y = lng - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 0.00002 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * _X_PI)
    return z * math.sin(theta), z * math.cos(theta)


def to_gcj02(lat: float, lng: float, system: str) -> tuple[float, float]:
    """A point written in `system` ("wgs84" or "gcj02") as GCJ-02."""
    return wgs84_to_gcj02(lat, lng) if _system(system) == WGS84 else (lat, lng)


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    """A point written in `system` ("wgs84" or "gcj02") as WGS-84."""
    return gcj02_to_wgs84(lat, lng) if _system(system) == GCJ02 else (lat, lng)


def _system(system: str) -> str:
    if system not in COORDINATE_SYSTEMS:
        raise ValueError(f"unknown coordinate system {system!r} (known: {', '.join(COORDINATE_SYSTEMS)})")
    return system


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _coord(value: float) -> str:
    # Six decimals is about 0.1 m: finer digits only make the QR-linked URL longer.
    return f"{value:.6f}"


def _marker_text(text: str) -> str:
    # Tencent's marker value is "key:value;key:value", so ASCII ; and : inside a name
    # would split it; their full-width forms read the same in Chinese.
    return text.replace(";", "；").replace(":", "：")


def amap_link(name: str, lat: float, lng: float) -> str:
    """Amap (Gaode) marker link for a GCJ-02 point; opens the app when installed."""
    query = urlencode(
        {"position": f"{_coord(lng)},{_coord(lat)}", "name": name, "coordinate": "gaode", "callnative": 1},
        quote_via=quote,
        safe=",",
    )
    return f"https://uri.amap.com/marker?{query}"


def tencent_link(name: str, lat: float, lng: float, address: str = "", referer: str = "sanwei") -> str:
    """Tencent Maps marker link for a GCJ-02 point."""
    marker = f"coord:{_coord(lat)},{_coord(lng)};title:{_marker_text(name)}"
    if address:
        marker += f";addr:{_marker_text(address)}"
    query = urlencode({"marker": marker, "referer": referer}, quote_via=quote, safe=",:;")
    return f"https://apis.map.qq.com/uri/v1/marker?{query}"


def baidu_link(name: str, lat: float, lng: float, src: str = "sanwei") -> str:
    """Baidu Maps marker link for a GCJ-02 point, converted to BD-09 and labelled bd09ll."""
    bd_lat, bd_lng = gcj02_to_bd09(lat, lng)
    query = urlencode(
        {
            "location": f"{_coord(bd_lat)},{_coord(bd_lng)}",
            "title": name,
            "content": name,
            "output": "html",
            "coord_type": "bd09ll",
            "src": src,
        },
        quote_via=quote,
        safe=",",
    )
    return f"https://api.map.baidu.com/marker?{query}"
