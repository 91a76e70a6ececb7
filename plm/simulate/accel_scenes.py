"""Opt-in scenes of the ankle-accelerometry generator (:func:`plm.simulate.accel.simulate_accel`).

Each scene is switched on by a keyword of :func:`~plm.simulate.accel.simulate_accel` and
drawn from a second random generator, so that with the default arguments the generator's
output is unchanged.  What they model (and what detection must tell apart):

* **Held long movements** (``long_lms_per_h``): a flexion of 5-25° held 11-20 s (rise and
  return 0.3-1 s each, plateau varying by at most 10 %), then the leg comes back.  One
  movement longer than 10 s (a non-candidate that breaks a series, docs/scoring.md §4.3).
* **Partial turns / repositioning** (``partial_turns_per_h``): a roll change of 15-40°
  (and up to ±5° of pitch) over 2-6 s, slower than an LM, with 0.02-0.08 g of body
  translation.  Not an LM.
* **A movement just before a turn** (``lm_before_turn_fraction``): an LM of 0.5-4 s on one
  ankle ending 1.5-3 s before a posture change starts.  An LM.
* **Night-time walks** (``n_walks``): getting up (2-4 s), 15-40 s of walking (shank
  upright, ±25° swing, heel strikes of 0.5-2 g once per stride at 0.8-1.0 Hz, the two
  ankles in antiphase: 1.6-2 steps/s), lying down again (2-4 s).  Out of bed.
* **Twitches** (``twitches_per_h``): 0.1-0.3 s flexions of 3-10°, shorter than any LM.
* **Sleep postures** (``sleep_postures``): the shank's roll is drawn around supine
  (0°), left (90°), right (-90°) or prone (180°) ± 15°; every full posture change moves
  to another of the given postures.
* **Sensor orientation** (``sensor_rotation``): each ankle's sensor frame is rotated
  arbitrarily (uniform random rotation) relative to the shank.
* **Devices started apart** (``start_delay_s``): an ankle's first 0-N s are missing
  (NaN), as when the second device was started seconds after the first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "ROLL_CENTRE_DEG",
    "raised",
    "bandnoise",
    "movement_envelope",
    "held_envelope",
    "twitch_envelope",
    "place_intervals",
    "overlaps",
    "random_rotation",
    "add_walk",
]

#: Roll of the shank about its long axis (degrees) in each sleep posture.
ROLL_CENTRE_DEG = {"supine": 0.0, "left": 90.0, "right": -90.0, "prone": 180.0}

G_MS2 = 9.80665


def raised(n: int, rising: bool) -> np.ndarray:
    """Raised-cosine ramp of ``n`` samples from 0 to 1 (or 1 to 0)."""
    k = (np.arange(n) + 0.5) / max(n, 1)
    c = 0.5 - 0.5 * np.cos(np.pi * k)
    return c if rising else c[::-1]


def bandnoise(rng: np.random.Generator, n: int, fs: float, lo: float, hi: float) -> np.ndarray:
    """Unit-RMS Gaussian noise band-limited to [lo, min(hi, 0.45 fs)] Hz."""
    from scipy import signal as sps

    hi = min(hi, 0.45 * fs)
    if n < 8 or hi <= lo:
        return np.zeros(n)
    sos = sps.butter(2, [lo, hi], btype="bandpass", fs=fs, output="sos")
    pad = int(2 * fs)
    y = sps.sosfilt(sos, rng.standard_normal(n + pad))[pad:]
    sd = float(y.std())
    return y / sd if sd > 0 else y


def movement_envelope(
    rng: np.random.Generator,
    n: int,
    fs: float,
    rise_s: tuple[float, float],
    return_s: tuple[float, float],
    depth: tuple[float, float],
    mod_hz: tuple[float, float],
    cap: float = 1.0,
) -> np.ndarray:
    """Shape (0..1) of a movement of ``n`` samples: rise, modulated plateau, return.

    Raised-cosine rise and return (durations drawn from ``rise_s`` / ``return_s``, each
    at most ``cap`` × the movement), a plateau dipping by ``depth`` at ``mod_hz``.
    Draws, in order: rise, return, depth, modulation frequency.
    """
    dur = n / fs
    n_r = max(1, int(round(min(rng.uniform(*rise_s), cap * dur) * fs)))
    n_d = max(1, int(round(min(rng.uniform(*return_s), cap * dur) * fs)))
    n_p = max(0, n - n_r - n_d)
    dip = rng.uniform(*depth)
    f_mod = rng.uniform(*mod_hz)
    k = np.arange(n_p) / fs
    plateau = 1.0 - dip * 0.5 * (1 - np.cos(2 * np.pi * f_mod * k))
    last = plateau[-1] if n_p else 1.0
    return np.concatenate((raised(n_r, True), plateau, raised(n_d, False) * last))[:n]


def held_envelope(rng: np.random.Generator, n: int, fs: float) -> np.ndarray:
    """Shape (0..1) of a held movement: 0.3-1-s rise and return, plateau within 10 %."""
    return movement_envelope(rng, n, fs, (0.3, 1.0), (0.3, 1.0), (0.0, 0.1), (0.1, 0.5))


def twitch_envelope(rng: np.random.Generator, n: int, fs: float) -> np.ndarray:
    """Shape (0..1) of a twitch: one half sine over ``n`` samples (no draw)."""
    del rng, fs
    return np.sin(np.pi * (np.arange(n) + 0.5) / max(n, 1))


def overlaps(blocked: Sequence[tuple[float, float]], t0: float, t1: float, pad: float) -> bool:
    """Whether ``[t0 - pad, t1 + pad)`` overlaps any of the ``blocked`` intervals."""
    if not len(blocked):
        return False
    b = np.asarray(blocked, float)
    return bool(np.any((b[:, 0] < t1 + pad) & (b[:, 1] > t0 - pad)))


def place_intervals(
    rng: np.random.Generator,
    targets: Sequence[int],
    beds: np.ndarray,
    dur_s: tuple[float, float],
    blocked: list[tuple[float, float]],
    clearance_s: float,
    margin_s: float = 60.0,
) -> list[tuple[float, float]]:
    """Place ``targets[k]`` intervals in in-bed period ``k``, clear of ``blocked``.

    Each interval lasts ``dur_s`` (uniform), lies ``margin_s`` inside the in-bed
    period and ``clearance_s`` away from every blocked (and every already placed)
    interval; ``blocked`` is extended with the placed ones.  At most 200 attempts per
    interval.

    Returns
    -------
    list of (onset_s, duration_s), in time order.
    """
    out: list[tuple[float, float]] = []
    for (a, b), target in zip(beds, targets, strict=False):  # loop per in-bed period
        placed = 0
        for _ in range(200 * max(int(target), 1)):  # loop per attempt
            if placed >= target:
                break
            d = float(rng.uniform(*dur_s))
            lo, hi = a + margin_s, b - margin_s - d
            if hi <= lo:
                break
            t = float(rng.uniform(lo, hi))
            if overlaps(blocked, t, t + d, clearance_s):
                continue
            out.append((t, d))
            blocked.append((t, t + d))
            placed += 1
    return sorted(out)


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A uniformly distributed 3-D rotation matrix (from a random unit quaternion)."""
    q = rng.standard_normal(4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def add_walk(
    rng: np.random.Generator,
    psi: np.ndarray,
    phi: np.ndarray,
    dyn: np.ndarray,
    fs: float,
    walk: tuple[float, float, float, float, float, float, float],
    phase: float,
) -> None:
    """Write one night-time walk into an ankle's pitch/roll (deg) and dynamic acceleration.

    ``walk`` = (onset s, get-up s, walking s, lie-down s, stride Hz, impact g, roll
    while upright °).  The lying posture before the walk and after it are those already
    in ``psi``/``phi``; getting up and lying down are raised-cosine transitions with
    0.05-0.15 g of body translation; walking swings the shank ±25° about the knee
    (lever 0.4 m) with heel strikes along the shank once per stride (``phase`` rad).
    """
    t0, d_up, w, d_dn, f, impact, phi_w = walk
    n = psi.size
    i0 = int(round(t0 * fs))
    i1 = min(n, i0 + max(2, int(round(d_up * fs))))
    i2 = min(n, i1 + int(round(w * fs)))
    i3 = min(n, i2 + max(2, int(round(d_dn * fs))))
    j0, j3 = max(i0 - 1, 0), min(i3, n - 1)
    psi0, phi0, psi1, phi1 = psi[j0], phi[j0], psi[j3], phi[j3]
    up = raised(i1 - i0, True)
    psi[i0:i1] = psi0 + (90.0 - psi0) * up
    phi[i0:i1] = phi0 + (phi_w - phi0) * up
    down = raised(i3 - i2, False)
    psi[i2:i3] = psi1 + (90.0 - psi1) * down
    phi[i2:i3] = phi1 + (phi_w - phi1) * down
    for s0, s1 in ((i0, i1), (i2, i3)):  # getting up, lying down: body translation
        m = s1 - s0
        env = np.sin(np.pi * np.arange(m) / max(m, 1))
        amp = float(rng.uniform(0.05, 0.15))
        dyn[s0:s1] += amp * env[:, None] * np.column_stack([bandnoise(rng, m, fs, 1.0, 4.0)] * 3)
    m = i2 - i1
    if m <= 0:
        return
    tt = np.arange(m) / fs
    swing = np.radians(25.0) * np.sin(2 * np.pi * f * tt + phase)
    psi[i1:i2] = 90.0 + np.degrees(swing)
    phi[i1:i2] = phi_w
    dyn[i1:i2, 1] += 0.4 * (2 * np.pi * f) ** 2 * swing / G_MS2
    dyn[i1:i2, 0] += impact * np.clip(np.sin(2 * np.pi * f * tt + phase), 0, None) ** 8
    dyn[i1:i2] += 0.1 * bandnoise(rng, m, fs, 1.0, 8.0)[:, None]


def plan_walks(
    rng: np.random.Generator, n_walks: int, beds: np.ndarray
) -> list[tuple[float, float, float, float, float, float, float]]:
    """Night-time walks in the first in-bed period, at least 30 min (or 20 %) from its edges.

    Returns
    -------
    list of (onset s, get-up s, walking s, lie-down s, stride Hz, impact g, roll °)
    """
    out: list[tuple[float, float, float, float, float, float, float]] = []
    if n_walks <= 0 or not len(beds):
        return out
    a, b = beds[0]
    margin = min(1800.0, 0.2 * (b - a))
    blocked: list[tuple[float, float]] = []
    for _ in range(n_walks):  # loop per walk
        d_up, w, d_dn = rng.uniform(2.0, 4.0), rng.uniform(15.0, 40.0), rng.uniform(2.0, 4.0)
        d = float(d_up + w + d_dn)
        got = place_intervals(rng, [1], np.array([[a, b]]), (d, d), blocked, 600.0, margin)
        if got:
            f, impact, phi_w = rng.uniform(0.8, 1.0), rng.uniform(0.5, 2.0), rng.uniform(-20, 20)
            out.append((got[0][0], float(d_up), float(w), float(d_dn), f, impact, phi_w))
    return sorted(out)


def assign_sleep_postures(
    rng: np.random.Generator,
    postures: Sequence[str],
    beds: np.ndarray,
    turns: list[tuple[float, float, float, float]],
    partial: list[tuple[float, float, float, float]],
) -> tuple[list[float], list[tuple[float, float, float, float]]]:
    """Initial roll per in-bed period and full turns re-aimed at the given sleep postures.

    Returns
    -------
    base_roll : list of float
        Roll (°) at the start of each in-bed period.
    turns : list
        The full turns with their roll step replaced: each goes to another posture of
        ``postures`` (± 15°), taking the shorter way round.
    """
    names = [p for p in postures if p in ROLL_CENTRE_DEG]
    if not names:
        raise ValueError(f"sleep_postures must be among {sorted(ROLL_CENTRE_DEG)}")
    base_roll: list[float] = []
    new_turns: list[tuple[float, float, float, float]] = []
    full = {t[0] for t in turns}
    for a, b in beds:  # loop per in-bed period
        cur_name = str(rng.choice(names))
        cur = ROLL_CENTRE_DEG[cur_name] + float(rng.uniform(-15, 15))
        base_roll.append(cur)
        events = sorted(e for e in turns + partial if a <= e[0] < b)
        for t, d, roll, pitch in events:  # loop per turn, in time order
            if t not in full:
                cur += roll
                continue
            others = [p for p in names if p != cur_name] or names
            cur_name = str(rng.choice(others))
            target = ROLL_CENTRE_DEG[cur_name] + float(rng.uniform(-15, 15))
            step = (target - cur + 180.0) % 360.0 - 180.0
            if abs(step) < 45.0:  # a full turn rotates the shank by at least 45 degrees
                step = 45.0 * (1 if step >= 0 else -1)
            cur += step
            new_turns.append((t, d, step, pitch))
    return base_roll, sorted(new_turns)
