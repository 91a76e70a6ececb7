"""Signals real leg-EMG recordings carry that are not leg movements (docs/scoring.md §3.7).

Three rules on top of the onset/offset detection of :mod:`plm.detect.emg`, each with its
parameters in the rule profile (:class:`plm.rules.RuleProfile`):

* **Flat lead** (:func:`flat_mask`, ``flat_min_s``, ``flat_margin_s``).  An amplifier
  disconnect holds one digital value: after the band-pass the stretch is exactly quiet and
  would count as rest, so the sleep-time denominator grows and the PLMS index falls.  Runs
  of at least ``flat_min_s`` identical consecutive raw samples are unscorable, widened by
  ``flat_margin_s`` on each side (the filter's response to the steps at their edges).
  Surface EMG never repeats a value for that long: resting noise of 1 µV RMS sampled at
  200 Hz or more with a step of 2 µV or finer (``min_resolution_uv``) changes value
  within a few samples.
* **Motion transients** (:func:`motion_ok`, ``motion_rule``, ``motion_highpass_hz``,
  ``motion_window_s``, ``motion_above_uv``, ``motion_context_s``).  An electrode that
  moves produces slow swings of hundreds of µV whose sharp turns leak into the 10-100 Hz
  band as 10-30 Hz energy; a leg movement is a broadband EMG burst whose power reaches
  far above that.  An event is kept only if, somewhere inside it, the running median
  (over ``motion_window_s``) of the rectified EMG high-passed at ``motion_highpass_hz``
  exceeds that band's resting level by ``motion_above_uv``: the morphology rule applied
  to the high band.  The median ignores the few tens of ms of broadband energy of a
  sharp step, and a true LM that coincides with a transient still carries its own
  high-band EMG, so it is kept.  The resting level is the median of the high band in
  ``motion_context_s`` before and after the event (outside a 0.5-s guard).
* **Sustained onset** (:func:`sustained_ok`, ``sustained_onset_s``).  The onset
  compares a 0.1-s envelope with rest + 8 µV (``envelope_s``); on a long broadband
  burst 4-6 µV above rest, that envelope's fluctuations (±1-2 µV) cross the threshold
  now and then and start an LM.  An event is kept only if the mean rectified EMG over
  ``sustained_onset_s`` (0.5 s, the shortest LM) exceeds rest + ``onset_above_baseline_uv``
  somewhere inside it: a burst that never rises 8 µV above rest for half a second is
  not an LM, while near-threshold LMs (9-13 µV above rest) are kept.

* **Lead-off** (:func:`leadoff_mask`, ``leadoff_std_uv``, ``leadoff_margin_s``).  An
  electrode off picks up mains of several mV, often clipped at the amplifier's rails.
  When the hum is notched (``notch``), what is left can look like quiet EMG, and the
  notch rings for ~0.6 s at the stretch's edges, where it starts false LMs.  1-s blocks
  whose raw standard deviation exceeds ``leadoff_std_uv`` (1 mV; leg EMG during
  movements stays within a few hundred µV RMS, and an electrode pop of 1 mV decaying
  within 40 ms gives ~0.15 mV) are unscorable, widened by ``leadoff_margin_s``.
"""

from __future__ import annotations

import numpy as np

from plm.detect.kernel import odd, runs
from plm.rules import RuleProfile

__all__ = ["flat_mask", "leadoff_mask", "motion_ok", "sustained_ok"]

_GUARD_S = 0.5  # context samples this close to the event are not rest
_SD_BOUND_SAFETY = 0.999  # margin on "sd <= range / 2" for rounding (lead-off pre-check)


def flat_mask(x_uv: np.ndarray, fs_hz: float, rules: RuleProfile) -> np.ndarray | None:
    """Per-sample mask of flat-lead stretches (None when there is none).

    Parameters
    ----------
    x_uv : ndarray
        Raw leg EMG (µV), before any filtering.
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``flat_min_s`` (0 switches the rule off) and ``flat_margin_s``.

    Returns
    -------
    ndarray of bool or None
        True on runs of at least ``flat_min_s`` identical samples, widened by
        ``flat_margin_s`` on both sides.
    """
    x = np.asarray(x_uv)
    n_min = int(round(rules.flat_min_s * fs_hz))
    if rules.flat_min_s <= 0 or x.size < max(n_min, 2):
        return None
    same = x[1:] == x[:-1]  # same[i]: samples i and i + 1 are equal
    starts, ends = runs(same)
    long = (ends - starts + 1) >= n_min
    if not long.any():
        return None
    margin = int(round(rules.flat_margin_s * fs_hz))
    mask = np.zeros(x.size, dtype=bool)
    for a, z in zip(starts[long].tolist(), ends[long].tolist(), strict=True):  # per stretch
        mask[max(0, a - margin) : min(x.size, z + 1 + margin)] = True
    return mask


