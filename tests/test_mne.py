"""MNE-Python in and out: ``plm.score(raw)``, files MNE reads, annotations and BIDS events.

The same night is scored from the project's EDF reader and through MNE (``read_raw_edf``,
BrainVision and FIF exports), and the result goes back onto the Raw as annotations and
out as a BIDS ``_events.tsv``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plm
from plm.events import InputError
from plm.io.edf import SignalSpec, write_edf
from plm.io.recording import load_recording
from plm.results import TRIAL_TYPES, PLMResult

mne = pytest.importorskip("mne")
mne.set_log_level("error")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data" / "night01.edf"
NO_LEGS = ROOT / "tests" / "data" / "real" / "short_psg.edf"
INDICES = ("n_lm", "n_clm", "n_plm", "n_plms", "n_plmw", "plms_index", "plmw_index",
           "clms_index", "lm_rec_index", "periodicity_index", "tst_h", "scorable_h")  # fmt: skip


@pytest.fixture(scope="module")
def edf_result():
    return plm.score(SAMPLE)


def _same_indices(a, b):
    for key in INDICES:
        want, got = a.summary[key], b.summary[key]
        assert got == (want if want is None else pytest.approx(want, rel=1e-9)), key


def _same_movements(a, b, tol_s=0.0):
    ma, mb = a.movements, b.movements
    assert len(ma) == len(mb) > 0
    assert (ma["side"].to_numpy() == mb["side"].to_numpy()).all()
    assert np.abs(ma["onset"].to_numpy() - mb["onset"].to_numpy()).max() <= tol_s + 1e-9
    ends_a = (ma["onset"] + ma["duration"]).to_numpy()
    ends_b = (mb["onset"] + mb["duration"]).to_numpy()
    # MNE's EDF reader upsamples the 128-Hz ECG to the legs' 200 Hz: the ECG template
    # subtracted from the legs differs by interpolation, which may move an offset by one
    # sample (onsets and every index stay identical)
    assert np.abs(ends_a - ends_b).max() <= tol_s + 1 / 200 + 1e-9


@pytest.mark.parametrize("preload", [False, True])
def test_edf_path_and_read_raw_edf_give_the_same_night(edf_result, preload):
    raw = mne.io.read_raw_edf(SAMPLE, preload=preload)
    res = plm.score(raw)
    _same_movements(edf_result, res)
    assert (edf_result.movements["onset"].to_numpy() == res.movements["onset"].to_numpy()).all()
    _same_indices(edf_result, res)
    # the rule columns are identical; the heart-rate columns differ by the ECG that MNE
    # upsamples to the legs' rate (R peaks shift by a fraction of a sample)
    hr = [c for c in edf_result.candidates if c.startswith("hr_")]
    pd.testing.assert_frame_equal(
        edf_result.candidates.drop(columns=hr), res.candidates.drop(columns=hr)
    )
    # (a near-tie between two beats of a flat response may pick the other beat: latency and
    # its beat index are compared on most movements, the values on all)
    latency = ["hr_peak_latency_s", "hr_peak_latency_beats"]
    values = [c for c in hr if c not in latency]
    pd.testing.assert_frame_equal(
        edf_result.candidates[values], res.candidates[values], check_exact=False, atol=0.05
    )
    a = edf_result.candidates["hr_peak_latency_s"].to_numpy(float)
    b = res.candidates["hr_peak_latency_s"].to_numpy(float)
    same = np.isclose(a, b, atol=0.01) | (np.isnan(a) & np.isnan(b))
    assert same.mean() >= 0.9
    assert res.summary["start_datetime"] == edf_result.summary["start_datetime"]
    assert res.summary["channels"] == edf_result.summary["channels"]
    assert res.stem == "night01"
    # provenance: the file hash when the samples come from the file, none when preloaded
    want = edf_result.summary["inputs"][0]["sha256"]
    assert res.summary["inputs"][0]["sha256"] == ("" if preload else want)


def test_small_chunks_give_the_same_movements(edf_result, monkeypatch):
    """Chunked reads (the ECG upsampled by MNE's EDF reader included) change nothing."""
    import plm.io.mne as plm_mne

    monkeypatch.setattr(plm_mne, "_CHUNK_SAMPLES", 100_001)  # not on a data record
    res = plm.score(mne.io.read_raw_edf(SAMPLE, preload=False))
    _same_movements(edf_result, res)
    assert (edf_result.movements["onset"].to_numpy() == res.movements["onset"].to_numpy()).all()
    _same_indices(edf_result, res)


def test_only_the_leg_and_ecg_channels_are_read(monkeypatch):
    raw = mne.io.read_raw_edf(SAMPLE, preload=False)
    asked: list[list[int]] = []
    original = type(raw).get_data

    def spy(self, picks=None, *args, **kwargs):
        asked.append(list(picks))
        return original(self, picks, *args, **kwargs)

    monkeypatch.setattr(type(raw), "get_data", spy)
    monkeypatch.setattr(type(raw), "load_data", lambda self: pytest.fail("load_data called"))
    load_recording(raw)
    assert asked and all(set(p) <= {0, 1, 2} for p in asked)
    assert not raw.preload


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The sample night written by MNE as BrainVision (pybv) and FIF."""
    pytest.importorskip("pybv")
    folder = tmp_path_factory.mktemp("mne_export")
    raw = mne.io.read_raw_edf(SAMPLE, preload=True)
    mne.export.export_raw(folder / "night01.vhdr", raw)
    raw.save(folder / "night01_raw.fif")
    return {"vhdr": folder / "night01.vhdr", "fif": folder / "night01_raw.fif"}


@pytest.mark.parametrize("fmt", ["vhdr", "fif"])
def test_a_night_exported_by_mne_scores_the_same(edf_result, exported, fmt):
    res = plm.score(exported[fmt])  # a path: read through mne.io.read_raw
    _same_movements(edf_result, res, tol_s=1 / 200)
    _same_indices(edf_result, res)
    assert res.summary["start_datetime"] == edf_result.summary["start_datetime"]
    # the annotations came through MNE's writer and reader (BrainVision: "Comment/...")
    assert res.summary["unmapped_labels"] == edf_result.summary["unmapped_labels"]
    assert res.summary["inputs"][0]["file"] == exported[fmt].name


def test_plm_score_command_on_a_brainvision_file(exported, tmp_path, capsys):
    from pipelines.cli import main

    code = main(["score", str(exported["vhdr"]), "--out", str(tmp_path)])
    assert code == 0
    summary = json.loads((tmp_path / "night01_summary.json").read_text())
    assert summary["n_plm"] > 0
    assert "night01" in capsys.readouterr().out


def test_without_mne_a_non_edf_file_names_the_extra(exported, monkeypatch):
    monkeypatch.setitem(sys.modules, "mne", None)  # import mne now raises ImportError
    with pytest.raises(InputError) as err:
        plm.score(exported["vhdr"])
    assert "pip install plmkit[mne]" in str(err.value)
    assert "\n" not in str(err.value)


def test_importing_plm_does_not_import_mne():
    code = (
        "import sys, plm, plm.api, plm.results, plm.io.recording, plm.io.mne; "
        "plm.score; assert 'mne' not in sys.modules, 'mne imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_annotations_go_back_onto_the_raw_at_the_right_times(edf_result):
    raw = mne.io.read_raw_edf(SAMPLE, preload=False)
    n_own = len(raw.annotations)
    ann = edf_result.to_mne_annotations()
    assert ann.orig_time == raw.info["meas_date"]
    raw.set_annotations(raw.annotations + ann)
    assert len(raw.annotations) == n_own + len(ann)
    got = raw.annotations.to_data_frame(time_format="datetime")
    start = raw.info["meas_date"]
    mv = edf_result.movements
    for side in ("left", "right"):
        want = start + pd.to_timedelta(mv.loc[mv["side"] == side, "onset"], unit="s")
        have = got.loc[got["description"] == f"LM/{side}", "onset"]
        have = pd.to_datetime(have).dt.tz_localize(timezone.utc) if have.dt.tz is None else have
        diff = np.abs((have.to_numpy() - want.to_numpy()) / np.timedelta64(1, "us"))
        assert diff.max() <= 1, side
    # one PLM series per series of the candidates, spanning its members
    series = got[got["description"] == "PLM series"]
    assert len(series) == edf_result.summary["n_plm_series"]
    plms = raw.annotations[raw.annotations.description == "CLM/plm"]
    assert len(plms) == (edf_result.candidates["category"] == "plm").sum()
    # the sample of the first LM, from the annotation, is the one the detector found
    first = raw.annotations[raw.annotations.description == "LM/right"][0]
    assert raw.time_as_index(first["onset"], origin=start)[0] == round(mv["onset"].iloc[0] * 200)


def test_annotations_on_a_cropped_raw_keep_absolute_times():
    raw = mne.io.read_raw_edf(SAMPLE, preload=False).crop(600.0, 2400.0)
    assert raw.first_samp > 0
    res = plm.score(raw)
    mv = res.movements
    assert mv["onset"].min() >= 600.0 and mv["onset"].max() < 2400.0
    raw.set_annotations(raw.annotations + res.to_mne_annotations())
    lm = raw.annotations[[str(d).startswith("LM/") for d in raw.annotations.description]]
    assert np.allclose(np.sort(lm.onset), np.sort(mv["onset"].to_numpy()))
    assert res.summary["recording_h"] * 3600 == pytest.approx(2400.0, abs=0.01)


def _raw_array(rec, scale, unit_mul=0, meas_date=None):
    """A RawArray of a Recording's legs (µV) times ``scale``, with the given unit_mul."""
    data = np.vstack([rec.left_uv, rec.right_uv]).astype(np.float64) * scale
    info = mne.create_info(["Leg L", "Leg R"], rec.fs_hz, ["emg", "emg"])
    raw = mne.io.RawArray(data, info)
    with raw.info._unlock():
        for ch in raw.info["chs"]:
            ch["unit_mul"] = unit_mul
    raw.set_meas_date(meas_date or rec.start_datetime.replace(tzinfo=timezone.utc))
    return raw


@pytest.fixture(scope="module")
def legs_only():
    return load_recording(SAMPLE)


def test_legs_in_volts_or_microvolts_scale_the_same(legs_only):
    from mne.io.constants import FIFF

    volts = plm.score(_raw_array(legs_only, 1e-6))
    micro = plm.score(_raw_array(legs_only, 1.0, unit_mul=FIFF.FIFF_UNITM_MU))
    pd.testing.assert_frame_equal(volts.movements, micro.movements)
    _same_indices(volts, micro)
    assert volts.movements["peak_uv"].max() == pytest.approx(
        plm.score(SAMPLE).movements["peak_uv"].max(), rel=0.2
    )  # µV (the EDF path also subtracts the ECG, absent here)


def test_edf_legs_in_volts_read_through_mne_give_microvolts(legs_only, tmp_path):
    """An EDF whose legs are stored in V: MNE and the project's reader agree in µV."""
    path = tmp_path / "volts.edf"
    specs = [
        SignalSpec("Leg L", legs_only.left_uv * 1e-6, 200.0, "V", -0.001, 0.001),
        SignalSpec("Leg R", legs_only.right_uv * 1e-6, 200.0, "V", -0.001, 0.001),
    ]
    write_edf(path, specs, legs_only.start_datetime)
    ours = load_recording(path)
    theirs = load_recording(mne.io.read_raw_edf(path))
    assert np.abs(ours.left_uv - theirs.left_uv).max() < 1e-3
    assert np.abs(theirs.left_uv - legs_only.left_uv).max() < 0.05  # 0.03 µV steps


def test_a_raw_holding_microvolts_as_volts_is_refused(legs_only):
    with pytest.raises(InputError, match="not EMG in volts"):
        plm.score(_raw_array(legs_only, 1.0))  # µV numbers, unit V, no unit_mul


def test_a_raw_without_leg_channels_gives_the_file_error():
    with pytest.raises(InputError) as from_file:
        plm.score(NO_LEGS)
    with pytest.raises(InputError) as from_raw:
        plm.score(mne.io.read_raw_edf(NO_LEGS))
    assert from_raw.value.problem == from_file.value.problem
    assert from_raw.value.problem.startswith("no leg EMG channel found")


def test_explicit_channels_and_a_bipolar_pair(legs_only):
    raw = _raw_array(legs_only, 1e-6)
    raw.rename_channels({"Leg L": "EMG1", "Leg R": "EMG2"})
    with pytest.raises(InputError, match="no leg EMG channel found"):
        plm.score(raw)
    res = plm.score(raw, left="EMG1", right="EMG2")
    assert res.summary["channels"] == {"left": "EMG1", "right": "EMG2"}


def test_bad_acq_skip_is_a_recording_gap_like_edf_plus_d(legs_only, tmp_path):
    """A Raw with a BAD_ACQ_SKIP stretch scores as the EDF+D file with that gap."""
    fs, gap = 200, (1800, 2400)
    onsets = np.arange(3600.0)
    keep = (onsets + 1 <= gap[0]) | (onsets >= gap[1])

    def cut(x):
        return x.reshape(3600, fs)[keep].ravel()

    specs = [
        SignalSpec("Leg L", cut(legs_only.left_uv), fs, "uV", -940, 940),
        SignalSpec("Leg R", cut(legs_only.right_uv), fs, "uV", -560, 560),
    ]
    edfd = tmp_path / "gap.edf"
    write_edf(edfd, specs, legs_only.start_datetime, file_type="EDF+D",
              record_onsets_s=onsets[keep])  # fmt: skip
    from_edf = plm.score(edfd)
    rec = load_recording(edfd)
    full = np.zeros((2, 3600 * fs))
    for k, x in enumerate((rec.left_uv, rec.right_uv)):
        full[k, : gap[0] * fs] = x[: gap[0] * fs]
        full[k, gap[1] * fs :] = x[gap[0] * fs :]
    info = mne.create_info(["Leg L", "Leg R"], float(fs), "emg")
    raw = mne.io.RawArray(full * 1e-6, info)
    raw.set_meas_date(legs_only.start_datetime.replace(tzinfo=timezone.utc))
    raw.set_annotations(mne.Annotations([gap[0]], [gap[1] - gap[0]], ["BAD_ACQ_SKIP"]))
    from_raw = plm.score(raw)
    pd.testing.assert_frame_equal(from_edf.movements, from_raw.movements)
    _same_indices(from_edf, from_raw)
    gaps = from_raw.events.gaps
    gaps = gaps[gaps["reason"].str.contains("BAD_ACQ_SKIP")]
    assert gaps[["onset", "duration"]].to_numpy().tolist() == [[1800.0, 600.0]]
    assert from_raw.summary["unmapped_labels"] == {}


def test_boundaries_of_concatenated_raws_split_the_segments(legs_only):
    raw = _raw_array(legs_only, 1e-6)
    halves = [raw.copy().crop(0, 1800, include_tmax=False), raw.copy().crop(1800, None)]
    joined = mne.concatenate_raws(halves)
    assert any("boundary" in d for d in joined.annotations.description)
    rec = load_recording(joined)
    assert rec.segments.tolist() == [[0.0, 1800.0], [1800.0, 3600.0]]
    assert len(rec.annotations) == 0


def test_yasa_style_hypnograms(edf_result):
    stages = edf_result.events.hypnogram.stages
    to_int = {"W": 0, "N1": 1, "N2": 2, "N3": 3, "R": 4, "unscored": -2}
    ints = np.array([to_int[s] for s in stages])
    lms = edf_result.movements[["onset", "duration", "side"]]
    ref = plm.score_events(lms, hypnogram=list(stages))

    class FakeYasaHypnogram:  # the attributes plmkit reads from yasa.Hypnogram
        freq = "30s"
        hypno = pd.Series([{"W": "WAKE", "R": "REM"}.get(s, s) for s in stages])

    for hyp, kwargs in ((ints, {}), (ints, {"sf_hyp": 1 / 30}), (FakeYasaHypnogram(), {})):
        res = plm.score_events(lms, hypnogram=hyp, **kwargs)
        _same_indices(ref, res)
    with pytest.raises(InputError, match="one stage per scoring epoch"):
        plm.score_events(lms, hypnogram=np.repeat(ints, 3000), sf_hyp=100.0)
    with pytest.raises(InputError, match="YASA stage code"):
        plm.score_events(lms, hypnogram=[7, 2, 2])


def test_score_a_raw_with_a_yasa_hypnogram(edf_result, legs_only):
    raw = mne.io.read_raw_edf(SAMPLE, preload=False)
    stages = edf_result.events.hypnogram.stages
    res = plm.score(raw, hypnogram=list(stages))
    assert res.events.hypnogram.epoch_s == 30.0
    _same_indices(edf_result, res)


def test_bids_events_and_sidecar(edf_result, tmp_path):
    paths = edf_result.to_bids_events(tmp_path / "sub-01_task-sleep_events.tsv")
    assert paths["sidecar"].name == "sub-01_task-sleep_events.json"
    table = pd.read_csv(paths["events"], sep="\t", keep_default_na=False)
    assert list(table.columns[:3]) == ["onset", "duration", "trial_type"]
    assert set(table["trial_type"]) <= set(TRIAL_TYPES)
    n = len(edf_result.movements) + len(edf_result.candidates)
    assert len(table) == n + edf_result.summary["n_plm_series"]
    assert (table["onset"].diff().dropna() >= 0).all()
    assert "" not in set(table["peak_uv"].astype(str))  # BIDS: n/a, never an empty number
    assert (table.loc[table["trial_type"].str.startswith("CLM"), "peak_uv"] == "n/a").all()
    sidecar = json.loads(paths["sidecar"].read_text())
    assert set(sidecar) == set(table.columns)
    assert sidecar["onset"]["Units"] == "s"
    assert sidecar["peak_uv"]["Units"] == "uV"
    assert sidecar["area_uv_s"]["Units"] == "uV.s"
    assert set(sidecar["trial_type"]["Levels"]) == set(TRIAL_TYPES)
    assert all(entry["Description"] for entry in sidecar.values())
    # a folder: <stem>_events.tsv inside it
    assert edf_result.to_bids_events(tmp_path)["events"].name == "night01_events.tsv"


def test_events_frame_of_a_result_read_back(edf_result, tmp_path):
    edf_result.to_dir(tmp_path)
    back = PLMResult.from_dir(tmp_path)
    a, b = edf_result.events_frame(), back.events_frame()
    assert a["trial_type"].tolist() == b["trial_type"].tolist()
    assert np.allclose(a["onset"], b["onset"], atol=1e-4)
    ann = back.to_mne_annotations(movements=False, candidates=False)
    assert set(ann.description) == {"PLM series"}
    assert ann.orig_time.replace(tzinfo=None) == back.start
    assert ann.orig_time - back.start.replace(tzinfo=timezone.utc) == timedelta(0)


def test_floating_point_legs_are_not_taken_for_an_implausible_adc(legs_only):
    """Filtered or computed float data has no ADC step (its smallest difference is rounding
    noise): the implausible-resolution rule for EDF headers must not refuse it."""
    rng = np.random.default_rng(0)
    raw = _raw_array(legs_only, 1e-6)
    raw._data += rng.normal(0.0, 1e-12, raw._data.shape)  # sub-nV float noise, no quantisation
    res = plm.score(raw)
    _same_movements(plm.score(_raw_array(legs_only, 1e-6)), res)
