"""Run the whole thing on one machine: DynamoDB-compatible server, forms API and site."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import signal
import sys
import threading
import unicodedata
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path

from sitegen.apicontent import CONTENT_IDS_FILE
from sitegen.site import ROOT, build_site

FUNCTIONS_DIR = ROOT / "functions"
LOCAL_STAGE = "dev"
LOCAL_STAFF_NAME = "本机管理员"
LOCAL_STAFF_DAYS = 1
LOCAL_EXPORTS_QUEUE = f"sanwei-{LOCAL_STAGE}-exports"
# A local export that failed is tried again after half a minute, not after the worker's 15.
LOCAL_QUEUE_VISIBILITY_SECONDS = 30


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serve the built site as a static host would: the build's precompressed copies
    when the browser accepts them, the site's own 404 page, no folder listings, no
    dotfiles, and no log line per request."""

    ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
    NOT_FOUND_PAGE = "404.html"
    # Answers other than 404 (a malformed address, a POST) in the site's language.
    error_message_format = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>出错了（%(code)d）</title>'
        '<p>这个地址打不开（错误 %(code)d）。<a href="/">回到首页</a></p></html>'
    )
    error_content_type = "text/html; charset=utf-8"

    def send_head(self):
        site_path = self._decoded_path()
        if site_path is None:
            self.send_error(HTTPStatus.BAD_REQUEST)
            return None
        # Editors' and tools' hidden files (.git, .env, .DS_Store) are not part of the site.
        if any(segment.startswith(".") for segment in site_path.split("/")):
            self.send_error(HTTPStatus.NOT_FOUND)
            return None
        path = Path(self.translate_path(self.path))
        if path.is_dir() and site_path.endswith("/"):
            path = path / "index.html"
        return self._send_compressed(path, HTTPStatus.OK) or super().send_head()

    def list_directory(self, path):
        # A static host shows no folder listings: a folder without index.html does not exist.
        self.send_error(HTTPStatus.NOT_FOUND)
        return None

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / self.NOT_FOUND_PAGE
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            super().send_error(code, message, explain)
            return
        self.close_connection = True
        body = self._send_compressed(page, HTTPStatus.NOT_FOUND)
        if body is None:
            body = page.open("rb")
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(page.stat().st_size))
            self.end_headers()
        with body:
            if self.command != "HEAD":
                self.copyfile(body, self.wfile)

    def log_message(self, format, *args):
        pass

    def _decoded_path(self) -> str | None:
        """The request's path as the site names files, or None when no file could have that name:
        raw bytes outside printable ASCII, percent-escapes that are not UTF-8, control characters."""
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        if not (raw.isascii() and raw.isprintable()):
            return None
        try:
            path = urllib.parse.unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return None
        if any(unicodedata.category(character) in ("Cc", "Cs") for character in path):
            return None
        return path

    def _send_compressed(self, path: Path, status: HTTPStatus):
        """Send the headers of a precompressed copy of `path` the browser accepts; return its
        open file, or None when there is none."""
        accepted = self.headers.get("Accept-Encoding", "")
        for encoding, suffix in self.ENCODINGS:
            variant = path.with_name(path.name + suffix)
            if encoding in accepted and path.is_file() and variant.is_file():
                body = variant.open("rb")
                self.send_response(status)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Encoding", encoding)
                self.send_header("Content-Length", str(variant.stat().st_size))
                self.send_header("Vary", "Accept-Encoding")
                self.end_headers()
                return body
        return None


