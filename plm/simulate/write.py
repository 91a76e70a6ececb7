"""Writing a synthetic night: the EDF+ recording and the planted truth as TSV.

The recording holds the legs, the ECG and the usual PSG channels, with the hypnogram and
the events as EDF+ annotations.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy import signal as sps

from plm._util import atomic_write
from plm.simulate.nights import SyntheticNight

__all__ = ["write_night_edf", "write_truth_tsv"]


def write_truth_tsv(night: SyntheticNight, path: str | os.PathLike[str]) -> None:
    """Write the planted LMs as a tab-separated table (BIDS-events style).

    Columns: ``onset``, ``duration`` (s, 4 decimals), ``side``, ``amplitude_uv``,
    ``kind``, ``movement_id``, ``series_id``, ``bilateral``.  Written atomically.
    """
    with atomic_write(path, "w", newline="") as fh:
        night.truth.to_csv(fh, sep="\t", index=False, float_format="%.4f")


def _spec_range(data: np.ndarray, margin: float = 1.1, floor: float = 1.0) -> tuple[float, float]:
    lo = float(np.min(data)) if data.size else -floor
    hi = float(np.max(data)) if data.size else floor
    span = max(hi - lo, floor)
    mid = 0.5 * (hi + lo)
    return float(np.floor(mid - margin * span / 2)), float(np.ceil(mid + margin * span / 2))


def _other_channels(night: SyntheticNight, rng: np.random.Generator) -> list[tuple]:
    """Cheap placeholder channels: (label, data, fs, unit)."""
    d = int(night.duration_s)
    out: list[tuple] = []

    def noise(fs: int, scale: float, alpha: float = 0.95) -> np.ndarray:
        w = rng.standard_normal(d * fs).astype(np.float32)
        y = sps.lfilter([1 - alpha], [1, -alpha], w).astype(np.float32)
        return scale * y / max(float(y.std()), 1e-6)

    for label in ("C3-M2", "C4-M1", "F3-M2", "F4-M1", "O1-M2", "O2-M1"):
        out.append((label, noise(256, 20.0), 256, "uV"))
    for label in ("E1-M2", "E2-M2"):
        out.append((label, noise(256, 30.0), 256, "uV"))
    out.append(("Chin", noise(256, 5.0, 0.0), 256, "uV"))
    t32 = np.arange(d * 32) / 32.0
    breath = np.sin(2 * np.pi * 0.25 * t32).astype(np.float32)
    out.append(("Airflow", 100 * breath + noise(32, 5.0), 32, "uV"))
    out.append(("Nasal Pressure", 80 * breath + noise(32, 5.0), 32, "uV"))
    out.append(("Thorax", 200 * breath + noise(32, 10.0), 32, "uV"))
    out.append(("Abdomen", 150 * breath + noise(32, 10.0), 32, "uV"))
    out.append(("Snore", noise(256, 2.0, 0.0), 256, "uV"))
    out.append(("SpO2", (96 + noise(1, 0.7)).astype(np.float32), 1, "%"))
    out.append(("Pulse", (65 + noise(1, 2.0)).astype(np.float32), 1, "bpm"))
    out.append(("Position", np.full(d, 1.0, dtype=np.float32), 1, ""))
    out.append(("Light", np.full(d, 0.0, dtype=np.float32), 1, ""))
    return out


def _annotations(night: SyntheticNight) -> pd.DataFrame:
    """EDF+ annotations: stages, respiratory events, arousals, lights off/on."""
    hyp = night.hypnogram.to_frame()
    parts = [
        pd.DataFrame(
            {
                "onset": hyp["onset"],
                "duration": hyp["duration"],
                "description": "Sleep stage " + hyp["stage"].astype(str),
            }
        ),
        pd.DataFrame(
            {
                "onset": night.respiratory["onset"],
                "duration": night.respiratory["duration"],
                "description": night.respiratory["type"].astype(str),
            }
        ),
        pd.DataFrame(
            {
                "onset": night.arousals["onset"],
                "duration": night.arousals["duration"],
                "description": "Arousal",
            }
        ),
        pd.DataFrame(
            {
                "onset": [night.lights_off_s, night.lights_on_s],
                "duration": [0.0, 0.0],
                "description": ["Lights off", "Lights on"],
            }
        ),
    ]
    ann = pd.concat([p for p in parts if len(p)], ignore_index=True)
    ann = ann[ann["onset"] < int(night.duration_s)]  # the EDF holds whole seconds
    return ann.sort_values("onset", kind="stable").reset_index(drop=True)


def write_night_edf(
    night: SyntheticNight,
    path: str | os.PathLike[str],
    other_channels: bool = True,
) -> None:
    """Write a synthetic night as an EDF+C file with :func:`plm.io.edf.write_edf`.

    Channels: ``Leg L`` and ``Leg R`` (µV, at ``fs_hz``), ``ECG`` when present and, with
    ``other_channels``, 17 cheap placeholder channels at realistic rates (EEG C3-M2,
    C4-M1, F3-M2, F4-M1, O1-M2, O2-M1, EOG E1-M2/E2-M2 and Chin at 256 Hz; Airflow,
    Nasal Pressure, Thorax, Abdomen at 32 Hz; Snore at 256 Hz; SpO2, Pulse, Position,
    Light at 1 Hz).  Annotations: ``Sleep stage W/N1/N2/N3/R`` per epoch, the
    respiratory event types, ``Arousal``, ``Lights off`` and ``Lights on``.  Signals are
    cut to whole seconds (1-s data records).

    Parameters
    ----------
    night : SyntheticNight
    path : path-like
        Output ``.edf`` file (written atomically by the writer).
    other_channels : bool
        Add the placeholder PSG channels.
    """
    from plm.io.edf import SignalSpec, write_edf  # colleague's writer (architecture.md)

    d = int(night.duration_s)
    specs = []

    def add(label: str, data: np.ndarray, fs: float, unit: str, symmetric: bool = False) -> None:
        data = np.asarray(data[: int(round(d * fs))], dtype=np.float32)
        if symmetric:
            top = float(np.ceil(max(float(np.abs(data).max()) * 1.1, 100.0) / 10.0) * 10.0)
            lo, hi = -top, top
        else:
            lo, hi = _spec_range(data)
        specs.append(
            SignalSpec(
                label=label,
                data=data,
                fs_hz=fs,
                physical_dimension=unit,
                physical_min=lo,
                physical_max=hi,
            )
        )

    add("Leg L", night.left_uv, night.fs_hz, "uV", symmetric=True)
    add("Leg R", night.right_uv, night.fs_hz, "uV", symmetric=True)
    if night.ecg_uv is not None:
        add("ECG", night.ecg_uv, float(night.ecg_fs_hz or night.fs_hz), "uV", symmetric=True)
    if other_channels:
        seed = night.params.get("seed")
        rng = np.random.default_rng(None if seed is None else int(seed) + 7919)
        for label, data, fs, unit in _other_channels(night, rng):
            if label == "SpO2" and night.spo2 is not None:  # opt-in planted SpO2
                data, fs = night.spo2, float(night.spo2_fs_hz or 1.0)
            add(label, data, fs, unit)
    write_edf(
        path,
        specs,
        night.start_datetime,
        annotations=_annotations(night),
        record_duration_s=1.0,
        file_type="EDF+C",
    )
