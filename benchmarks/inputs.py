"""Benchmark inputs made with :mod:`plm.simulate.nights`, cached on disk and keyed by parameters."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

#: Bump when the way an input is generated changes (invalidates the cache).
GENERATOR_VERSION = 1
#: Default cache folder (git-ignored).
DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache"
#: Channel labels written by :func:`plm.simulate.write_night_edf`.
LEFT, RIGHT, ECG = "Leg L", "Leg R", "ECG"


def _key(kind: str, params: dict) -> str:
    """Readable, parameter-keyed file stem: ``kind-8h-500hz-<hash of everything>``."""
    blob = json.dumps({"v": GENERATOR_VERSION, "kind": kind, **params}, sort_keys=True)
    digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
    return f"{kind}-{params['hours']:.4g}h-{params['fs_hz']:g}hz-{digest}"


@dataclass(frozen=True)
class NightSpec:
    """A synthetic PSG night: two legs at ``fs_hz``, ECG at ``ecg_fs_hz`` and, with
    ``other_channels``, 18 more channels (EEG/EOG/chin/snore at 256 Hz, respiration at
    32 Hz, SpO2/pulse/position/light at 1 Hz); artefacts: mains, ECG bleed, pops and a
    noisy stretch (``plm.simulate.nights.ARTIFACTS``)."""

    hours: float
    fs_hz: float
    seed: int = 1
    ecg_fs_hz: float = 256.0
    artifacts: bool = True
    other_channels: bool = True

    @property
    def key(self) -> str:
        return _key("night", asdict(self))

    @property
    def legs_f32_mb(self) -> float:
        """Size of the two leg channels as float32 (MB)."""
        return 2 * 4 * round(self.hours * 3600 * self.fs_hz) / 1024 / 1024


def write_night(spec: NightSpec, path: Path) -> Path:
    """Simulate ``spec`` and write it as EDF+C at ``path`` (atomic: the writer renames)."""
    from plm.simulate.nights import simulate_night
    from plm.simulate.write import write_night_edf

    night = simulate_night(
        spec.hours * 3600,
        spec.fs_hz,
        seed=spec.seed,
        artifacts=spec.artifacts,
        ecg_fs_hz=spec.ecg_fs_hz,
        ecg_channel=True,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_night_edf(night, path, other_channels=spec.other_channels)
    return path


class Inputs:
    """Creates benchmark inputs on first use and reuses them from ``cache_dir``."""

    def __init__(self, cache_dir: str | os.PathLike[str] | None = None) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else DEFAULT_CACHE
        self.generated: list[str] = []

    def night(self, spec: NightSpec) -> Path:
        """Path of the EDF file of ``spec`` (generated when missing)."""
        path = self.cache_dir / f"{spec.key}.edf"
        if not path.exists():
            write_night(spec, path)
            self.generated.append(path.name)
        return path

    def batch_folder(self, n_nights: int, hours: float, fs_hz: float) -> Path:
        """A folder holding exactly ``n_nights`` nights (seeds 101, 102, ...)."""
        params = {"hours": hours, "fs_hz": fs_hz, "n": n_nights}
        folder = self.cache_dir / _key("batch", params)
        for i in range(n_nights):
            path = folder / f"night{i + 1:02d}.edf"
            if not path.exists():
                write_night(NightSpec(hours, fs_hz, seed=101 + i), path)
                self.generated.append(f"{folder.name}/{path.name}")
        return folder

    def quiet_legs(self, hours: float, fs_hz: float, seed: int = 3) -> tuple[np.ndarray, ...]:
        """Left and right resting leg EMG (µV, float32) without any movement or artefact."""
        params = {"hours": hours, "fs_hz": fs_hz, "seed": seed}
        path = self.cache_dir / f"{_key('quiet', params)}.npz"
        if not path.exists():
            from plm.simulate.nights import simulate_quiet_night

            night = simulate_quiet_night(hours * 3600, fs_hz, seed=seed)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            np.savez(tmp, left=night.left_uv, right=night.right_uv)
            os.replace(tmp, path)
            self.generated.append(path.name)
        with np.load(path) as data:
            return data["left"], data["right"]


def dense_movements(hours: float, per_h: float, seed: int = 5) -> pd.DataFrame:
    """Monolateral LMs at ``per_h`` per hour (both legs together), for dense nights.

    Each leg gets a jittered grid (spacing ``2 * 3600 / per_h`` s, ±30 %) of movements
    lasting 0.6-4 s (at most half the spacing), leaving 5 % of the night (at most 5 min)
    free at both ends, so the engine sees periodic series at high densities.
    """
    n_leg = int(round(per_h * hours / 2))
    rows = []
    rng = np.random.default_rng(seed)
    margin = min(300.0, 0.05 * hours * 3600)
    span = hours * 3600 - 2 * margin
    for side in ("left", "right"):
        if n_leg == 0:
            break
        spacing = span / n_leg
        onset = margin + spacing * (np.arange(n_leg) + rng.uniform(0.0, 0.6, n_leg))
        duration = rng.uniform(0.6, min(4.0, 0.5 * spacing), n_leg)
        rows.append(pd.DataFrame({"onset": onset, "duration": duration, "side": side}))
    if not rows:
        return pd.DataFrame(
            {
                "onset": pd.Series(dtype=float),
                "duration": pd.Series(dtype=float),
                "side": pd.Series(dtype=object),
            }
        )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values(["onset", "side"], kind="stable").reset_index(drop=True)


def plant_movements(
    x: np.ndarray, fs_hz: float, movements: pd.DataFrame, seed: int = 7
) -> np.ndarray:
    """Add 10-100 Hz bursts (25-200 µV RMS, tapered ends) at ``movements`` to a copy of ``x``."""
    from scipy import signal as sps

    rng = np.random.default_rng(seed)
    y = np.array(x, dtype=np.float32, copy=True)
    if movements.empty:
        return y
    sos = sps.butter(4, [10.0, min(100.0, 0.45 * fs_hz)], btype="bandpass", fs=fs_hz, output="sos")
    carrier = sps.sosfilt(sos, rng.standard_normal(int(20 * fs_hz))).astype(np.float32)
    carrier /= carrier.std()
    amps = np.exp(rng.uniform(np.log(25.0), np.log(200.0), len(movements)))
    for onset, duration, amp in zip(movements["onset"], movements["duration"], amps, strict=True):
        a, n = int(round(onset * fs_hz)), int(round(duration * fs_hz))
        start = int(rng.integers(0, carrier.size - n))
        taper = np.hanning(n).astype(np.float32) ** 0.25  # loop per planted movement
        y[a : a + n] += np.float32(amp) * taper * carrier[start : start + n]
    return y
