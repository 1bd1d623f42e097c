"""The embedded DynamoDB- and S3-compatible server (moto), safe for many clients at once.

moto's own server answers each request on a thread of its own, and its DynamoDB backend is
not safe for that: a transaction copies the whole table and, when it is cancelled, puts
that stale copy back, erasing what other requests wrote meanwhile. Here moto's WSGI app
answers one request at a time, from reading the request to the last byte of its answer.
Connections are still accepted on threads, so an idle keep-alive connection holds nobody up.

Every local use starts it from here: `build.py serve`, the tests and the benchmarks
(`python -m sitegen.embedded_aws --port N` runs it in a process of its own).
"""

from __future__ import annotations

import argparse
import contextlib
import threading
from collections.abc import Iterable, Iterator

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class OneRequestAtATime:
    """WSGI middleware: the wrapped app handles one request at a time, start to finish."""

    def __init__(self, app) -> None:
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        with self._lock:
            answer = self._app(environ, start_response)
            try:
                # The whole answer is made under the lock; only sending it happens outside.
                return [b"".join(answer)]
            finally:
                close = getattr(answer, "close", None)
                if close is not None:
                    close()


class _QuietHandler(WSGIRequestHandler):
    # One log line per database call would drown what `build.py serve` prints; errors still show.
    def log_request(self, code="-", size="-") -> None:
        pass


def make_app():
    """Return moto's WSGI app (every AWS service it emulates), answering one request at a time."""
    from moto.server import DomainDispatcherApplication, create_backend_app

    return OneRequestAtATime(DomainDispatcherApplication(create_backend_app))


class EmbeddedAws:
    """moto's server on a local port (0: a free one), started on a thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server: BaseWSGIServer = make_server(host, port, make_app(), threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's address, e.g. http://127.0.0.1:8002 (no trailing slash)."""
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> None:
        """Start answering on a background thread."""
        self._thread.start()

    def run(self) -> None:
        """Answer on this thread until the process is stopped."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop answering and free the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@contextlib.contextmanager
def embedded_aws(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Run the embedded server while the block runs; yield its address."""
    server = EmbeddedAws(host, port)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """Run the embedded server in the foreground until the process is stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    EmbeddedAws(args.host, args.port).run()


if __name__ == "__main__":
    main()
