"""Tests of `plm validate-cap` and the miniature CAP mirror, against a local HTTP server only.

A miniature PhysioNet tree (tests.support.cap_mirror) is served by a ThreadingHTTPServer on
127.0.0.1 (port 0, daemon thread, shut down after each test) with `Range` support and
scripted interruptions; every client call has a short timeout, so nothing can hang and
no external host is ever contacted.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _http_server import clear_proxies, serve

from pipelines import cap_groups
from pipelines import validate_cap as V
from pipelines.cli import main
from plm.events import InputError
from plm.io import fetch as F
from plm.io.channels import find_leg_channels
from plm.io.edf import SignalSpec, read_header, write_edf
from plm.io.fetch import read_sha256sums
from tests.support import cap_mirror
from tests.support.cap_mirror import build_cap_mirror, corrupt_file, write_sha256sums

TIMEOUT = 5.0
DB = "capslpdb/1.0.0"
RECORDS = ("plm1", "plm2", "n1", "n2")
DURATION_S = 2700.0


# --------------------------------------------------------------------------- server


@pytest.fixture(autouse=True)
def _no_proxy_no_env(monkeypatch):
    # loopback traffic never goes through a proxy; no mirror configured in the environment
    clear_proxies(monkeypatch)
    monkeypatch.delenv(F.ENV_BASE_URL, raising=False)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory) -> Path:
    """A miniature CAP tree (built once per module); tests that modify it copy it first."""
    root = tmp_path_factory.mktemp("mirror")
    build_cap_mirror(root, RECORDS, duration_s=DURATION_S)
    return root


def _copy(mirror: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "www"
    shutil.copytree(mirror, dst)
    return dst


def _run(base_url: str, tmp_path: Path, records=RECORDS, *extra: str) -> int:
    return main(
        ["validate-cap", "--records", ",".join(records), "--base-url", base_url,
         "--dest", str(tmp_path / "data"), "--out", str(tmp_path / "out"), *extra]
    )  # fmt: skip


def _tsv(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "validation_summary.tsv", sep="\t").set_index("record")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- the mirror


def test_mirror_layout_labels_and_hypnograms(mirror):
    db = mirror / "capslpdb" / "1.0.0"
    names = sorted(p.name for p in db.iterdir())
    expected = sorted([f"{r}.{e}" for r in RECORDS for e in ("edf", "txt")])
    assert names == sorted([*expected, "RECORDS", "SHA256SUMS.txt"])
    sums = read_sha256sums((db / "SHA256SUMS.txt").read_text())
    assert set(sums) == {*expected, "RECORDS"}
    assert all(_sha(db / n) == h for n, h in sums.items())
    assert (db / "RECORDS").read_text().split() == ["n1", "n2", "plm1", "plm2"]

    seen_pairs, all_events = set(), set()
    for rec in RECORDS:
        h = read_header(db / f"{rec}.edf")
        labels = [s.label for s in h.signals]
        right, left = cap_mirror.record_leg_labels(rec)
        seen_pairs.add((right, left))
        assert {right, left, "Fp2-F4", "C4-A1", "ROC-LOC", "EMG1-EMG2"} <= set(labels)
        assert h.file_type == "EDF" and not h.annotation_indices
        assert h.duration_s == DURATION_S
        legs = find_leg_channels(h)
        assert (legs.left.label, legs.right.label) == (left, right)  # chin never taken
        assert h.signals[legs.left.index].fs_hz == 256

        lines = (db / f"{rec}.txt").read_text().splitlines()
        assert lines[0] == f"Patient ID:\t{rec}"
        assert lines[1] == f"Recording Date:\t{h.start_datetime:%d/%m/%Y}"
        hi = next(i for i, ln in enumerate(lines) if ln.startswith("Sleep Stage\t"))
        assert lines[hi - 1] == ""
        cols = lines[hi].split("\t")
        assert cols[-4:] == ["Time [hh:mm:ss]", "Event", "Duration[s]", "Location"]
        rows = [ln.split("\t") for ln in lines[hi + 1 :]]
        i_time, i_event = cols.index("Time [hh:mm:ss]"), cols.index("Event")
        assert rows[0][i_time] == f"{h.start_datetime:%H:%M:%S}"
        assert rows[0][i_event] == "SLEEP-S0" and rows[0][0] == "W"
        events = {r[i_event] for r in rows}
        assert {"SLEEP-S0", "SLEEP-S2", "MCAP-A1"} <= events
        assert events & {"SLEEP-S3", "SLEEP-S4"}
        all_events |= events
        clocks = [r[i_time] for r in rows]
        assert clocks[0] > "20:00:00" and clocks[-1] < "02:00:00"  # crosses midnight
        end = h.start_datetime + timedelta(seconds=DURATION_S)
        assert end.date() > h.start_datetime.date()
    assert len(seen_pairs) == 4  # four label variants among plm1, plm2, n1, n2
    assert "SLEEP-REM" in all_events
    # one record in four has no Position column, like some CAP files
    assert "Position" not in (db / "n2.txt").read_text().splitlines()[3]


def test_mirror_is_deterministic_per_record(tmp_path, mirror):
    other = build_cap_mirror(tmp_path, ["n1"], duration_s=DURATION_S)
    db = mirror / "capslpdb" / "1.0.0"
    assert _sha(other / "n1.edf") == _sha(db / "n1.edf")
    assert (other / "n1.txt").read_bytes() == (db / "n1.txt").read_bytes()
    with pytest.raises(ValueError, match="record name"):
        build_cap_mirror(tmp_path, ["../x"])


# --------------------------------------------------------------------------- pipeline


def test_validate_cap_end_to_end(mirror, tmp_path, capsys):
    with serve(mirror) as srv:
        rc = _run(srv.base_url, tmp_path, RECORDS, "--jobs", "2")
    out = capsys.readouterr()
    assert rc == 0, out.err
    # downloaded and verified against the published checksums
    sums = read_sha256sums((mirror / DB / "SHA256SUMS.txt").read_text())
    local = tmp_path / "data" / "capslpdb" / "1.0.0"
    for rec in RECORDS:
        for ext in ("edf", "txt"):
            assert _sha(local / f"{rec}.{ext}") == sums[f"{rec}.{ext}"]
    assert not list(local.glob("*.part"))
    # each record scored, per-record outputs written
    od = tmp_path / "out"
    for rec in RECORDS:
        for suffix in ("_summary.json", "_candidates.tsv", "_movements.tsv"):
            assert (od / "records" / f"{rec}{suffix}").is_file()
        summary = json.loads((od / "records" / f"{rec}_summary.json").read_text())
        right, left = cap_mirror.record_leg_labels(rec)
        assert summary["channels"]["left"] == left and summary["channels"]["right"] == right
        assert summary["tst_h"] > 0.2  # the RemLogic hypnogram was aligned and used
    assert len([ln for ln in out.out.splitlines() if "PLMS index" in ln]) == 4

    t = _tsv(tmp_path)
    assert list(t.index) == list(RECORDS)
    assert (t["status"] == "ok").all()
    assert list(t["group"]) == ["patients", "patients", "controls", "controls"]
    pat, ctl = t.loc[["plm1", "plm2"]], t.loc[["n1", "n2"]]
    # generated that way: patients have more PLMS and a higher periodicity
    assert pat["plms_index"].min() > ctl["plms_index"].max()
    assert pat["plms_index"].min() > 15
    assert pat["periodicity_index"].min() > ctl["periodicity_index"].max()
    assert pat["ferri_periodicity_index"].min() > ctl["ferri_periodicity_index"].max()
    assert pat["plmd_flag"].all()

    doc = json.loads((od / "validation_summary.json").read_text())
    assert doc["failed"] == []
    assert doc["groups"]["patients"]["records_scored"] == ["plm1", "plm2"]
    med = doc["groups"]["patients"]["metrics"]["plms_index"]["median"]
    assert med == pytest.approx(float(np.median(pat["plms_index"])), rel=1e-3)
    test = doc["tests"]["plms_index"]
    assert test["u"] == 4.0 and test["p"] == pytest.approx(1 / 3)  # exact, 2 vs 2
    checks = {c["id"]: c for c in doc["checks"]}
    assert checks["patients_plms_above_15"]["verdict"] == "consistent"
    assert checks["controls_plms_low"]["verdict"] in ("consistent", "not consistent")
    # 2 vs 2 records cannot reach p < 0.05: said so, not faked
    assert checks["plms_index_higher_in_patients"]["verdict"] == "not assessable"
    assert "smallest attainable" in checks["plms_index_higher_in_patients"]["note"]
    assert all(
        c["verdict"] in ("consistent", "not consistent", "not assessable") for c in doc["checks"]
    )
    assert len(doc["records"][0]["imi_histograms"]["linear"]["counts"]) == 45

    html = (od / "validation_report.html").read_text()
    assert "Group comparison against the literature" in html
    assert "Mann-Whitney" in html and "0.86" in html and "15/h" in html
    assert html.count("data:image/png;base64,") >= 3
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']https?:", html)
    for rec in RECORDS:
        assert f"<td>{rec}</td>" in html


def test_corrupted_file_is_rejected_others_scored(mirror, tmp_path, capsys):
    www = _copy(mirror, tmp_path)
    corrupt_file(www / DB / "n1.edf")  # bytes changed after SHA256SUMS.txt was written
    with serve(www) as srv:
        rc = _run(srv.base_url, tmp_path, ("plm1", "n1", "n2"))
    err = capsys.readouterr().err
    assert rc == 1
    assert "1 record(s) failed: n1" in err
    t = _tsv(tmp_path)
    assert t.loc["n1", "status"] == "failed" and t.loc["n1", "failed_at"] == "download"
    assert "checksum mismatch" in t.loc["n1", "error"]
    assert (t.loc[["plm1", "n2"], "status"] == "ok").all()
    local = tmp_path / "data" / "capslpdb" / "1.0.0"
    assert not (local / "n1.edf").exists() and not (local / "n1.edf.part").exists()
    assert not (tmp_path / "out" / "records" / "n1_summary.json").exists()
    doc = json.loads((tmp_path / "out" / "validation_summary.json").read_text())
    assert [f["record"] for f in doc["failed"]] == ["n1"]
    assert doc["groups"]["controls"]["records_failed"] == ["n1"]
    html = (tmp_path / "out" / "validation_report.html").read_text()
    assert "Failed records" in html and "checksum mismatch" in html


def test_interrupted_transfers_resume(mirror, tmp_path):
    local = tmp_path / "data" / "capslpdb" / "1.0.0"
    local.mkdir(parents=True)
    plm2 = (mirror / DB / "plm2.edf").read_bytes()
    third = len(plm2) // 3
    (local / "plm2.edf.part").write_bytes(plm2[:third])  # left by an earlier, killed run
    with serve(mirror) as srv:
        size1 = (mirror / DB / "plm1.edf").stat().st_size
        srv.behaviour.cut_first[f"/{DB}/plm1.edf"] = size1 // 2  # connection drops midway
        rc = _run(srv.base_url, tmp_path, ("plm1", "plm2", "n1"))
        assert rc == 0
        assert srv.behaviour.ranges("plm1.edf") == [None, f"bytes={size1 // 2}-"]
        assert srv.behaviour.ranges("plm2.edf") == [f"bytes={third}-"]
    assert _sha(local / "plm1.edf") == _sha(mirror / DB / "plm1.edf")
    assert (local / "plm2.edf").read_bytes() == plm2
    assert not list(local.glob("*.part"))
    assert (_tsv(tmp_path)["status"] == "ok").all()


def test_record_without_leg_channel_is_reported(mirror, tmp_path, capsys):
    www = _copy(mirror, tmp_path)
    db = www / DB
    rng = np.random.default_rng(3)
    start = datetime(2006, 11, 6, 23, 40, 0)
    write_edf(
        db / "n3.edf",
        [SignalSpec(lab, rng.standard_normal(600 * 128) * 20, 128, physical_min=-200,
                    physical_max=200) for lab in ("Fp2-F4", "C4-A1", "EMG1-EMG2")],
        start,
        file_type="EDF",
    )  # fmt: skip
    shutil.copy(db / "n1.txt", db / "n3.txt")
    write_sha256sums(db)
    with serve(www) as srv:
        rc = _run(srv.base_url, tmp_path, ("plm1", "n3", "n2"))
    assert rc == 1
    t = _tsv(tmp_path)
    assert t.loc["n3", "status"] == "failed" and t.loc["n3", "failed_at"] == "score"
    assert "leg" in t.loc["n3", "error"].lower() and "EMG1-EMG2" in t.loc["n3", "error"]
    assert (t.loc[["plm1", "n2"], "status"] == "ok").all()
    assert "n3: FAILED (score)" in capsys.readouterr().out


def test_unknown_record_fails_alone(mirror, tmp_path):
    with serve(mirror) as srv:
        rc = _run(srv.base_url, tmp_path, ("plm1", "plm7"))
    assert rc == 1
    t = _tsv(tmp_path)
    assert t.loc["plm1", "status"] == "ok"
    assert t.loc["plm7", "failed_at"] == "download" and "no files" in t.loc["plm7", "error"]


def test_unreachable_server_fails_every_record_once(tmp_path):
    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = V.run_validation(
        ["plm1", "n1", "n2"],
        dest=tmp_path / "data",
        out=tmp_path / "out",
        base_url=f"http://127.0.0.1:{port}",
        fetch_options={"timeout": 2.0, "retries": 0, "backoff_s": 0.01},
    )
    assert [r["status"] for r in run.rows] == ["failed"] * 3
    assert len({r["error"] for r in run.rows}) == 1  # the checksum list: not retried per record
    assert "SHA256SUMS.txt" in run.rows[0]["error"]
    assert run.outputs["html"].is_file()
    assert run.comparison["verdict_counts"]["not assessable"] == len(run.comparison["checks"])


def test_env_mirror_and_usage_errors(mirror, tmp_path, monkeypatch, capsys):
    with serve(mirror) as srv:
        monkeypatch.setenv(F.ENV_BASE_URL, srv.base_url)
        rc = main(["validate-cap", "--records", "n1..n2", "--dest", str(tmp_path / "d"),
                   "--out", str(tmp_path / "o")])  # fmt: skip
    assert rc == 0
    assert (tmp_path / "o" / "records" / "n2_summary.json").is_file()
    assert main(["validate-cap", "--records", "plm1..", "--out", str(tmp_path / "x")]) == 2
    assert "bad record range" in capsys.readouterr().err
    assert main(["validate-cap", "--all", "--base-url", "ftp://x", "--out", str(tmp_path)]) == 2
    with pytest.raises(SystemExit):  # --records or --all is required
        main(["validate-cap", "--out", str(tmp_path / "x")])


# --------------------------------------------------------------------------- units


def test_parse_records_and_groups():
    assert V.parse_records("plm1..plm3,n1") == ["plm1", "plm2", "plm3", "n1"]
    assert V.parse_records("plm1..plm10,n1..n16") == list(V.ALL_RECORDS)
    assert V.parse_records(["n2, n1", "n2"]) == ["n2", "n1"]
    for bad in ("", "plm3..plm1", "plm1..n3", "a..b"):
        with pytest.raises(InputError):
            V.parse_records(bad)
    assert [V.record_group(r) for r in ("plm10", "n16", "rbd1")] == [
        "patients", "controls", "other"
    ]  # fmt: skip


def _rows(plms_p, plms_c, pi_p, pi_c):
    rows = []
    for group, plms, pis in (("plm", plms_p, pi_p), ("n", plms_c, pi_c)):
        for k, (x, pi) in enumerate(zip(plms, pis, strict=True), start=1):
            rows.append(
                V._row(f"{group}{k}", "ok", plms_index=x, plmw_index=x / 2,
                       periodicity_index=pi, ferri_periodicity_index=pi)
            )  # fmt: skip
    return rows


def test_compare_groups_verdicts_are_computed():
    rng = np.random.default_rng(0)
    rows = _rows(rng.uniform(20, 80, 10), rng.uniform(0, 8, 16),
                 rng.uniform(0.75, 0.95, 10), rng.uniform(0.0, 0.4, 16))  # fmt: skip
    comp = V.compare_groups(rows)
    checks = {c["id"]: c["verdict"] for c in comp["checks"]}
    assert comp["tests"]["plms_index"]["p"] < 1e-4
    assert checks["plms_index_higher_in_patients"] == "consistent"
    assert checks["patients_plms_above_15"] == "consistent"
    assert checks["periodicity_index_threshold"] == "consistent"
    assert checks["patients_imi_peak"] == "not assessable"  # no histograms given

    # the other way round: the checks say so
    rows = _rows(rng.uniform(0, 8, 10), rng.uniform(20, 80, 16),
                 rng.uniform(0.0, 0.3, 10), rng.uniform(0.7, 0.9, 16))  # fmt: skip
    checks = {c["id"]: c["verdict"] for c in V.compare_groups(rows)["checks"]}
    assert checks["plms_index_higher_in_patients"] == "not consistent"
    assert checks["patients_plms_above_15"] == "not consistent"
    assert checks["patients_periodicity_index_rls"] == "not consistent"
    assert checks["periodicity_index_threshold"] == "not consistent"

    # undefined PIs (no CLMs) are left out, an empty group is not assessable
    rows = _rows([30.0, 40.0], [], [None, 0.9], [])
    comp = V.compare_groups(rows)
    assert comp["groups"]["patients"]["metrics"]["periodicity_index"]["n"] == 1
    assert comp["tests"]["plms_index"]["p"] is None
    checks = {c["id"]: c["verdict"] for c in comp["checks"]}
    assert checks["plms_index_higher_in_patients"] == "not assessable"
    assert checks["controls_plms_low"] == "not assessable"


def test_imi_peak():
    edges = list(np.arange(0.0, 92.0, 2.0))
    counts = [0] * 45
    counts[2] = 50  # 4-6 s: short IMIs, outside the 10-90 s window
    counts[10], counts[11], counts[12] = 5, 9, 4  # 20-26 s
    counts[30] = 8  # 60-62 s: a single full bin
    lin = {"bin_edges_s": edges, "counts": counts}
    assert cap_groups.imi_peak(lin) == 23.0
    assert cap_groups.imi_peak(lin, smooth=False) == 23.0
    assert cap_groups.imi_peak({"bin_edges_s": edges, "counts": [0] * 45}) is None
