"""Coordinate conversions against published point pairs, distances, and map links in the right system."""

from urllib.parse import parse_qs, urlsplit

import pytest

from sitegen.geo import (
    amap_link,
    baidu_link,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_m,
    tencent_link,
    to_gcj02,
    to_wgs84,
    wgs84_to_gcj02,
)

# (WGS-84 lat, lng) -> (GCJ-02 lat, lng), as published with open-source implementations.
KNOWN_WGS_GCJ = [
    # Tiananmen, Beijing: the widely quoted pair, given to about 1e-6.
    ((39.908860, 116.397390), (39.910263, 116.403630), 1e-5),
    # googollee/eviltransform python/test.py: Shanghai, Shenzhen, Beijing.
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215), 1e-9),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363), 1e-9),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657), 1e-9),
    # wandergis/coordtransform test/app.js: wgs84togcj02(116.404, 39.915).
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938), 1e-9),
]

# (GCJ-02 lat, lng) -> (BD-09 lat, lng), from wandergis/coordtransform test/app.js.
KNOWN_GCJ_BD = [((39.915, 116.404), (39.92133699351021, 116.41036949371029))]
# (BD-09 lat, lng) -> (GCJ-02 lat, lng), same source.
KNOWN_BD_GCJ = [((39.915, 116.404), (39.90865673957631, 116.39762729119315))]

IN_CHINA = [(39.908860, 116.397390), (33.4772, 117.8912), (22.543847, 113.912316), (45.75, 126.65), (29.65, 91.13)]
OUTSIDE_CHINA = [(48.8566, 2.3522), (40.7128, -74.0060), (-33.8688, 151.2093), (35.6762, 139.6503)]


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), KNOWN_WGS_GCJ)
def test_wgs84_to_gcj02_matches_published_pairs(wgs, gcj, tolerance):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=tolerance)


@pytest.mark.parametrize(("wgs", "gcj", "tolerance"), KNOWN_WGS_GCJ)
def test_gcj02_to_wgs84_inverts_published_pairs(wgs, gcj, tolerance):
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=max(tolerance, 1e-7))


@pytest.mark.parametrize(("gcj", "bd"), KNOWN_GCJ_BD)
def test_gcj02_to_bd09_matches_published_pair(gcj, bd):
    assert gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=1e-9)


@pytest.mark.parametrize(("bd", "gcj"), KNOWN_BD_GCJ)
def test_bd09_to_gcj02_matches_published_pair(bd, gcj):
    assert bd09_to_gcj02(*bd) == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize("point", IN_CHINA)
def test_gcj02_round_trips_stay_within_a_ten_millionth_of_a_degree(point):
    assert gcj02_to_wgs84(*wgs84_to_gcj02(*point)) == pytest.approx(point, abs=1e-7)
    assert wgs84_to_gcj02(*gcj02_to_wgs84(*point)) == pytest.approx(point, abs=1e-7)


@pytest.mark.parametrize("point", IN_CHINA)
def test_bd09_round_trip_stays_within_a_quarter_metre(point):
    # Baidu's published inverse is itself an approximation, good to about 1e-6 degrees.
    assert haversine_m(*point, *bd09_to_gcj02(*gcj02_to_bd09(*point))) < 0.25


@pytest.mark.parametrize("point", IN_CHINA)
def test_gcj02_shifts_points_in_china_by_tens_to_hundreds_of_metres(point):
    assert 50 < haversine_m(*point, *wgs84_to_gcj02(*point)) < 1000


@pytest.mark.parametrize("point", IN_CHINA)
@pytest.mark.parametrize("step", [(0.01, 0.0), (0.0, 0.01), (0.05, -0.05), (0.2, 0.15), (-0.3, 0.3)])
def test_distances_measured_between_gcj02_points_are_within_one_percent(point, step):
    # The station finder measures from the phone to each station in GCJ-02. The shift
    # changes slowly with position, so distances stretch by well under 1%; measuring from a
    # WGS-84 phone to a GCJ-02 station instead would be off by the whole shift.
    other = (point[0] + step[0], point[1] + step[1])
    in_wgs84 = haversine_m(*point, *other)
    assert haversine_m(*wgs84_to_gcj02(*point), *wgs84_to_gcj02(*other)) == pytest.approx(in_wgs84, rel=0.01)


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_points_outside_china_are_unchanged(point):
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@pytest.mark.parametrize(
    ("system", "gcj", "wgs"),
    [
        ("gcj02", (39.910263, 116.403630), gcj02_to_wgs84(39.910263, 116.403630)),
        ("wgs84", wgs84_to_gcj02(39.908860, 116.397390), (39.908860, 116.397390)),
    ],
)
def test_points_are_converted_from_the_system_they_are_written_in(system, gcj, wgs):
    written = gcj if system == "gcj02" else wgs
    assert to_gcj02(*written, system) == gcj
    assert to_wgs84(*written, system) == wgs


def test_unknown_coordinate_system_is_refused():
    with pytest.raises(ValueError, match="bd09"):
        to_gcj02(39.9, 116.4, "bd09")


@pytest.mark.parametrize(
    ("a", "b", "metres", "tolerance"),
    [
        ((0.0, 0.0), (0.0, 0.0), 0.0, 1e-9),
        ((0.0, 0.0), (1.0, 0.0), 111_195.08, 0.5),  # one degree of a meridian on the mean sphere
        ((0.0, 0.0), (0.0, 180.0), 20_015_115.07, 1.0),  # half the equator
        ((39.9042, 116.4074), (31.2304, 121.4737), 1_067_000, 5_000),  # Beijing to Shanghai, roughly
    ],
)
def test_haversine_m(a, b, metres, tolerance):
    assert haversine_m(*a, *b) == pytest.approx(metres, abs=tolerance)
    assert haversine_m(*b, *a) == pytest.approx(haversine_m(*a, *b))


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_amap_link_marks_a_gcj02_point():
    url = amap_link("泗州红旗驿站·第一街 & 东门", 33.4772, 117.8912)
    assert url.startswith("https://uri.amap.com/marker?position=117.891200,33.477200&")
    assert query(url) == {
        "position": "117.891200,33.477200",
        "name": "泗州红旗驿站·第一街 & 东门",
        "coordinate": "gaode",
        "callnative": "1",
    }


def test_tencent_link_marks_a_gcj02_point():
    url = tencent_link("泗州红旗驿站;东门", 33.4772, 117.8912, address="泗城镇第一街88号")
    assert url.startswith("https://apis.map.qq.com/uri/v1/marker?marker=coord:33.477200,117.891200;title:")
    assert query(url) == {
        "marker": "coord:33.477200,117.891200;title:泗州红旗驿站；东门;addr:泗城镇第一街88号",
        "referer": "sanwei",
    }


def test_baidu_link_marks_the_point_converted_to_bd09():
    url = baidu_link("驿站", 39.915, 116.404)
    params = query(url)
    assert url.startswith("https://api.map.baidu.com/marker?")
    assert params["coord_type"] == "bd09ll"
    assert params["location"] == "39.921337,116.410369"
    assert (params["title"], params["output"]) == ("驿站", "html")