@contextlib.contextmanager
def serve_site(site_dir: Path, host: str = "127.0.0.1", port: int = 0, handler=None) -> Iterator[str]:
    """Serve a built site over HTTP (a free port by default); yield its address. `handler`
    answers instead of SiteHandler on site_dir (`serve`'s preview hands its own)."""
    handler = handler or functools.partial(SiteHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class LocalStack:
    """The site, the Chalice API and moto's DynamoDB server, each on its own local port."""

    host: str = "127.0.0.1"
    site_port: int = 8000
    api_port: int = 8001
    db_port: int = 8002
    site_dir: Path | None = None
    # Where the tables, the exports and the staff token are kept between runs; None: only in memory.
    data_dir: Path | None = None
    # Rebuild when the content changes and reload open pages; else serve one build as a static host would.
    watch: bool = True
    staff_token: str | None = None
    _stoppers: list = field(default_factory=list)

    @property
    def site_url(self) -> str:
        return f"http://{self.host}:{self.site_port}/"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.api_port}/"

    @property
    def db_url(self) -> str:
        return f"http://{self.host}:{self.db_port}/"

    @property
    def staff_url(self) -> str:
        return f"{self.site_url}staff/"

    def start(self) -> None:
        """Start the database, create the tables (with the data kept in data_dir), start the API,
        build and serve the site, and rebuild it whenever what it is built from changes."""
        self._start_database()
        self._configure_api_environment()
        from chalicelib.tables import create_stage_bucket, create_stage_tables

        create_stage_tables(LOCAL_STAGE, self.db_url)
        # The embedded server serves S3 too: exports go to a bucket there.
        create_stage_bucket(LOCAL_STAGE, self.db_url)
        if self.data_dir is not None:
            self._keep_data(self.data_dir)
        self._issue_staff_token()
        self._start_api()
        self._start_export_worker()
        self._start_site()

    def _start_site(self) -> None:
        if not self.watch:
            site_dir = build_site(
                ROOT,
                site_url=self.site_url,
                api_url=self.api_url,
                site_dir=self.site_dir,
                content_ids_file=CONTENT_IDS_FILE,
            )
            self._serve_site(serve_site(site_dir, self.host, self.site_port))
            return
        from chalicelib.config import forget_content_ids

        from sitegen.preview import InputWatcher, PreviewHandler, SitePreview

        preview = SitePreview(
            ROOT, self.site_url, self.api_url, site_dir=self.site_dir, content_ids_file=CONTENT_IDS_FILE
        )
        handler = functools.partial(PreviewHandler, preview=preview)
        self._serve_site(serve_site(preview.latest.site_dir, self.host, self.site_port, handler=handler))

        def rebuild(changed: set[Path]) -> None:
            # The API, running in this process, takes the new lessons and stations from now on.
            if preview.rebuild(changed):
                forget_content_ids()

        watcher = InputWatcher(ROOT, rebuild)
        watcher.start()
        self._stoppers.append(watcher.stop)

    def _serve_site(self, serving) -> None:
        serving.__enter__()
        self._stoppers.append(lambda: serving.__exit__(None, None, None))

    def stop(self) -> None:
        """Stop everything that start() started, last first."""
        while self._stoppers:
            self._stoppers.pop()()

    def _start_database(self) -> None:
        from sitegen.embedded_aws import EmbeddedAws

        # Dummy credentials: the embedded server accepts any, and no real AWS account is touched.
        for name, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "cn-north-1",
        }.items():
            os.environ.setdefault(name, value)
        server = EmbeddedAws(self.host, self.db_port)
        server.start()
        self._stoppers.append(server.stop)

    def _configure_api_environment(self) -> None:
        # The local API runs with the dev stage's settings, pointed at the local ports.
        config = json.loads((FUNCTIONS_DIR / ".chalice" / "config.json").read_text(encoding="utf-8"))
        environment = dict(config.get("environment_variables", {}))
        environment.update(config["stages"][LOCAL_STAGE].get("environment_variables", {}))
        environment.update(
            DYNAMODB_ENDPOINT_URL=self.db_url,
            S3_ENDPOINT_URL=self.db_url,
            SITE_URL=self.site_url,
            SITE_ORIGIN=self.site_url.rstrip("/"),
        )
        os.environ.update(environment)
        if str(FUNCTIONS_DIR) not in sys.path:
            sys.path.insert(0, str(FUNCTIONS_DIR))

    def _keep_data(self, folder: Path) -> None:
        """Put back what the folder holds from the last run, and save everything there at stop."""
        from chalicelib.tables import stage_table_names, stage_variables

        from sitegen import localdata

        dynamodb, s3 = self._clients()
        tables = list(stage_table_names(LOCAL_STAGE).values())
        bucket = stage_variables(LOCAL_STAGE)["EXPORTS_BUCKET"]
        localdata.load_tables(folder, dynamodb, tables)
        localdata.load_exports(folder, s3, bucket)

        def save() -> None:
            localdata.save_tables(folder, dynamodb, tables)
            localdata.save_exports(folder, s3, bucket)

        self._stoppers.append(save)

    def _issue_staff_token(self) -> None:
        # An admin token lets whoever runs `serve` open the staff console right away: the one kept
        # in the data folder while it is valid, else a fresh one.
        import boto3
        from chalicelib.tables import stage_table_names
        from chalicelib.tokens import NotAuthenticated, TokenStore

        from sitegen.localdata import keep_staff_token, saved_staff_token

        table_name = stage_table_names(LOCAL_STAGE)["submissions"]
        tokens = TokenStore(boto3.resource("dynamodb", endpoint_url=self.db_url).Table(table_name))
        kept = saved_staff_token(self.data_dir) if self.data_dir is not None else None
        if kept is not None:
            try:
                tokens.authenticate(kept)
                self.staff_token = kept
                return
            except NotAuthenticated:
                pass
        self.staff_token = tokens.create(LOCAL_STAFF_NAME, "admin", (), LOCAL_STAFF_DAYS).token
        if self.data_dir is not None:
            keep_staff_token(self.data_dir, self.staff_token)

    def _clients(self):
        """boto3 clients of the embedded server's DynamoDB and S3."""
        import boto3
        from botocore.config import Config

        return (
            boto3.client("dynamodb", endpoint_url=self.db_url),
            # A local server has no per-bucket host names.
            boto3.client("s3", endpoint_url=self.db_url, config=Config(s3={"addressing_style": "path"})),
        )

    def _start_export_worker(self) -> None:
        """Make the exports queue on the embedded server (it speaks SQS too) and hand its messages
        to the app's own worker function, as Lambda's event source does in AWS."""
        import boto3
        from app import export_worker
        from chalicelib.jobqueue import create_queue

        from sitegen.queuepoller import QueuePoller

        sqs = boto3.client("sqs", endpoint_url=self.db_url)
        queue_url = create_queue(sqs, LOCAL_EXPORTS_QUEUE, LOCAL_QUEUE_VISIBILITY_SECONDS)
        os.environ.update(EXPORTS_QUEUE_URL=queue_url, SQS_ENDPOINT_URL=self.db_url)
        poller = QueuePoller(sqs, queue_url, export_worker)
        poller.start()
        self._stoppers.append(poller.stop)

    def _start_api(self) -> None:
        from app import app
        from chalice.config import Config
        from chalice.local import create_local_server

        config = Config.create(
            chalice_stage=LOCAL_STAGE, app_name=app.app_name, chalice_app=app, project_dir=str(FUNCTIONS_DIR)
        )
        server = create_local_server(app, config, self.host, self.api_port)
        self._serve_in_thread(server.server)

    def _serve_in_thread(self, server) -> None:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        self._stoppers.append(stop)


