"""Heart beats, RR cleaning and the per-movement heart-rate response (§A1-§A5).

Pure functions on arrays and DataFrames; rules in ``docs/autonomic.md``.

References: :mod:`plm.autonomic` (Winkelman 1999; Ferri 2007; Guggisberg 2007).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from plm._lazy import pandas as pd
from plm.autonomic.rules import _SLEEP, CATEGORIES, AutonomicRules
from plm.events import InputError

logger = logging.getLogger(__name__)


@dataclass
class Beats:
    """Detected heart beats.

    Attributes
    ----------
    times_s : ndarray of float64
        R-peak times (s on the recording's time axis).
    valid : ndarray of bool
        False for beats excluded by the quality check (§A1).
    inverted : bool
        The QRS is negative-going (inverted ECG leads).
    segment_start : ndarray of bool, optional
        True for the first beat of a continuous ECG stretch after a recording gap: no RR
        interval ends on it (an interval across a gap is no heartbeat interval).
    """

    times_s: np.ndarray
    valid: np.ndarray
    inverted: bool = False
    segment_start: np.ndarray | None = None


@dataclass
class RRSeries:
    """Clean RR intervals (§A2).

    Attributes
    ----------
    t_mid_s : ndarray
        Midpoint of each RR interval (s).
    t_end_s : ndarray
        Time of the beat ending each interval (s).
    hr_bpm : ndarray
        ``60 / RR`` (bpm), NaN where excluded.
    excluded_fraction : float
        Share of RR intervals excluded.
    """

    t_mid_s: np.ndarray
    hr_bpm: np.ndarray
    excluded_fraction: float
    t_end_s: np.ndarray = field(default_factory=lambda: np.empty(0))


# --------------------------------------------------------------------------- beats (§A1)


def r_peak_times(ecg: np.ndarray, fs_hz: float, detector: str = "plm") -> np.ndarray:
    """R-peak times (s from the first sample) (§A1).

    ``detector='plm'`` (default): the project's detector used for ECG suppression,
    :func:`plm.signal.detect_r_peaks` (5-30 Hz zero-phase band-pass of ``|ECG|``, adaptive
    height, 0.3 s refractory, sub-sample apex); it handles either polarity, and ``plm
    score`` already computes it, so the heart-rate analysis can reuse its peaks.
    ``detector='sleepecg'``: the ``sleepecg`` package's Pan-Tompkins detector (validated
    on PhysioNet), each detection moved to the largest absolute deviation from the local
    level (median over ±100 ms) within ±25 ms, so inverted leads give the R apex.  The
    side-by-side in ``benchmarks/autonomic.py`` (F1 at 50 ms against planted beats, clean,
    with mains hum, noise and EMG cross-talk, inverted) found the project's detector as
    accurate or better and faster, hence the default.

    Parameters
    ----------
    ecg : array_like
        ECG (any unit), finite.
    fs_hz : float
        Sampling rate (Hz), ≥ 64 Hz.
    detector : {'plm', 'sleepecg'}

    Returns
    -------
    ndarray of float64
        Sorted R-peak times (s).

    Raises
    ------
    InputError
        For a non-1-D or non-finite ECG, a rate below 64 Hz or an unknown detector.
    """
    x = np.asarray(ecg, dtype=np.float64)
    if x.ndim != 1:
        raise InputError(f"ECG must be one-dimensional, got shape {x.shape}")
    if fs_hz < 64:
        raise InputError(f"ECG sampling rate {fs_hz:g} Hz is too low for R-peak detection")
    if not np.isfinite(x).all():
        raise InputError("ECG contains NaN or infinite samples")
    if detector not in ("plm", "sleepecg"):
        raise InputError(f"unknown R-peak detector {detector!r} (use 'plm' or 'sleepecg')")
    if x.size < 4 * fs_hz:
        return np.empty(0)
    if detector == "plm":
        from plm.signal import detect_r_peaks

        return detect_r_peaks(np.asarray(ecg, dtype=np.float32), fs_hz)
    import sleepecg

    idx = sleepecg.detect_heartbeats(x, fs_hz)
    h = max(1, int(round(0.025 * fs_hz)))  # search ±25 ms
    w = max(h + 1, int(round(0.1 * fs_hz)))  # local level from ±100 ms
    idx = idx[(idx >= w) & (idx < x.size - w)]
    if idx.size == 0:
        return np.empty(0)
    level = np.median(x[idx[:, None] + np.arange(-w, w + 1, max(1, w // 10))[None, :]], axis=1)
    seg = x[idx[:, None] + np.arange(-h, h + 1)[None, :]] - level[:, None]
    idx = idx + np.argmax(np.abs(seg), axis=1) - h
    return np.unique(idx) / float(fs_hz)


def detect_beats(
    ecg: np.ndarray,
    fs_hz: float,
    rules: AutonomicRules | None = None,
    r_peaks_s: np.ndarray | None = None,
) -> Beats:
    """R peaks with polarity and a per-beat quality check (§A1).

    Each beat's QRS (±``template_half_s``, mean removed) is correlated with the night's
    median QRS; beats below ``min_template_r``, and beats in a neighbourhood where more
    than ``bad_beat_fraction`` failed, are marked invalid (noisy ECG: excluded, never
    interpolated).

    Parameters
    ----------
    ecg : array_like
        ECG (µV or any unit).
    fs_hz : float
        ECG sampling rate (Hz).
    rules : AutonomicRules, optional
    r_peaks_s : array_like, optional
        R-peak times (s from the first ECG sample) already found; default
        :func:`r_peak_times`.

    Returns
    -------
    Beats
        Times relative to the first ECG sample.
    """
    rules = rules or AutonomicRules()
    x = np.asarray(ecg)
    t = r_peak_times(x, fs_hz) if r_peaks_s is None else np.asarray(r_peaks_s, dtype=float)
    h = max(2, int(round(rules.template_half_s * fs_hz)))
    idx = np.round(t * fs_hz).astype(np.int64)
    keep = (idx >= h) & (idx < x.size - h)
    t, idx = t[keep], idx[keep]
    if t.size < 3:
        return Beats(t, np.zeros(t.size, dtype=bool))
    seg = x[idx[:, None] + np.arange(-h, h + 1)[None, :]].astype(np.float64)
    seg -= seg.mean(axis=1, keepdims=True)
    tmpl = np.median(seg, axis=0)
    inverted = bool(tmpl[h] < 0)
    norm = np.linalg.norm(seg, axis=1) * max(float(np.linalg.norm(tmpl)), 1e-12)
    r = (seg @ tmpl) / np.maximum(norm, 1e-12)
    bad = (r < rules.min_template_r).astype(float)
    k = 2 * rules.bad_run_beats + 1
    frac = np.convolve(bad, np.ones(k) / k, mode="same")
    valid = (bad == 0) & (frac <= rules.bad_beat_fraction)
    return Beats(t, valid, inverted)


# --------------------------------------------------------------------------- RR (§A2)


def clean_rr(beats: Beats, rules: AutonomicRules | None = None) -> RRSeries:
    """RR intervals and heart rate, implausible intervals excluded (§A2).

    An interval is kept when both its beats are valid, ``rr_min_s ≤ RR ≤ rr_max_s`` and
    ``|RR − m| ≤ rr_max_deviation · m`` with ``m`` the median of the kept-so-far
    intervals among its ``rr_median_beats`` neighbours.

    Parameters
    ----------
    beats : Beats
    rules : AutonomicRules, optional

    Returns
    -------
    RRSeries
    """
    rules = rules or AutonomicRules()
    t = beats.times_s
    if t.size < 2:
        return RRSeries(np.empty(0), np.empty(0), 0.0, np.empty(0))
    rr = np.diff(t)
    ok = beats.valid[1:] & beats.valid[:-1] & (rr >= rules.rr_min_s) & (rr <= rules.rr_max_s)
    if beats.segment_start is not None:
        ok &= ~beats.segment_start[1:]
    w = rules.rr_median_beats // 2
    padded = np.pad(np.where(ok, rr, np.nan), w, constant_values=np.nan)
    win = np.lib.stride_tricks.sliding_window_view(padded, 2 * w + 1)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = np.nanmedian(win, axis=1)
    ok &= np.abs(rr - med) <= rules.rr_max_deviation * med
    hr = np.where(ok, 60.0 / rr, np.nan)
    return RRSeries(0.5 * (t[1:] + t[:-1]), hr, float(1.0 - ok.mean()), t[1:].copy())


# --------------------------------------------------------------------------- movements


def categorize(candidates: pd.DataFrame) -> pd.Series:
    """Response category of each candidate LM (§A5).

    ``respiratory`` (respiratory-related) first; ``plmw`` periodic in wake;
    ``plms_arousal``/``plms_no_arousal`` periodic in sleep (N1, N2, N3, R);
    ``isolated_lms`` not periodic in sleep; everything else ``other`` (isolated LMs in
    wake, unknown stage, non-candidates).

    Parameters
    ----------
    candidates : DataFrame
        ``plm.score_events(...).candidates``: ``stage``, ``periodic``, ``arousal``,
        ``respiratory`` and optionally ``candidate``.

    Returns
    -------
    Series of str, same index.
    """
    c = candidates
    n = len(c)

    def col(name: str) -> np.ndarray:
        if name not in c:
            return np.zeros(n, dtype=bool)
        return c[name].fillna(False).to_numpy(dtype=bool)

    stage = c["stage"].astype(str).to_numpy() if "stage" in c else np.full(n, "?")
    sleep, wake = np.isin(stage, _SLEEP), stage == "W"
    per, aro, resp = col("periodic"), col("arousal"), col("respiratory")
    cand = col("candidate") if "candidate" in c else np.ones(n, dtype=bool)
    out = np.full(n, "other", dtype=object)
    out[sleep & ~per] = "isolated_lms"
    out[sleep & per & ~aro] = "plms_no_arousal"
    out[sleep & per & aro] = "plms_arousal"
    out[wake & per] = "plmw"
    out[resp & (sleep | wake)] = "respiratory"
    out[~cand] = "other"
    return pd.Series(out, index=c.index, name="hr_category")


def _baseline_overlap(onsets: np.ndarray, analysed: np.ndarray, sep_s: float) -> np.ndarray:
    """True where another analysed LM began less than ``sep_s`` before (§A4)."""
    o = np.where(analysed, onsets, np.nan)
    srt = np.sort(o[analysed])
    if srt.size == 0:  # no movement analysed: nothing can overlap
        return np.zeros(onsets.shape, dtype=bool)
    i = np.searchsorted(srt, onsets, side="left")
    prev = np.where(i > 0, srt[np.maximum(i - 1, 0)], -np.inf)
    return analysed & (onsets - prev < sep_s)


def hr_responses(
    rr: RRSeries,
    onsets_s: np.ndarray,
    rules: AutonomicRules | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Per-movement heart-rate response (§A3-§A4), vectorised over movements.

    Parameters
    ----------
    rr : RRSeries
        Clean RR series on the recording's time axis.
    onsets_s : array_like
        Movement onsets (s).
    rules : AutonomicRules, optional

    Returns
    -------
    per_movement : DataFrame
        ``hr_valid``, ``hr_baseline_bpm``, ``hr_peak_delta_bpm``, ``hr_peak_latency_s``,
        ``hr_peak_latency_beats`` (one row per onset, positional).
    long : DataFrame
        ``movement`` (position in ``onsets_s``), ``beat``, ``time_s``, ``hr_bpm``,
        ``delta_hr_bpm``.
    time_curves : ndarray, shape (n_movements, n_grid)
        ΔHR (bpm) resampled on the time grid (NaN across gaps).
    """
    rules = rules or AutonomicRules()
    on = np.asarray(onsets_s, dtype=float)
    m = on.size
    beats = np.arange(-rules.beats_before, rules.beats_after + 1)
    grid = time_grid(rules)
    tm, hr = rr.t_mid_s, rr.hr_bpm
    if tm.size < 2 or m == 0:
        per = pd.DataFrame(
            {
                "hr_valid": np.zeros(m, dtype=bool),
                "hr_baseline_bpm": np.nan,
                "hr_peak_delta_bpm": np.nan,
                "hr_peak_latency_s": np.nan,
                "hr_peak_latency_beats": pd.array([pd.NA] * m, dtype="Int64"),
            }
        )
        return (
            per,
            _long(np.zeros((m, 0)), beats[:0], np.zeros((m, 0))),
            np.full((m, grid.size), np.nan),
        )
    # interval i ends at beat i+1; beat 0 = the interval ending at the beat nearest onset
    ends = rr.t_end_s
    j = np.clip(np.searchsorted(ends, on), 1, ends.size - 1)
    j = np.where(np.abs(ends[j - 1] - on) <= np.abs(ends[j] - on), j - 1, j)
    idx = j[:, None] + beats[None, :]
    inside = (idx >= 0) & (idx < tm.size)
    idx_c = np.clip(idx, 0, tm.size - 1)
    H = np.where(inside, hr[idx_c], np.nan)
    T = np.where(inside, tm[idx_c], np.nan) - on[:, None]
    # baseline: clean intervals with midpoints inside the baseline window
    fin = np.isfinite(hr)
    cs = np.concatenate(([0.0], np.cumsum(np.where(fin, hr, 0.0))))
    cn = np.concatenate(([0], np.cumsum(fin)))
    a = np.searchsorted(tm, on + rules.baseline_window_s[0], side="left")
    b = np.searchsorted(tm, on + rules.baseline_window_s[1], side="left")
    nb = cn[b] - cn[a]
    with np.errstate(all="ignore"):
        base = np.where(nb > 0, (cs[b] - cs[a]) / np.maximum(nb, 1), np.nan)
    D = H - base[:, None]
    S = _nanmean_running(D, rules.peak_smoothing_beats)
    k0, k1 = rules.peak_window_beats
    cols = (beats >= k0) & (beats <= k1)
    Sw = S[:, cols]
    n_peak = np.isfinite(D[:, cols]).sum(axis=1)
    valid = (nb >= rules.min_baseline_beats) & (n_peak >= rules.min_peak_beats)
    valid &= np.isfinite(Sw).any(axis=1)
    arg = np.argmax(np.where(np.isfinite(Sw), Sw, -np.inf), axis=1)
    rows = np.arange(m)
    peak = np.where(valid, Sw[rows, arg], np.nan)
    lat_s = np.where(valid, T[:, cols][rows, arg], np.nan)
    lat_b = pd.array(np.where(valid, beats[cols][arg], 0), dtype="Int64")
    lat_b[~valid] = pd.NA
    per = pd.DataFrame(
        {
            "hr_valid": valid,
            "hr_baseline_bpm": np.where(valid, base, np.nan),
            "hr_peak_delta_bpm": peak,
            "hr_peak_latency_s": lat_s,
            "hr_peak_latency_beats": lat_b,
        }
    )
    # time-resampled ΔHR on the grid (§A5), no interpolation across gaps
    tv, hv = tm[fin], hr[fin]
    G = on[:, None] + grid[None, :]
    k = np.searchsorted(tv, G)
    ok = (k > 0) & (k < tv.size)
    kc = np.clip(k, 1, max(tv.size - 1, 1))
    ok &= (tv[kc] - tv[kc - 1]) <= rules.max_gap_s
    curves = np.where(ok, np.interp(G, tv, hv), np.nan) - base[:, None]
    return per, _long(H, beats, T, base), curves


