"""The local static server, over HTTP: the site's own 404 page, no listings, no dotfiles, no tracebacks."""

from __future__ import annotations

import gzip
import http.client
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sitegen.local_stack import serve_site

NOT_FOUND_PAGE = "<!doctype html><title>页面不存在</title><p>sanwei-404-marker</p>"


@pytest.fixture
def site(tmp_path: Path):
    """A small built site: a home page, a page, a 404 page, a folder without a page, dotfiles."""
    (tmp_path / "index.html").write_text("<p>首页</p>", encoding="utf-8")
    (tmp_path / "404.html").write_text(NOT_FOUND_PAGE, encoding="utf-8")
    (tmp_path / "404.html.gz").write_bytes(gzip.compress(NOT_FOUND_PAGE.encode()))
    (tmp_path / "lessons" / "first").mkdir(parents=True)
    (tmp_path / "lessons" / "first" / "index.html").write_text("<p>第一课</p>", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("body{}", encoding="utf-8")
    (tmp_path / ".env").write_text("SECRET=1", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[core]", encoding="utf-8")
    (tmp_path / "assets" / ".DS_Store").write_text("x", encoding="utf-8")
    with serve_site(tmp_path) as url:
        yield urlsplit(url)


def get(site, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """Send one request with `path` exactly as given; return status, headers and body."""
    connection = http.client.HTTPConnection(site.hostname, site.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def raw_request(site, request_line: bytes) -> bytes:
    """Send a request line as raw bytes (what http.client refuses to send); return the whole answer."""
    with socket.create_connection((site.hostname, site.port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_pages_are_served(site):
    assert get(site, "/")[0] == 200
    status, _, body = get(site, "/lessons/first/")
    assert status == 200 and "第一课" in body.decode()


@pytest.mark.parametrize("path", ["/nothing-here/", "/lessons/none.html", "/assets/none.js", "/lessons/first/x"])
def test_an_unknown_address_gets_the_sites_own_404_page(site, path):
    status, headers, body = get(site, path)
    assert status == 404
    assert body.decode("utf-8") == NOT_FOUND_PAGE
    assert headers["content-type"].startswith("text/html")
    assert int(headers["content-length"]) == len(body)


def test_the_404_page_honours_a_compressed_copy_and_head(site):
    status, headers, body = get(site, "/nothing/", headers={"Accept-Encoding": "gzip"})
    assert status == 404
    assert headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body).decode() == NOT_FOUND_PAGE
    status, _, body = get(site, "/nothing/", method="HEAD")
    assert status == 404 and body == b""


@pytest.mark.parametrize("path", ["/lessons/", "/assets/", "/lessons"])
def test_a_folder_without_a_page_is_not_listed(site, path):
    status, _, body = get(site, path)
    # "/lessons" is first redirected to "/lessons/", as a static host does.
    if status == 301:
        status, _, body = get(site, path + "/")
    assert status == 404
    assert body.decode("utf-8") == NOT_FOUND_PAGE
    assert b"Directory listing" not in body and b"first" not in body


@pytest.mark.parametrize(
    "path",
    ["/.env", "/.git/config", "/.git/", "/assets/.DS_Store", "/%2Eenv", "/%2egit/config", "/assets/%2EDS_Store"],
)
def test_dotfiles_are_not_served(site, path):
    status, _, body = get(site, path)
    assert status == 404
    assert b"SECRET" not in body and b"[core]" not in body
    assert body.decode("utf-8") == NOT_FOUND_PAGE


@pytest.mark.parametrize(
    "path",
    ["/%00", "/index.html%00", "/a%00b/", "/%FF", "/%ED%A0%80/", "/%C0%AE%C0%AE/", "/%0A", "/assets/%1B"],
)
def test_an_odd_path_is_refused_without_a_traceback(site, path, capsys):
    status, _, body = get(site, path)
    assert status in (400, 404)
    assert "Traceback" not in capsys.readouterr().err
    # Never Python's own English error page.
    assert b"Error response" not in body and b"Error code explanation" not in body


@pytest.mark.parametrize(
    "request_line", [b"GET /\x00 HTTP/1.1", b"GET /\xff\xfe HTTP/1.1", b"GET /a\x00.html HTTP/1.1"]
)
def test_raw_bytes_in_the_request_line_are_refused_without_a_traceback(site, request_line, capsys):
    answer = raw_request(site, request_line)
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 404)
    assert "Traceback" not in capsys.readouterr().err
    assert b"Error response" not in answer


def test_other_errors_are_answered_in_chinese(site):
    status, headers, body = get(site, "/", method="POST")
    assert status == 501
    assert headers["content-type"].startswith("text/html")
    text = body.decode("utf-8")
    assert "Error response" not in text and "Unsupported method" not in text
    assert "不" in text
