"""Recordings given as fsspec URLs (plm.io.remote): same result, each byte fetched once.

The HTTP case runs against the Range-capable server of ``_http_server`` on 127.0.0.1;
scoring runs in a thread joined with a deadline, so a stalled transfer fails the test
instead of hanging it.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import plm
from plm.io.remote import is_url, url_name

fsspec = pytest.importorskip("fsspec")

ROOT = Path(__file__).resolve().parents[1]
NIGHT = ROOT / "sample_data" / "night01.edf"
DEADLINE_S = 120.0


def _score(source: Any) -> Any:
    """plm.score(source) in a thread with a deadline (a hung transfer fails, not hangs)."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = plm.score(source)
        except BaseException as exc:  # handed to the test thread
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(DEADLINE_S)
    assert not t.is_alive(), f"scoring {source} did not finish in {DEADLINE_S} s"
    if "error" in out:
        raise out["error"]
    return out["result"]


@pytest.fixture(scope="module")
def local_result():
    return plm.score(NIGHT)


def _same(a: Any, b: Any) -> None:
    assert a.summary == b.summary
    assert a.movements.equals(b.movements)


def test_is_url():
    assert is_url("s3://bucket/x.edf") and is_url("https://h/x.edf") and is_url("memory://x")
    assert not is_url("/data/x.edf") and not is_url(NIGHT) and not is_url("C:\\x.edf")
    assert url_name("s3://b/dir/night.edf?versionId=3") == "night.edf"


def test_memory_and_file_urls_give_the_local_result(local_result):
    url = f"memory://plm-test/{NIGHT.name}"
    with fsspec.open(url, "wb") as fh:
        fh.write(NIGHT.read_bytes())
    try:
        _same(_score(url), local_result)
    finally:
        fsspec.filesystem("memory").rm(url)
    _same(_score(NIGHT.resolve().as_uri()), local_result)


def test_http_streams_each_byte_once(tmp_path, monkeypatch, local_result):
    pytest.importorskip("aiohttp")
    from _http_server import clear_proxies, serve

    clear_proxies(monkeypatch)
    shutil.copy(NIGHT, tmp_path / NIGHT.name)
    size = NIGHT.stat().st_size
    with serve(tmp_path, timeout=10.0) as httpd:
        result = _score(f"{httpd.base_url}/{NIGHT.name}")
        ranges = httpd.behaviour.ranges(NIGHT.name)
    _same(result, local_result)
    assert result.summary["inputs"][0]["file"] == NIGHT.name
    served = 0
    for rng in ranges:
        m = re.match(r"bytes=(\d+)-(\d*)$", rng or "")
        assert m, f"a request without a byte range: {rng!r} (the whole file again)"
        end = min(int(m.group(2)) if m.group(2) else size - 1, size - 1)
        served += max(0, end - int(m.group(1)) + 1)
    assert served <= 1.05 * size, f"{served} bytes fetched for a {size}-byte file"


def test_missing_url_is_an_input_error():
    with pytest.raises(plm.InputError):
        plm.score("memory://plm-test/no-such-night.edf")