def time_grid(rules: AutonomicRules) -> np.ndarray:
    """Times (s from onset) of the time-resampled curves, ends included (§A5)."""
    start, stop, step = rules.time_grid_s
    return start + step * np.arange(int(round((stop - start) / step)) + 1)


def _long(
    H: np.ndarray, beats: np.ndarray, T: np.ndarray, base: np.ndarray | None = None
) -> pd.DataFrame:
    """Long-form per-beat table (:data:`RESPONSE_COLUMNS`)."""
    m, nb = H.shape
    base = np.full(m, np.nan) if base is None else base
    return pd.DataFrame(
        {
            "movement": np.repeat(np.arange(m), nb),
            "beat": np.tile(beats, m),
            "time_s": T.ravel(),
            "hr_bpm": H.ravel(),
            "delta_hr_bpm": (H - base[:, None]).ravel(),
        }
    )


def _nanmean_running(x: np.ndarray, width: int) -> np.ndarray:
    """Centred running mean along axis 1 ignoring NaN (NaN where the centre is NaN)."""
    if width <= 1 or x.shape[1] == 0:
        return x.copy()
    w = width // 2
    f = np.isfinite(x)
    v = np.pad(np.where(f, x, 0.0), ((0, 0), (w, w)))
    c = np.pad(f.astype(float), ((0, 0), (w, w)))
    cv = np.cumsum(np.pad(v, ((0, 0), (1, 0))), axis=1)
    cc = np.cumsum(np.pad(c, ((0, 0), (1, 0))), axis=1)
    s = cv[:, 2 * w + 1 :] - cv[:, : -2 * w - 1]
    n = cc[:, 2 * w + 1 :] - cc[:, : -2 * w - 1]
    with np.errstate(all="ignore"):
        return np.where(f & (n > 0), s / np.maximum(n, 1), np.nan)


