"""Hostile download servers (issue: nothing hangs, the checksum list is the root of trust).

Every server here runs on 127.0.0.1 in a daemon thread, answers a bounded number of
requests and sleeps at most a few seconds; every client call has short deadlines.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from _http_server import clear_proxies, serving

from plm.io import fetch as F
from plm.io.fetch import FetchError, download, fetch_physionet

DATA = b"0123456789abcdef" * 256  # 4 KiB
SUMS = f"{hashlib.sha256(DATA).hexdigest()}  plm1.edf\n".encode()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    clear_proxies(monkeypatch)
    monkeypatch.delenv(F.ENV_BASE_URL, raising=False)


@contextlib.contextmanager
def hostile(route: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """Serve ``route(handler)`` for every GET on 127.0.0.1; yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

    with serving(Handler) as httpd:
        yield httpd.base_url


def _send(h: BaseHTTPRequestHandler, body: bytes, length: int | None = None) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(len(body) if length is None else length))
    h.end_headers()
    h.wfile.write(body)


def test_trickling_server_is_cut_as_stalled_within_the_deadline(tmp_path):
    def trickle(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(DATA)))
        h.end_headers()
        for i in range(40):  # 1 byte per 0.1 s: would take 7 minutes for the file
            h.wfile.write(DATA[i : i + 1])
            h.wfile.flush()
            time.sleep(0.1)

    with hostile(trickle) as base:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="stalled"):
            download(f"{base}/f", tmp_path / "f", timeout=2, retries=1, backoff_s=0.01,
                     min_rate_bytes_s=100, stall_window_s=0.5)  # fmt: skip
        assert time.monotonic() - t0 < 5
    assert not (tmp_path / "f").exists()


def test_total_deadline_bounds_a_slow_but_steady_server(tmp_path):
    def slow(h):
        h.send_response(200)
        h.send_header("Content-Length", str(len(DATA)))
        h.end_headers()
        for i in range(0, 200, 10):
            h.wfile.write(DATA[i : i + 10])
            h.wfile.flush()
            time.sleep(0.1)

    with hostile(slow) as base:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="deadline"):
            download(f"{base}/f", tmp_path / "f", timeout=2, retries=5, backoff_s=0.01,
                     min_rate_bytes_s=1, stall_window_s=10, max_time_s=1.0)  # fmt: skip
        assert time.monotonic() - t0 < 3.5


def test_server_that_never_answers_fails_after_its_timeouts(tmp_path):
    # accepts the connection, reads the request, never sends a byte
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    conns = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                conns.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="failed"):
            download(f"http://127.0.0.1:{listener.getsockname()[1]}/f", tmp_path / "f",
                     timeout=0.5, retries=2, backoff_s=0.01)  # fmt: skip
        # three attempts of 0.5 s each, not minutes
        assert time.monotonic() - t0 < 3
    finally:
        stop.set()
        thread.join(2)
        for c in conns:
            c.close()
        listener.close()


@pytest.mark.parametrize("target", ["ftp://127.0.0.1:1/x", "file:///etc/passwd", "gopher://x/"])
def test_redirect_to_another_scheme_is_refused_at_once(tmp_path, target):
    def redirect(h):
        h.send_response(302)
        h.send_header("Location", target)
        h.send_header("Content-Length", "0")
        h.end_headers()

    with hostile(redirect) as base:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="redirect|not allowed"):
            download(f"{base}/f", tmp_path / "f", timeout=2, retries=0)
        assert time.monotonic() - t0 < 2
    assert not (tmp_path / "f").exists()


def _physionet(h, sums_location: str | None = None, sums_body: bytes = SUMS, length=None):
    if h.path.endswith("/SHA256SUMS.txt"):
        if sums_location:
            h.send_response(302)
            h.send_header("Location", sums_location)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        _send(h, sums_body, length)
    elif h.path.endswith("/plm1.edf"):
        _send(h, DATA)
    else:
        h.send_error(404)


def test_checksum_list_redirected_to_another_origin_is_refused(tmp_path):
    evil_data = b"evil" * 100
    evil_sums = f"{hashlib.sha256(evil_data).hexdigest()}  plm1.edf\n".encode()
    with hostile(lambda h: _send(h, evil_sums)) as evil:
        with hostile(lambda h: _physionet(h, sums_location=f"{evil}/SHA256SUMS.txt")) as base:
            with pytest.raises(FetchError, match="another origin"):
                fetch_physionet("capslpdb", ["plm1"], dest=tmp_path, base_url=base,
                                timeout=2, retries=0)  # fmt: skip
    assert not list(tmp_path.rglob("*.edf"))


def test_checksum_list_redirected_within_its_origin_is_followed(tmp_path):
    def route(h):
        if h.path.endswith("/SHA256SUMS.txt"):
            _physionet(h, sums_location="/capslpdb/1.0.0/SUMS-moved.txt")
        elif h.path.endswith("/SUMS-moved.txt"):
            _send(h, SUMS)
        else:
            _physionet(h)

    with hostile(route) as base:
        got = fetch_physionet("capslpdb", ["plm1"], dest=tmp_path, base_url=base, timeout=2,
                              retries=0)  # fmt: skip
    assert [p.read_bytes() for p in got if p.suffix == ".edf"] == [DATA]


def test_data_file_redirect_to_a_mirror_is_followed_and_verified(tmp_path):
    with hostile(lambda h: _send(h, DATA)) as mirror:

        def route(h):
            if h.path.endswith("/plm1.edf"):
                h.send_response(302)
                h.send_header("Location", f"{mirror}/plm1.edf")
                h.send_header("Content-Length", "0")
                h.end_headers()
            else:
                _physionet(h)

        with hostile(route) as base:
            got = fetch_physionet("capslpdb", ["plm1"], dest=tmp_path, base_url=base,
                                  timeout=2, retries=0)  # fmt: skip
    assert [p.read_bytes() for p in got if p.suffix == ".edf"] == [DATA]


def test_huge_announced_checksum_list_is_refused_without_reading_it(tmp_path):
    # announces 300 MB, sends a few bytes: refused from the header alone
    with hostile(lambda h: _physionet(h, sums_body=SUMS, length=300 << 20)) as base:
        t0 = time.monotonic()
        with pytest.raises(FetchError, match="more than"):
            fetch_physionet("capslpdb", ["plm1"], dest=tmp_path, base_url=base, timeout=2,
                            retries=0)  # fmt: skip
        assert time.monotonic() - t0 < 2
    assert not list(tmp_path.rglob("SHA256SUMS.txt*"))


def test_oversized_checksum_list_without_length_is_cut_at_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(F, "MAX_SUMS_BYTES", 64 << 10)

    def route(h):
        if h.path.endswith("/SHA256SUMS.txt"):
            h.send_response(200)
            h.end_headers()  # no Content-Length: read until close
            line = SUMS
            for _ in range((1 << 20) // len(line)):
                h.wfile.write(line)
            h.close_connection = True
        else:
            _physionet(h)

    with hostile(route) as base:
        with pytest.raises(FetchError, match="larger than"):
            fetch_physionet("capslpdb", ["plm1"], dest=tmp_path, base_url=base, timeout=2,
                            retries=0)  # fmt: skip
    assert not list(tmp_path.rglob("SHA256SUMS.txt*"))
