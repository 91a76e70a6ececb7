"""A local HTTP server for download tests: static files, Range requests, scripted faults.

Serves only 127.0.0.1; every request is bounded by the client's timeouts.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Behaviour:
    """What the handler should do, per URL path, shared with the test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str | None]] = []  # (path, Range header)
        self.cut_first: dict[str, int] = {}  # path -> cut after K bytes, first request only
        self.corrupt: set[str] = set()
        self.not_found: set[str] = set()
        self.ignore_range: set[str] = set()
        self.fail_first: dict[str, int] = {}  # path -> HTTP status for the first request
        self.stall_first: dict[str, float] = {}  # path -> seconds to stall mid-body, once
        self.seen: dict[str, int] = {}

    def log(self, path: str, rng: str | None) -> int:
        with self.lock:
            self.requests.append((path, rng))
            self.seen[path] = self.seen.get(path, 0) + 1
            return self.seen[path]

    def count(self, name: str) -> int:
        return sum(1 for p, _ in self.requests if p.endswith("/" + name))

    def ranges(self, name: str) -> list[str | None]:
        return [r for p, r in self.requests if p.endswith("/" + name)]


class RangeHandler(SimpleHTTPRequestHandler):
    """Static files with `Range: bytes=N-[M]` support and scripted failures."""

    def log_message(self, format, *args):  # silence the access log
        pass

    def do_GET(self):
        b = self.server.behaviour  # type: ignore[attr-defined]
        url_path = self.path.split("?", 1)[0]
        rng = self.headers.get("Range")
        nth = b.log(url_path, rng)
        if url_path in b.not_found:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        if nth == 1 and url_path in b.fail_first:
            self.send_error(b.fail_first[url_path])
            return
        fs_path = self.translate_path(url_path)
        if not os.path.isfile(fs_path):
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        with open(fs_path, "rb") as fh:
            data = fh.read()
        if url_path in b.corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        size = len(data)
        start = 0
        m = re.match(r"bytes=(\d+)-(\d*)$", rng or "")
        if m and url_path not in b.ignore_range:
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) else size - 1
            if start >= size:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = data[start : end + 1]
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", f"bytes {start}-{start + len(body) - 1}/{size}")
        else:
            body = data
            self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if nth == 1 and url_path in b.cut_first:
            self.wfile.write(body[: b.cut_first[url_path]])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if nth == 1 and url_path in b.stall_first:
            half = len(body) // 2
            self.wfile.write(body[:half])
            self.wfile.flush()
            time.sleep(b.stall_first[url_path])  # bounded: the client times out first
            self.close_connection = True
            return
        self.wfile.write(body)


@contextlib.contextmanager
def serving(handler: Any, timeout: float = 5.0) -> Iterator[ThreadingHTTPServer]:
    """Run ``handler`` on 127.0.0.1 (random port) in a daemon thread; always shut down.

    The server has a ``base_url`` attribute.
    """
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.timeout = timeout
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=timeout)


@contextlib.contextmanager
def serve(root: Path, timeout: float = 5.0) -> Iterator[ThreadingHTTPServer]:
    """Serve ``root`` (static files, Range requests, scripted faults) on 127.0.0.1.

    The server has ``behaviour`` (a :class:`Behaviour`) and ``base_url`` attributes.
    """
    handler = functools.partial(RangeHandler, directory=str(root))
    with serving(handler, timeout) as httpd:
        httpd.behaviour = Behaviour()  # type: ignore[attr-defined]
        yield httpd


def clear_proxies(monkeypatch) -> None:
    """Never route loopback test traffic through a proxy."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