# --------------------------------------------------------------------------- night (§A5)


def mean_curves(
    values: np.ndarray, x: np.ndarray, category: np.ndarray, axis: str, ci_level: float = 0.95
) -> pd.DataFrame:
    """Mean ΔHR curve with a Student-t confidence interval per category (§A5).

    Parameters
    ----------
    values : ndarray, shape (n_movements, n_points)
        ΔHR (bpm) of the included movements, NaN where missing.
    x : ndarray, shape (n_points,)
        Beat index or time (s).
    category : ndarray of str, shape (n_movements,)
    axis : {'beat', 'time'}
    ci_level : float

    Returns
    -------
    DataFrame
        ``category``, ``axis``, ``x``, ``mean_delta_bpm``, ``ci_low_bpm``,
        ``ci_high_bpm``, ``n`` (movements contributing at that point).
    """
    parts = []
    for cat in CATEGORIES:  # loop per category (5)
        v = values[category == cat]
        if v.shape[0] == 0:
            continue
        n = np.isfinite(v).sum(axis=0)
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(v, axis=0)
                sd = np.nanstd(v, axis=0, ddof=1)
        from scipy import stats  # here, not at import: scipy.stats costs ~0.3 s to import

        q = stats.t.ppf(0.5 + ci_level / 2, np.maximum(n - 1, 1))
        half = np.where(n > 1, q * sd / np.sqrt(np.maximum(n, 1)), np.nan)
        parts.append(
            pd.DataFrame(
                {
                    "category": cat,
                    "axis": axis,
                    "x": x,
                    "mean_delta_bpm": mean,
                    "ci_low_bpm": mean - half,
                    "ci_high_bpm": mean + half,
                    "n": n,
                }
            )
        )
    if not parts:
        return _empty_curves()
    return pd.concat(parts, ignore_index=True)


def _empty_curves() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "category": pd.Series(dtype=object),
            "axis": pd.Series(dtype=object),
            "x": pd.Series(dtype=float),
            "mean_delta_bpm": pd.Series(dtype=float),
            "ci_low_bpm": pd.Series(dtype=float),
            "ci_high_bpm": pd.Series(dtype=float),
            "n": pd.Series(dtype=int),
        }
    )