def run_local_stack(
    host: str,
    site_port: int,
    api_port: int,
    db_port: int,
    site_dir: Path | None = None,
    data_dir: Path | None = None,
    watch: bool = True,
) -> int:
    """`python build.py serve`: run until Ctrl-C, then stop everything."""
    stack = LocalStack(
        host=host,
        site_port=site_port,
        api_port=api_port,
        db_port=db_port,
        site_dir=site_dir,
        data_dir=data_dir,
        watch=watch,
    )
    stopped = threading.Event()
    # Stopped by the system, or by closing the terminal: stop as for Ctrl-C, saving the data first.
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGHUP, lambda *_: stopped.set())
    try:
        stack.start()
        kept = f"数据保存在 {data_dir}，下次启动还在" if data_dir is not None else "数据只在内存里，停止后清空"
        if watch:
            print("修改课程、stations.yaml、mkdocs.yml 或主题并保存后，网站会自动重新生成，打开的页面自动刷新。")
        print(f"网站：      {stack.site_url}")
        print(f"表单接口：  {stack.api_url}")
        print(f"数据库：    {stack.db_url}  （{kept}；导出文件也存在这里）")
        print(f"工作人员：  {stack.staff_url}  （用下面这行令牌登录，一天内有效）")
        print(f"staff token: {stack.staff_token}")
        print("按 Ctrl-C 停止。", flush=True)
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0
