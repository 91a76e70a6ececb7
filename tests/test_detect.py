"""Tests of plm.detect: resting baseline, LM onset/offset, morphology, unscorable EMG."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plm.detect import (
    Detection,
    detect_leg,
    detect_legs,
    detect_movements,
    envelope,
    resting_baseline,
)
from plm.rules import RuleProfile, get_rules
from plm.simulate.parts import _bandlimited_noise

FS = 100.0  # hand-built signals: 1 sample = 10 ms
COLUMNS = ["onset", "duration", "peak_uv", "area_uv_s"]


def rules_with(base: str = "wasm2016", **kw):
    """A rule profile with overrides; fields not (yet) in RuleProfile go on a namespace."""
    known = {f.name for f in dataclasses.fields(RuleProfile)}
    fields = {k: v for k, v in kw.items() if k in known}
    extra = {k: v for k, v in kw.items() if k not in known}
    r = get_rules(base, **fields)
    if not extra:
        return r
    return SimpleNamespace(**{**dataclasses.asdict(r), **extra})


# the per-sample rule, for sample-exact answers (no sustained-onset rule, docs/scoring.md §3.7)
LITERAL = rules_with(envelope_s=0.0, sustained_onset_s=0.0)


def flat(seconds: float, level: float = 1.0) -> np.ndarray:
    return np.full(int(round(seconds * FS)), level, dtype=np.float32)


def put(r: np.ndarray, t0: float, t1: float, value: float) -> None:
    r[int(round(t0 * FS)) : int(round(t1 * FS))] = value


def detect(r: np.ndarray, rules=LITERAL, baseline: float | None = 1.0, **kw) -> Detection:
    b = None if baseline is None else np.full(r.size, baseline, dtype=np.float32)
    return detect_movements(r, FS, rules, baseline=b, **kw)


def noise(seconds: float, rms: float, fs: float = 500.0, seed: int = 0) -> np.ndarray:
    x = rms * _bandlimited_noise(np.random.default_rng(seed), int(seconds * fs), fs, 10, 100)
    return np.abs(x)


# --------------------------------------------------------------------------- onset/offset


def test_onset_exactly_where_r_crosses_baseline_plus_8():
    r = flat(20)
    ramp = np.linspace(1.0, 30.0, 30, dtype=np.float32)  # 1 .. 30 uV over 0.3 s
    r[500:530] = ramp
    r[530:700] = 30.0
    first = 500 + int(np.flatnonzero(ramp > 9.0)[0])
    mv = detect(r).movements
    assert len(mv) == 1
    assert mv["onset"].iloc[0] == pytest.approx(first / FS)
    assert mv["onset"].iloc[0] + mv["duration"].iloc[0] == pytest.approx(7.0)


def test_exactly_8_uv_above_is_not_an_onset():
    r = flat(20)
    put(r, 5, 7, 9.0)  # b + 8 exactly: not above
    assert detect(r).movements.empty
    put(r, 5, 7, 9.0001)
    assert len(detect(r).movements) == 1


def test_offset_at_start_of_first_half_second_quiet_run():
    r = flat(20)
    put(r, 5.0, 6.0, 20.0)
    put(r, 6.0, 6.49, 3.0)  # b + 2 exactly: "does not exceed" -> quiet, but only 0.49 s
    put(r, 6.49, 7.0, 20.0)
    mv = detect(r).movements
    assert len(mv) == 1  # 0.49 s of quiet does not end the LM
    assert mv["onset"].iloc[0] == pytest.approx(5.0)
    assert mv["duration"].iloc[0] == pytest.approx(2.0)

    r = flat(20)
    put(r, 5.0, 6.0, 20.0)
    put(r, 6.0, 6.5, 3.0)  # 0.5 s quiet -> ends at its start
    put(r, 6.5, 7.0, 20.0)
    mv = detect(r).movements
    assert len(mv) == 2
    np.testing.assert_allclose(mv["onset"], [5.0, 6.5])
    np.testing.assert_allclose(mv["duration"], [1.0, 0.5])


def test_values_between_thresholds_continue_but_do_not_start_an_lm():
    r = flat(20)
    put(r, 4.0, 5.0, 5.0)  # between b + 2 and b + 8: no onset
    put(r, 5.0, 6.0, 20.0)
    put(r, 6.0, 8.0, 5.0)  # keeps the LM going
    mv = detect(r).movements
    assert len(mv) == 1
    assert mv["onset"].iloc[0] == pytest.approx(5.0)
    assert mv["duration"].iloc[0] == pytest.approx(3.0)


def test_minimum_duration_inclusive():
    for dur, n_expected in ((0.49, 0), (0.5, 1)):
        r = flat(10)
        put(r, 3.0, 3.0 + dur, 20.0)
        assert len(detect(r).movements) == n_expected, dur


def test_lm_running_to_the_end_of_the_channel():
    r = flat(10)
    put(r, 9.0, 10.0, 20.0)
    mv = detect(r).movements
    assert len(mv) == 1
    assert mv["duration"].iloc[0] == pytest.approx(1.0)
    r = flat(10)
    put(r, 9.0, 9.8, 20.0)  # quiet for only 0.2 s before the end: ends there
    assert detect(r).movements["duration"].iloc[0] == pytest.approx(0.8)


def test_t0_offsets_all_times():
    r = flat(10)
    put(r, 3.0, 4.0, 20.0)
    det = detect(r, t0_s=1000.0)
    assert det.movements["onset"].iloc[0] == pytest.approx(1003.0)
    assert det.t0_s == 1000.0


def test_peak_and_area_above_baseline():
    r = flat(10)
    put(r, 3.0, 4.0, 21.0)
    mv = detect(r).movements
    assert mv["peak_uv"].iloc[0] == pytest.approx(20.0)
    assert mv["area_uv_s"].iloc[0] == pytest.approx(20.0, rel=1e-5)


def test_default_envelope_onset_close_to_burst():
    fs = 500.0
    r = noise(60, 3.0)
    burst = noise(60, 40.0, seed=1)
    a, b = int(20 * fs), int(22.5 * fs)
    r[a:b] = burst[a:b]
    mv = detect_movements(r, fs, get_rules()).movements
    assert len(mv) == 1
    assert abs(mv["onset"].iloc[0] - 20.0) <= 0.06
    assert abs(mv["onset"].iloc[0] + mv["duration"].iloc[0] - 22.5) <= 0.1


@pytest.mark.parametrize("rms", [1.0, 3.0, 5.0])
def test_resting_noise_gives_no_lms(rms):
    fs = 500.0
    det = detect_movements(noise(600, rms, seed=int(rms)), fs, get_rules())
    assert det.movements.empty
    assert det.unscorable.empty
    assert det.info["n_candidates"] == 0


# --------------------------------------------------------------------------- morphology


def spiky(
    r: np.ndarray, t0: float, t1: float, every: float = 0.2, width: int = 1, value: float = 12.0
) -> None:
    for t in np.arange(t0, t1, every):
        k = int(round(t * FS))
        r[k : k + width] = value


def test_morphology_rejects_empty_event_and_keeps_full_one():
    r = flat(20)
    spiky(r, 5.0, 7.0)  # isolated spikes above b + 8, spread over 2 s, median ~ rest
    put(r, 12.0, 14.0, 12.0)  # a full LM
    det = detect(r)
    assert len(det.movements) == 1
    assert det.movements["onset"].iloc[0] == pytest.approx(12.0)
    assert det.info["rejected_morphology"] == 1
    no_morph = detect(
        r, rules=rules_with(envelope_s=0.0, morphology_rule=False, sustained_onset_s=0.0)
    )
    assert len(no_morph.movements) == 2


def test_morphology_boundary_half_window():
    # a 2-s event whose supra-threshold samples fill exactly half (25/51) or just over
    # half (26/51) of the best 0.5 s window
    for width, kept in ((25, False), (26, True)):
        r = flat(20)
        spiky(r, 5.0, 7.0, every=0.5, width=1, value=12.0)
        k = int(6.0 * FS) - 10
        r[k : k + width] = 12.0
        assert (len(detect(r).movements) == 1) is kept, width


def test_morphology_with_default_envelope():
    fs = 500.0
    r = noise(60, 2.0)
    for t in np.arange(20.0, 22.0, 0.25):  # 30 ms bursts of 60 uV every 0.25 s
        k = int(t * fs)
        r[k : k + 15] = 60.0
    det = detect_movements(r, fs, get_rules())
    assert det.movements.empty
    assert det.info["rejected_morphology"] == 1
    aasm = get_rules("aasm2012", sustained_onset_s=0.0)  # spikes: never 8 uV for 0.5 s
    assert len(detect_movements(r, fs, aasm).movements) == 1
    assert detect_movements(r, fs, get_rules("aasm2012")).info["rejected_sustained"] == 1


def test_min_amplitude_rule_keeps_real_lms():
    r = flat(10)
    put(r, 3.0, 4.0, 20.0)
    rules = rules_with(base="aasm2007", envelope_s=0.0)
    mv = detect(r, rules=rules).movements
    assert len(mv) == 1 and mv["peak_uv"].iloc[0] >= 8.0


# --------------------------------------------------------------------------- baseline


def test_baseline_at_mean_rectified_rest():
    fs = 500.0
    r = noise(300, 3.0)
    b = resting_baseline(r, fs, get_rules())
    assert b.dtype == np.float32 and b.shape == r.shape
    assert abs(np.median(b) / r.mean() - 1) < 0.03
    assert abs(np.median(b) / (0.8 * 3.0) - 1) < 0.05


def test_baseline_not_pulled_up_by_series_of_lms():
    fs = 500.0
    r = noise(900, 2.0)
    rest_level = r.mean()
    burst = noise(900, 60.0, seed=2)
    for t0 in np.arange(30.0, 870.0, 12.0):  # 4-s LMs every 12 s (a dense series)
        a, b = int(t0 * fs), int((t0 + 4.0) * fs)
        r[a:b] = burst[a:b]
    base = resting_baseline(r, fs, get_rules())
    assert np.max(base) < 1.05 * rest_level  # measured: +2.2 %
    det = detect_movements(r, fs, get_rules())
    assert len(det.movements) == 70
    assert det.unscorable.empty


def test_baseline_follows_slow_drift():
    fs = 500.0
    n = int(1200 * fs)
    t = np.arange(n) / fs
    sigma = 1.5 + 3.0 * t / t[-1]  # 1.5 -> 4.5 uV RMS over 20 min
    r = noise(1200, 1.0) * sigma.astype(np.float32)
    base = resting_baseline(r, fs, get_rules())
    for t_check in (120, 600, 1080):
        k = int(t_check * fs)
        assert abs(base[k] / (0.8 * sigma[k]) - 1) < 0.08, t_check
    assert detect_movements(r, fs, get_rules()).movements.empty


def test_noisy_stretch_is_unscorable_and_not_scored():
    fs = 500.0
    r = noise(900, 2.0)
    loud = noise(900, 40.0, seed=3)  # 40 uV RMS: rectified mean 32 uV > 15 uV
    a, b = int(300 * fs), int(600 * fs)
    r[a:b] = loud[a:b]
    burst = noise(900, 60.0, seed=4)
    r[int(100 * fs) : int(102 * fs)] = burst[int(100 * fs) : int(102 * fs)]  # a real LM
    det = detect_movements(r, fs, get_rules())
    assert list(det.unscorable.columns) == ["onset", "duration"]
    assert len(det.unscorable) == 1
    assert abs(det.unscorable["onset"].iloc[0] - 300.0) < 1.0
    assert abs(det.unscorable["duration"].iloc[0] - 300.0) < 2.0
    assert len(det.movements) == 1
    assert det.movements["onset"].iloc[0] == pytest.approx(100.0, abs=0.06)
    assert det.baseline[int(450 * fs)] > 15.0
    assert det.baseline[int(200 * fs)] < 3.0


def test_unscorable_from_given_baseline_blocks_detection():
    r = flat(60)
    put(r, 10, 12, 40.0)
    b = np.ones(r.size, dtype=np.float32)
    b[int(5 * FS) : int(20 * FS)] = 20.0  # > 15 uV
    b[int(20.5 * FS) : int(30 * FS)] = 20.0  # 0.5 s interruption is merged
    det = detect_movements(r, FS, LITERAL, baseline=b)
    assert det.movements.empty
    assert len(det.unscorable) == 1
    assert det.unscorable["onset"].iloc[0] == pytest.approx(5.0)
    assert det.unscorable["duration"].iloc[0] == pytest.approx(25.0)


def test_lm_running_into_unscorable_stretch_is_dropped():
    r = flat(60)
    put(r, 10, 12, 40.0)
    b = np.ones(r.size, dtype=np.float32)
    b[int(11 * FS) : int(40 * FS)] = 20.0
    det = detect_movements(r, FS, LITERAL, baseline=b)
    assert det.movements.empty
    assert det.info["rejected_unscorable_edge"] == 1


# --------------------------------------------------------------------------- edge cases


def test_empty_and_quiet_inputs_give_empty_tables():
    for r in (np.zeros(0, dtype=np.float32), flat(30), np.zeros(5000, dtype=np.float32)):
        det = detect_movements(r, FS, get_rules())
        assert list(det.movements.columns) == COLUMNS
        assert det.movements.empty
        assert list(det.unscorable.columns) == ["onset", "duration"]
        assert det.unscorable.empty
        assert det.baseline is not None and det.baseline.shape == r.shape


def test_input_validation():
    with pytest.raises(ValueError, match="1-D"):
        detect_movements(np.zeros((3, 3)), FS, get_rules())
    with pytest.raises(ValueError, match="rectified"):
        detect_movements(np.array([-1.0, 2.0]), FS, get_rules())
    with pytest.raises(ValueError, match="sampling rate"):
        detect_movements(flat(1), 0.0, get_rules())
    with pytest.raises(ValueError, match="baseline shape"):
        detect_movements(flat(1), FS, get_rules(), baseline=np.ones(3))


def test_envelope_is_centred_moving_mean():
    r = np.zeros(101, dtype=np.float32)
    r[50] = 11.0
    e = envelope(r, 100.0, 0.1)  # 11 samples
    np.testing.assert_allclose(e[45:56], 1.0, rtol=1e-6)
    assert e[44] == 0 and e[56] == 0
    assert envelope(r, 100.0, 0.0) is not None


def test_detect_leg_and_detect_legs_on_raw_emg():
    fs = 500.0
    rng = np.random.default_rng(9)
    x = 2.0 * _bandlimited_noise(rng, int(120 * fs), fs)
    burst = 50.0 * _bandlimited_noise(rng, int(120 * fs), fs)
    y = x.copy()
    x[int(30 * fs) : int(32 * fs)] += burst[int(30 * fs) : int(32 * fs)]
    y[int(60 * fs) : int(61 * fs)] += burst[int(60 * fs) : int(61 * fs)]
    det = detect_leg(x, fs, get_rules(), t0_s=10.0)
    assert len(det.movements) == 1
    assert det.movements["onset"].iloc[0] == pytest.approx(40.0, abs=0.06)
    assert det.info["mains_hz"] is None and det.info["ecg_suppressed"] is False
    mv, dets = detect_legs({"left": x, "right": y, "both": None}, fs, get_rules())
    assert set(dets) == {"left", "right"}
    assert list(mv["side"]) == ["left", "right"]
    assert list(mv.columns) == [*COLUMNS, "side"]
    mv1, _ = detect_legs({"left": x, "right": y}, fs, get_rules(), n_threads=1)
    pd.testing.assert_frame_equal(mv, mv1)
    empty, _ = detect_legs({}, fs, get_rules())
    assert empty.empty and "side" in empty.columns


# --------------------------------------------------------------------------- reference


def _reference(r: np.ndarray, b: float, rules) -> list[tuple[int, int]]:
    """Slow per-sample state machine of docs/scoring.md §3.2 (literal rule, constant baseline)."""
    n_quiet = int(round(rules.offset_quiet_s * FS))
    events, start, quiet_start, quiet_len = [], None, None, 0
    for k, v in enumerate(r.tolist()):
        if start is None:
            if v > b + rules.onset_above_baseline_uv:
                start, quiet_len = k, 0
            continue
        if v <= b + rules.offset_above_baseline_uv:
            if quiet_len == 0:
                quiet_start = k
            quiet_len += 1
            if quiet_len >= n_quiet:
                events.append((start, quiet_start))
                start, quiet_len = None, 0
        else:
            quiet_len = 0
    if start is not None:
        events.append((start, quiet_start if quiet_len else r.size))
    out = []
    h = int(round(rules.morphology_window_s * FS)) // 2
    for a, z in events:
        if (z - a) < rules.lm_min_s * FS - 1e-6:
            continue
        meds = [np.median(r[max(0, c - h) : c + h + 1]) for c in range(a, z)]
        full = [c - h >= 0 and c + h < r.size for c in range(a, z)]
        thr = b + rules.offset_above_baseline_uv
        ok = any(m > thr and f for m, f in zip(meds, full, strict=True))
        if ok:
            out.append((a, z))
    return out


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([1.0, 2.5, 3.0, 3.5, 9.0, 9.5, 20.0]), st.integers(1, 80)),
        min_size=1,
        max_size=40,
    )
)
def test_vectorised_detection_matches_reference_state_machine(pieces):
    r = np.concatenate([np.full(k, v, dtype=np.float32) for v, k in pieces])
    r = np.concatenate((flat(1.0), r, flat(1.0)))  # full morphology windows at the ends
    mv = detect(r).movements
    got = list(
        zip(
            np.round(mv["onset"].to_numpy() * FS).astype(int).tolist(),
            np.round((mv["onset"] + mv["duration"]).to_numpy() * FS).astype(int).tolist(),
            strict=True,
        )
    )
    assert got == _reference(r, 1.0, LITERAL)


def test_detect_leg_on_a_sliver_reports_unscorable():
    det = detect_leg(np.ones(20, dtype=np.float32), 500.0, get_rules(), t0_s=7.0)
    assert det.movements.empty and list(det.movements.columns) == COLUMNS
    assert det.unscorable.to_dict("records") == [{"onset": 7.0, "duration": 0.04}]
    assert "too short" in det.info["notes"][0]
