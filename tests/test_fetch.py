"""Tests of plm.io.fetch and the `plm fetch` glue, against a local HTTP server only.

The server is a ThreadingHTTPServer on 127.0.0.1 (port 0) serving a miniature PhysioNet
tree from tmp_path; every client call uses a short timeout, so no test can hang.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import re
from pathlib import Path

import pytest
from _http_server import clear_proxies, serve

from pipelines.fetch_cli import add_fetch_parser, run_fetch
from plm.events import InputError
from plm.io import fetch as F
from plm.io.fetch import (
    ChecksumError,
    FetchError,
    NotFoundError,
    download,
    fetch_physionet,
    read_sha256sums,
    record_files,
    resolve_base_url,
    resolve_version,
)

TIMEOUT = 5.0
FAST = {"timeout": TIMEOUT, "retries": 3, "backoff_s": 0.01}
DB = "capslpdb/1.0.0"


def _blob(seed: int, n: int) -> bytes:
    out = bytearray()
    block = hashlib.sha256(seed.to_bytes(4, "little")).digest()
    while len(out) < n:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:n])


FILES = {
    "plm1.edf": _blob(1, 50_000),
    "plm1.txt": b"Sleep Stage\tPosition\tTime [hh:mm:ss]\tEvent\tDuration[s]\tLocation\n" * 40,
    "n1.edf": _blob(2, 30_000),
    "n1.txt": b"Sleep Stage\tTime [hh:mm:ss]\tEvent\tDuration[s]\n" * 20,
    "plm10.edf": _blob(3, 10_000),
}


def _sums_text(files: dict[str, bytes]) -> str:
    return "".join(f"{hashlib.sha256(d).hexdigest()}  {name}\n" for name, d in files.items())


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    db = root / "capslpdb" / "1.0.0"
    db.mkdir(parents=True)
    for name, data in FILES.items():
        (db / name).write_bytes(data)
    (db / "SHA256SUMS.txt").write_text(_sums_text(FILES))

    with serve(root, TIMEOUT) as httpd:
        yield httpd


@pytest.fixture(autouse=True)
def _no_proxy_no_env(monkeypatch):
    # Never route the loopback test traffic through a proxy, and start each test without
    # a mirror configured in the environment.
    clear_proxies(monkeypatch)
    monkeypatch.delenv(F.ENV_BASE_URL, raising=False)


def _fetch(server, dest, records=("plm1",), **kw):
    return fetch_physionet(
        "capslpdb", list(records), dest=dest, base_url=server.base_url, **{**FAST, **kw}
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- fetching


def test_fetch_record_files_land_verified(server, tmp_path):
    dest = tmp_path / "data"
    paths = _fetch(server, dest)
    out = dest / "capslpdb" / "1.0.0"
    assert paths == [out / "plm1.edf", out / "plm1.txt"]
    for p in paths:
        assert p.read_bytes() == FILES[p.name]
    assert not (out / "plm10.edf").exists()
    assert not list(out.glob("*.part"))
    assert (out / "SHA256SUMS.txt").is_file()  # cached beside the data
    assert server.behaviour.count("plm10.edf") == 0


def test_fetch_several_records(server, tmp_path):
    paths = _fetch(server, tmp_path / "d", records=["plm1", "n1"])
    assert sorted(p.name for p in paths) == ["n1.edf", "n1.txt", "plm1.edf", "plm1.txt"]


def test_interrupted_transfer_is_resumed_with_range(server, tmp_path):
    half = len(FILES["plm1.edf"]) // 2
    server.behaviour.cut_first[f"/{DB}/plm1.edf"] = half
    paths = _fetch(server, tmp_path / "d")
    ranges = server.behaviour.ranges("plm1.edf")
    assert ranges[0] is None
    assert ranges[1] == f"bytes={half}-"
    assert paths[0].read_bytes() == FILES["plm1.edf"]
    assert not list(paths[0].parent.glob("*.part"))


def test_stalled_transfer_times_out_and_resumes(server, tmp_path):
    server.behaviour.stall_first[f"/{DB}/n1.edf"] = 1.5
    paths = _fetch(server, tmp_path / "d", records=["n1"], timeout=0.3)
    ranges = server.behaviour.ranges("n1.edf")
    assert len(ranges) == 2 and ranges[1] is not None
    n = int(re.match(r"bytes=(\d+)-$", ranges[1]).group(1))
    assert n > 0
    assert paths[0].read_bytes() == FILES["n1.edf"]


def test_leftover_part_is_resumed_not_restarted(server, tmp_path):
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    out.mkdir(parents=True)
    k = 12_345
    (out / "plm1.edf.part").write_bytes(FILES["plm1.edf"][:k])
    _fetch(server, tmp_path / "d")
    assert server.behaviour.ranges("plm1.edf") == [f"bytes={k}-"]
    assert (out / "plm1.edf").read_bytes() == FILES["plm1.edf"]
    assert not (out / "plm1.edf.part").exists()


def test_server_ignoring_range_restarts_from_zero(server, tmp_path):
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    out.mkdir(parents=True)
    # A .part of garbage: appending to it would fail the checksum.
    (out / "plm1.edf.part").write_bytes(b"x" * 1000)
    server.behaviour.ignore_range.add(f"/{DB}/plm1.edf")
    _fetch(server, tmp_path / "d")
    assert server.behaviour.ranges("plm1.edf") == ["bytes=1000-"]  # asked, got a 200
    assert (out / "plm1.edf").read_bytes() == FILES["plm1.edf"]
    assert not (out / "plm1.edf.part").exists()


def test_stale_part_with_wrong_bytes_gets_one_clean_restart(server, tmp_path):
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    out.mkdir(parents=True)
    (out / "plm1.edf.part").write_bytes(b"y" * 1000)  # server honours Range: bad resume
    _fetch(server, tmp_path / "d")
    assert server.behaviour.ranges("plm1.edf") == ["bytes=1000-", None]
    assert (out / "plm1.edf").read_bytes() == FILES["plm1.edf"]


def test_complete_part_answered_416_is_finished(server, tmp_path):
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    out.mkdir(parents=True)
    (out / "plm1.edf.part").write_bytes(FILES["plm1.edf"])
    _fetch(server, tmp_path / "d")
    assert (out / "plm1.edf").read_bytes() == FILES["plm1.edf"]
    assert not (out / "plm1.edf.part").exists()


def test_corrupted_file_is_refused(server, tmp_path):
    server.behaviour.corrupt.add(f"/{DB}/plm1.edf")
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    with pytest.raises(ChecksumError, match=r"checksum mismatch for http://127\.0\.0\.1:\d+/"):
        _fetch(server, tmp_path / "d")
    assert not (out / "plm1.edf").exists()
    assert not (out / "plm1.edf.part").exists()


def test_transient_5xx_is_retried(server, tmp_path):
    server.behaviour.fail_first[f"/{DB}/plm1.txt"] = 503
    paths = _fetch(server, tmp_path / "d")
    assert server.behaviour.count("plm1.txt") == 2
    assert paths[1].read_bytes() == FILES["plm1.txt"]


def test_retries_exhausted_is_an_error(server, tmp_path):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(FetchError, match=r"download failed after 2 attempt\(s\)"):
        download(
            f"http://127.0.0.1:{port}/x.edf", tmp_path / "x.edf", timeout=1, retries=1,
            backoff_s=0.01,
        )  # fmt: skip
    assert not (tmp_path / "x.edf").exists()


def test_cached_files_are_not_downloaded_again(server, tmp_path, caplog):
    dest = tmp_path / "d"
    _fetch(server, dest)
    n_edf, n_txt = server.behaviour.count("plm1.edf"), server.behaviour.count("plm1.txt")
    n_all = len(server.behaviour.requests)
    with caplog.at_level(logging.INFO, logger="plm.io.fetch"):
        paths = _fetch(server, dest)
    assert server.behaviour.count("plm1.edf") == n_edf == 1
    assert server.behaviour.count("plm1.txt") == n_txt == 1
    assert len(server.behaviour.requests) == n_all  # SHA256SUMS.txt cached too
    assert "cached" in caplog.text
    assert [p.read_bytes() for p in paths] == [FILES["plm1.edf"], FILES["plm1.txt"]]


def test_mismatching_local_file_is_downloaded_again(server, tmp_path, caplog):
    dest = tmp_path / "d"
    _fetch(server, dest)
    target = dest / "capslpdb" / "1.0.0" / "plm1.edf"
    target.write_bytes(b"tampered")
    with caplog.at_level(logging.WARNING, logger="plm.io.fetch"):
        _fetch(server, dest)
    assert "checksum does not match" in caplog.text
    assert server.behaviour.count("plm1.edf") == 2
    assert target.read_bytes() == FILES["plm1.edf"]


def test_record_missing_from_cached_sums_refreshes_them(server, tmp_path):
    dest = tmp_path / "d"
    out = dest / "capslpdb" / "1.0.0"
    out.mkdir(parents=True)
    (out / "SHA256SUMS.txt").write_text(_sums_text({"plm1.edf": FILES["plm1.edf"]}))
    paths = _fetch(server, dest, records=["n1"])
    assert [p.name for p in paths] == ["n1.edf", "n1.txt"]
    assert server.behaviour.count("SHA256SUMS.txt") == 1


def test_download_reports_status_and_progress(server, tmp_path):
    seen = []
    url = f"{server.base_url}/{DB}/n1.edf"
    sha = hashlib.sha256(FILES["n1.edf"]).hexdigest()
    f = download(url, tmp_path / "n1.edf", sha, progress=lambda p, d, t: seen.append((d, t)),
                 chunk_bytes=4096, **FAST)  # fmt: skip
    assert f.status == "downloaded" and f.size == len(FILES["n1.edf"]) and f.sha256 == sha
    assert seen[-1] == (len(FILES["n1.edf"]), len(FILES["n1.edf"]))
    again = download(url, tmp_path / "n1.edf", sha, **FAST)
    assert again.status == "cached"


# --------------------------------------------------------------------------- errors


def test_missing_file_404_is_a_clear_error(server, tmp_path):
    server.behaviour.not_found.add(f"/{DB}/plm1.txt")
    with pytest.raises(NotFoundError) as info:
        _fetch(server, tmp_path / "d")
    assert str(info.value) == f"not found: {server.base_url}/{DB}/plm1.txt"
    assert server.behaviour.count("plm1.txt") == 1  # a 404 is not retried
    assert not (tmp_path / "d" / "capslpdb" / "1.0.0" / "plm1.txt").exists()


def test_unknown_database_version_404(server, tmp_path):
    with pytest.raises(NotFoundError, match=r"not found: http://.*/capslpdb/9\.9\.9/SHA256SUMS"):
        _fetch(server, tmp_path / "d", version="9.9.9")


def test_record_without_files_names_the_record(server, tmp_path):
    with pytest.raises(InputError, match=r"record\(s\) plm99 have no files"):
        _fetch(server, tmp_path / "d", records=["plm1", "plm99"])
    assert server.behaviour.count("plm1.edf") == 0  # checked before downloading anything


def test_unknown_database_without_version():
    with pytest.raises(InputError, match=r"unknown PhysioNet database 'nosuchdb'.*--version"):
        fetch_physionet("nosuchdb", ["r1"], base_url="http://127.0.0.1:9")
    assert resolve_version("nosuchdb", "2.0") == "2.0"
    assert resolve_version("capslpdb") == "1.0.0"
    assert resolve_version("slpdb") == "1.0.0"
    assert resolve_version("sleep-edfx") == "1.0.0"


@pytest.mark.parametrize("bad", ["../etc", "a/b", "", ".."])
def test_invalid_database_or_version_names(bad):
    with pytest.raises(InputError):
        resolve_version(bad or "x y", None)
    with pytest.raises(InputError):
        resolve_version("capslpdb", bad or "x y")


def test_invalid_record_names(server, tmp_path):
    for bad in ["../plm1", "/plm1", ""]:
        with pytest.raises(InputError):
            _fetch(server, tmp_path / "d", records=[bad])


def test_base_url_resolution(monkeypatch):
    monkeypatch.delenv(F.ENV_BASE_URL, raising=False)
    assert resolve_base_url() == "https://physionet.org/files"
    monkeypatch.setenv(F.ENV_BASE_URL, "http://mirror.invalid/files/")
    assert resolve_base_url() == "http://mirror.invalid/files"
    assert resolve_base_url("https://flag.invalid/pn") == "https://flag.invalid/pn"
    monkeypatch.setenv(F.ENV_BASE_URL, "  ")
    assert resolve_base_url() == "https://physionet.org/files"
    with pytest.raises(InputError, match="not an http"):
        resolve_base_url("ftp://mirror.invalid/files")
    with pytest.raises(InputError, match="not an http"):
        resolve_base_url("/local/dir")


def test_env_mirror_is_used_when_no_flag(server, tmp_path, monkeypatch):
    monkeypatch.setenv(F.ENV_BASE_URL, server.base_url)
    paths = fetch_physionet("capslpdb", "plm1", dest=tmp_path / "d", **FAST)
    assert [p.name for p in paths] == ["plm1.edf", "plm1.txt"]


def test_download_rejects_non_http_url(tmp_path):
    with pytest.raises(FetchError, match="unsupported URL scheme"):
        download("file:///etc/passwd", tmp_path / "x")


# --------------------------------------------------------------------------- checksums


def test_read_sha256sums():
    h1, h2 = "a" * 64, "B" * 64
    text = f"{h1}  plm1.edf\n\n# comment\n{h2} *sub dir/x1.edf\n{h1}  ./RECORDS\n"
    sums = read_sha256sums(text)
    assert sums == {"plm1.edf": h1, "sub dir/x1.edf": "b" * 64, "RECORDS": h1}


@pytest.mark.parametrize(
    "line",
    ["abc  plm1.edf", f"{'a' * 64}", f"{'a' * 64}  ../evil", f"{'a' * 64}  /etc/passwd"],
)
def test_read_sha256sums_rejects_bad_lines(line):
    with pytest.raises(InputError, match="SUMS: line 1"):
        read_sha256sums(line + "\n", source="SUMS")


def test_read_sha256sums_rejects_conflicting_duplicates():
    with pytest.raises(InputError, match="listed twice"):
        read_sha256sums(f"{'a' * 64}  x.edf\n{'b' * 64}  x.edf\n")


def test_record_files_prefix_rule():
    names = ["plm1.edf", "plm1.txt", "plm10.edf", "n1.edf", "sub/x1.edf", "sub/x10.edf"]
    assert record_files(names, "plm1") == ["plm1.edf", "plm1.txt"]
    assert record_files(names, "x1") == ["sub/x1.edf"]
    assert record_files(names, "sub/x1") == ["sub/x1.edf"]
    assert record_files(names, "plm") == []


# --------------------------------------------------------------------------- CLI glue


def _parse(argv):
    parser = argparse.ArgumentParser(prog="plm")
    parser.add_argument("--version", action="version", version="plmkit test")
    sub = parser.add_subparsers(dest="command", required=True)
    add_fetch_parser(sub)
    return parser.parse_args(argv)


def test_cli_fetch(server, tmp_path, capsys):
    dest = tmp_path / "d"
    argv = ["fetch", "physionet", "capslpdb", "plm1", "n1", "--dest", str(dest),
            "--base-url", server.base_url, "--version", "1.0.0"]  # fmt: skip
    args = _parse(argv)
    assert args.handler is run_fetch
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert all(line.endswith("\tdownloaded") for line in lines)
    assert f"{dest / 'capslpdb' / '1.0.0' / 'plm1.edf'}\t{len(FILES['plm1.edf'])} bytes" in lines[0]
    assert run_fetch(_parse(argv)) == 0
    assert all(line.endswith("\tcached") for line in capsys.readouterr().out.splitlines())


def test_cli_flag_beats_env(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(F.ENV_BASE_URL, "http://127.0.0.1:9/nothing-here")
    args = _parse(["fetch", "physionet", "capslpdb", "plm1", "--dest", str(tmp_path / "d"),
                   "--base-url", server.base_url])  # fmt: skip
    assert run_fetch(args) == 0
    assert server.behaviour.count("plm1.edf") == 1


def test_cli_checksum_mismatch_exits_non_zero(server, tmp_path, capsys):
    server.behaviour.corrupt.add(f"/{DB}/plm1.edf")
    args = _parse(["fetch", "physionet", "capslpdb", "plm1", "--dest", str(tmp_path / "d"),
                   "--base-url", server.base_url])  # fmt: skip
    assert run_fetch(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("plm: error: checksum mismatch for ")
    assert len(err.strip().splitlines()) == 1
    out = tmp_path / "d" / "capslpdb" / "1.0.0"
    assert not (out / "plm1.edf").exists() and not (out / "plm1.edf.part").exists()


def test_cli_not_found_and_usage_errors(server, tmp_path, capsys):
    server.behaviour.not_found.add(f"/{DB}/n1.txt")
    base = ["--dest", str(tmp_path / "d"), "--base-url", server.base_url]
    assert run_fetch(_parse(["fetch", "physionet", "capslpdb", "n1", *base])) == 1
    assert "plm: error: not found: " in capsys.readouterr().err
    assert run_fetch(_parse(["fetch", "physionet", "nosuchdb", "r1", *base])) == 2
    assert "unknown PhysioNet database 'nosuchdb'" in capsys.readouterr().err
    assert run_fetch(_parse(["fetch", "physionet", "capslpdb", "zz9", *base])) == 2
    assert "zz9" in capsys.readouterr().err


def test_cli_rejects_unknown_source():
    with pytest.raises(SystemExit):
        _parse(["fetch", "zenodo", "capslpdb", "plm1"])