def leadoff_mask(x_uv: np.ndarray, fs_hz: float, rules: RuleProfile) -> np.ndarray | None:
    """Per-sample mask of lead-off stretches (None when there is none).

    1-s blocks of the raw leg whose standard deviation exceeds ``leadoff_std_uv``,
    widened by ``leadoff_margin_s`` on both sides.

    Parameters
    ----------
    x_uv : ndarray
        Raw leg EMG (µV).
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``leadoff_std_uv`` (0 switches the rule off) and ``leadoff_margin_s``.
    """
    x = np.asarray(x_uv)
    bn = max(1, int(round(fs_hz)))
    if rules.leadoff_std_uv <= 0 or x.size < bn:
        return None
    nb = x.size // bn
    blocks = x[: nb * bn].reshape(nb, bn)
    # A block's standard deviation is at most half its range: only blocks whose range
    # reaches (nearly) twice the limit can exceed it.  The others keep sd = 0 (not bad)
    # and skip the float64 pass over the whole channel (a full-size float64 temporary).
    span = blocks.max(axis=1).astype(np.float64) - blocks.min(axis=1)
    maybe = np.flatnonzero(span > 2 * _SD_BOUND_SAFETY * rules.leadoff_std_uv)
    sd = np.zeros(nb, dtype=np.float64)
    if maybe.size:
        sd[maybe] = blocks[maybe].std(axis=1, dtype=np.float64)
    if x.size > nb * bn:
        sd = np.append(sd, float(np.std(x[nb * bn :], dtype=np.float64)))
    bad = sd > rules.leadoff_std_uv
    if not bad.any():
        return None
    margin = int(round(rules.leadoff_margin_s * fs_hz))
    mask = np.zeros(x.size, dtype=bool)
    for a, z in zip(*runs(bad), strict=True):  # loop per stretch
        mask[max(0, int(a) * bn - margin) : min(x.size, int(z) * bn + margin)] = True
    return mask


def _median_exceeds(y: np.ndarray, threshold: float, lo: int, hi: int, n_win: int) -> bool:
    """True when the running median of ``y`` (``n_win`` samples) passes ``threshold``.

    At some centre in ``[lo, hi)``, more than half of the window is above it.
    """
    h = n_win // 2
    need = (n_win + 1) // 2
    above = np.concatenate(([0], np.cumsum(y > threshold, dtype=np.int64)))
    centres = np.arange(lo, hi)
    counts = above[np.minimum(centres + h + 1, y.size)] - above[np.maximum(centres - h, 0)]
    return bool((counts >= need).any())


def motion_ok(
    x_uv: np.ndarray,
    fs_hz: float,
    rules: RuleProfile,
    on: np.ndarray,
    off: np.ndarray,
    mains_hz: int | None = None,
) -> np.ndarray:
    """Which events ``[on, off)`` carry broadband EMG (True) rather than a motion transient.

    Parameters
    ----------
    x_uv : ndarray
        Raw leg EMG (µV).
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``motion_highpass_hz``, ``motion_window_s``, ``motion_above_uv``,
        ``motion_context_s`` and the band-pass fields.
    on, off : ndarray of int
        Sample index of each event's onset and (exclusive) offset.
    mains_hz : int, optional
        Mains frequency notched by the conditioning; notched here too.

    Returns
    -------
    ndarray of bool
        True for events to keep.  Events whose context is too short to judge are kept.
    """
    from plm.signal import bandpass_sos, notch_sos, zero_phase

    ok = np.ones(on.size, dtype=bool)
    fs = float(fs_hz)
    top = min(rules.lowpass_hz, rules.lowpass_max_fraction * fs)
    if on.size == 0 or rules.motion_highpass_hz >= top:
        return ok
    sos = bandpass_sos(
        fs, rules.motion_highpass_hz, rules.lowpass_hz, rules.filter_order,
        rules.lowpass_max_fraction,
    )  # fmt: skip
    if mains_hz is not None and mains_hz < fs / 2:
        sos = np.vstack((sos, notch_sos(fs, mains_hz)))
    x = np.asarray(x_uv, dtype=np.float32)
    ctx = int(round(rules.motion_context_s * fs))
    guard = int(round(_GUARD_S * fs))
    n_win = odd(rules.motion_window_s * fs)
    for i, (a, z) in enumerate(zip(on.tolist(), off.tolist(), strict=True)):  # per event
        lo, hi = max(0, a - ctx), min(x.size, z + ctx)
        if hi - lo <= 6 * (2 * len(sos) + 1):
            continue
        y = np.abs(zero_phase(sos, x[lo:hi]))
        rest = np.concatenate((y[: max(0, a - guard - lo)], y[z + guard - lo :]))
        if rest.size < fs:
            continue
        threshold = float(np.median(rest)) + rules.motion_above_uv
        ok[i] = _median_exceeds(y, threshold, a - lo, z - lo, n_win)
    return ok


def sustained_ok(
    r: np.ndarray, b: object, fs_hz: float, rules: RuleProfile, on: np.ndarray, off: np.ndarray
) -> np.ndarray:
    """Which events rise ``onset_above_baseline_uv`` above rest for ``sustained_onset_s``.

    Parameters
    ----------
    r : ndarray
        Rectified EMG (µV).
    b : array-like
        Per-sample resting baseline (µV); anything sliceable like an array.
    fs_hz : float
        Sampling rate (Hz).
    rules : RuleProfile
        Uses ``sustained_onset_s`` and ``onset_above_baseline_uv``.
    on, off : ndarray of int
        Event onsets and (exclusive) offsets, samples.

    Returns
    -------
    ndarray of bool
        True where the centred moving mean of ``r - b`` over ``sustained_onset_s``
        exceeds ``onset_above_baseline_uv`` at some sample of the event.
    """
    ok = np.ones(on.size, dtype=bool)
    n_win = odd(rules.sustained_onset_s * fs_hz)
    if n_win <= 1:
        return ok
    h = n_win // 2
    n = r.size
    for i, (a, z) in enumerate(zip(on.tolist(), off.tolist(), strict=True)):  # per event
        lo, hi = max(0, a - h), min(n, z + h)
        d = r[lo:hi].astype(np.float64) - np.asarray(b[lo:hi], dtype=np.float64)  # type: ignore[index]
        c = np.concatenate(([0.0], np.cumsum(d)))
        centres = np.arange(a, z) - lo
        left = np.maximum(centres - h, 0)
        right = np.minimum(centres + h + 1, d.size)
        means = (c[right] - c[left]) / (right - left)
        ok[i] = bool((means > rules.onset_above_baseline_uv).any())
    return ok
