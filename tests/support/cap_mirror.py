"""A miniature PhysioNet CAP Sleep Database tree, for tests and demos of ``plm validate-cap``.

:func:`build_cap_mirror` writes ``ROOT/capslpdb/1.0.0/`` laid out like the real database
(``https://physionet.org/files/capslpdb/1.0.0/``): per record an ``<rec>.edf`` and a
RemLogic ``<rec>.txt`` hypnogram, a ``RECORDS`` list and a ``SHA256SUMS.txt``.  Serve
``ROOT`` over HTTP and point ``--base-url`` (or ``PLMKIT_PHYSIONET_URL``) at it.

What the generated records look like
------------------------------------
* **Signals** come from :func:`plm.simulate.nights.simulate_night`: ``plm*`` records get a high
  periodic-movement rate (``plm_rate_per_h``, default 40-80 per hour of recording), every
  other record (``n*`` controls) a low one (``control_rate_per_h``, default 0-5 per hour).
  Each record has its own seed derived from its name and ``seed``, so a record's bytes do
  not depend on which other records are built.
* **EDF**: plain EDF (not EDF+, like CAP), written with :func:`plm.io.edf.write_edf`.  The
  two tibialis channels carry CAP-style labels that vary by record (:data:`LEG_LABELS`:
  ``Tib dx``/``Tib sx``, ``TIB Dx``/``TIB Sx``, ``tib dx``/``tib sin``,
  ``DX1-DX2``/``SX1-SX2``; dx = right, sx/sin = left), in a CAP-like channel order with
  ``Fp2-F4``, ``F4-C4``, ``C4-A1``, ``ROC-LOC`` and the chin ``EMG1-EMG2`` (which has
  bursts of its own and must never be taken for a leg).
* **Hypnogram** ``.txt`` in CAP's RemLogic export layout: ``Patient ID:``, ``Recording
  Date:`` (dd/mm/yyyy), optionally an ``Events Included:`` list, a blank line, then the
  tab-separated table ``Sleep Stage, Position, Time [hh:mm:ss], Event, Duration[s],
  Location`` (one record in four omits ``Position``, as some CAP files do).  One
  ``SLEEP-S0``/``S1``/``S2``/``S3``/``S4``/``SLEEP-REM`` row per 30-s epoch (R&K stages:
  the simulated N3 is written as S3 or S4; a night too short for a REM period gets the
  second half of its last N2 run relabelled REM, which keeps sleep vs wake), plus
  ``MCAP-A1``/``MCAP-A2`` rows in NREM.
  Clock times start at the EDF start time and cross midnight.
* Everything is small (default 45 min, legs at 256 Hz, other channels at 128 Hz: about
  5.5 MB per record) so that a CI run stays fast.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import re
import sys
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from plm._util import atomic_write, sha256_file

__all__ = [
    "DATABASE",
    "VERSION",
    "LEG_LABELS",
    "build_cap_mirror",
    "record_leg_labels",
    "write_sha256sums",
    "corrupt_file",
    "main",
]

logger = logging.getLogger(__name__)

DATABASE = "capslpdb"
VERSION = "1.0.0"

#: (right, left) leg labels used by the generated records, chosen per record.
LEG_LABELS: tuple[tuple[str, str], ...] = (
    ("Tib dx", "Tib sx"),
    ("TIB Dx", "TIB Sx"),
    ("tib dx", "tib sin"),
    ("DX1-DX2", "SX1-SX2"),
)

_RECORD_RE = re.compile(r"^([A-Za-z]+)(\d*)$")
_RK = {"W": ("W", "SLEEP-S0"), "N1": ("S1", "SLEEP-S1"), "N2": ("S2", "SLEEP-S2"),
       "R": ("R", "SLEEP-REM")}  # fmt: skip
_POSITIONS = ("Unknown Position", "Supine", "Left", "Right")
_EVENTS_INCLUDED = (
    "SLEEP-S0", "SLEEP-S1", "SLEEP-S2", "SLEEP-S3", "SLEEP-S4", "SLEEP-REM", "SLEEP-MT",
    "MCAP-A1", "MCAP-A2", "MCAP-A3",
)  # fmt: skip


def _split(record: str) -> tuple[str, int]:
    m = _RECORD_RE.match(record)
    if not m:
        raise ValueError(f"record name {record!r}: use letters then digits, e.g. plm1, n3")
    return m.group(1).lower(), int(m.group(2) or 0)


def _is_patient(record: str) -> bool:
    return _split(record)[0] == "plm"


def _variant(record: str) -> int:
    """Index of the label/layout variant of a record: plm1, plm2, n1, n2 all differ."""
    prefix, num = _split(record)
    return (max(num, 1) - 1 + (0 if prefix == "plm" else 2)) % len(LEG_LABELS)


def record_leg_labels(record: str) -> tuple[str, str]:
    """Return the ``(right, left)`` leg labels the mirror gives ``record``."""
    return LEG_LABELS[_variant(record)]


def _record_seed(record: str, seed: int) -> int:
    return (zlib.crc32(record.encode("ascii")) + 7919 * int(seed)) % (2**31)


def _rate(spec: float | tuple[float, float], rng: np.random.Generator) -> float:
    if isinstance(spec, (int, float)):
        return float(spec)
    lo, hi = spec
    return float(rng.uniform(lo, hi))


def _start_datetime(record: str, duration_s: float, day: datetime) -> datetime:
    """A start between 0 and ~20 min before the night's midpoint, so the night crosses 00:00."""
    jitter = zlib.crc32(record.encode("ascii")) % 1200
    midnight = datetime(day.year, day.month, day.day) + timedelta(days=1)
    return midnight - timedelta(seconds=int(duration_s * 0.5) + jitter)


def _colored_noise(rng: np.random.Generator, n: int, scale: float, alpha: float = 0.9):
    from scipy.signal import lfilter

    w = rng.standard_normal(n)
    return scale * lfilter([1 - alpha], [1, -alpha], w) / np.sqrt((1 - alpha) / (1 + alpha))


def _other_channels(
    rng: np.random.Generator, n_s: int, fs: int
) -> list[tuple[str, np.ndarray, str]]:
    """EEG/EOG placeholders and a chin EMG with bursts (label, data µV, transducer)."""
    n = n_s * fs
    out = [
        ("Fp2-F4", _colored_noise(rng, n, 25.0), "AgAgCl electrode"),
        ("F4-C4", _colored_noise(rng, n, 25.0), "AgAgCl electrode"),
        ("C4-A1", _colored_noise(rng, n, 30.0), "AgAgCl electrode"),
        ("ROC-LOC", _colored_noise(rng, n, 40.0, 0.98), "AgAgCl electrode"),
    ]
    chin = rng.standard_normal(n) * 4.0
    for onset in rng.uniform(0, max(n_s - 5, 1), size=max(1, n_s // 240)):
        a, b = int(onset * fs), int((onset + rng.uniform(1.0, 4.0)) * fs)
        chin[a:b] *= rng.uniform(8.0, 25.0)  # chin bursts: EMG, but not a leg
    out.append(("EMG1-EMG2", chin, "AgAgCl electrode"))
    return out


def _edf(
    path: Path,
    record: str,
    night,
    n_s: int,
    fs_legs: int,
    fs_other: int,
    rng: np.random.Generator,
) -> None:
    from plm.io.edf import SignalSpec, write_edf

    right_label, left_label = record_leg_labels(record)

    def spec(label: str, data: np.ndarray, fs: int, transducer: str, prefilter: str):
        data = np.asarray(data[: n_s * fs], dtype=np.float64)
        top = float(np.ceil(max(np.abs(data).max() * 1.1, 100.0) / 10.0) * 10.0)
        return SignalSpec(
            label=label, data=data, fs_hz=fs, physical_dimension="uV",
            physical_min=-top, physical_max=top, transducer=transducer, prefilter=prefilter,
        )  # fmt: skip

    other = _other_channels(rng, n_s, fs_other)
    eeg = [spec(lab, x, fs_other, tr, "HP:0.3Hz LP:30Hz") for lab, x, tr in other[:4]]
    chin = spec(other[4][0], other[4][1], fs_other, other[4][2], "HP:10Hz LP:100Hz")
    legs = [
        spec(right_label, night.right_uv, fs_legs, "AgAgCl electrode", "HP:10Hz LP:100Hz"),
        spec(left_label, night.left_uv, fs_legs, "AgAgCl electrode", "HP:10Hz LP:100Hz"),
    ]
    # CAP-like order: EEG/EOG, chin, legs (the DX/SX records list the legs before the chin)
    ordered = [*eeg, *legs, chin] if _variant(record) == 3 else [*eeg, chin, *legs]
    write_edf(
        path,
        ordered,
        night.start_datetime,
        record_duration_s=1.0,
        file_type="EDF",
        patient_id=f"{record} X X X",
    )


def _with_rem(stages: list[str]) -> list[str]:
    """Relabel the second half of the last N2 run as REM when a short night has none.

    The first simulated cycle lasts ~90 min, so a 45-min night has no REM.  Only sleep
    stages are changed (N2 -> R), never sleep vs wake, so every planted movement keeps
    its sleep/wake attribution.
    """
    if "R" in stages:
        return stages
    idx = [i for i, st in enumerate(stages) if st == "N2"]
    if not idx:
        return stages
    end = idx[-1]
    start = end
    while start > 0 and stages[start - 1] == "N2":
        start -= 1
    half = start + (end - start + 1) // 2
    return [*stages[:half], *(["R"] * (end + 1 - half)), *stages[end + 1 :]]


def _hypnogram_txt(record: str, night, n_s: int, rng: np.random.Generator) -> str:
    """The RemLogic/CAP ``.txt`` export of the night's hypnogram and CAP A-phases."""
    variant = _variant(record)
    with_position = variant != 3
    start = night.start_datetime
    stages = _with_rem(list(night.hypnogram.stages))
    epoch = float(night.hypnogram.epoch_s)
    deep = "S4" if rng.random() < 0.5 else "S3"
    rows: list[tuple[float, str, str, str, float, str]] = []  # t, stage, pos, event, dur, loc
    position = _POSITIONS[0]
    for k, st in enumerate(stages):
        t = k * epoch
        if t + epoch > n_s:
            break
        if rng.random() < 0.02:
            position = _POSITIONS[int(rng.integers(0, len(_POSITIONS)))]
        if st == "N3":  # R&K: mostly the record's deep-sleep code, some of the other
            code = deep if rng.random() < 0.8 else ("S3" if deep == "S4" else "S4")
            event = f"SLEEP-{code}"
        else:
            code, event = _RK.get(str(st), ("W", "SLEEP-S0"))
        loc = "ROC-LOC" if code in ("W", "R") else "C4-A1"
        rows.append((t, code, position, event, 30.0, loc))
        if code in ("S1", "S2", "S3", "S4") and rng.random() < 0.25:
            off = float(rng.integers(1, 25))
            a = "MCAP-A1" if rng.random() < 0.7 else "MCAP-A2"
            rows.append((t + off, code, position, a, float(rng.integers(2, 20)), "Fp2-F4"))
    rows.sort(key=lambda r: r[0])
    head = [f"Patient ID:\t{record}", f"Recording Date:\t{start:%d/%m/%Y}"]
    if variant in (0, 2):
        head += ["", "Events Included:", *_EVENTS_INCLUDED]
    cols = ["Sleep Stage", "Position", "Time [hh:mm:ss]", "Event", "Duration[s]", "Location"]
    if not with_position:
        cols.remove("Position")
    lines = [*head, "", "\t".join(cols)]
    for t, code, pos, event, dur, loc in rows:
        clock = (start + timedelta(seconds=t)).strftime("%H:%M:%S")
        fields = [code, pos, clock, event, f"{dur:g}", loc]
        if not with_position:
            del fields[1]
        lines.append("\t".join(fields))
    newline = "\r\n" if variant == 1 else "\n"  # some exports have Windows line ends
    return newline.join(lines) + newline


def build_cap_mirror(
    root: str | os.PathLike[str],
    records: Sequence[str] = ("plm1", "plm2", "n1", "n2"),
    duration_s: float = 2700.0,
    fs_hz: int = 256,
    *,
    other_fs_hz: int = 128,
    seed: int = 0,
    plm_rate_per_h: float | tuple[float, float] = (40.0, 80.0),
    control_rate_per_h: float | tuple[float, float] = (0.0, 5.0),
    isolated_per_h: float = 8.0,
    recording_day: datetime = datetime(2006, 11, 6),
) -> Path:
    """Write a miniature ``capslpdb/1.0.0`` tree under ``root``.

    Parameters
    ----------
    root : path-like
        The tree goes to ``root/capslpdb/1.0.0/``; serve ``root`` as the ``/files`` root.
    records : sequence of str
        Record names (``plm<k>`` are patients, anything else a control).
    duration_s : float
        Length of each recording, s (at least 300; whole seconds are written).
    fs_hz : int
        Sampling rate of the leg channels, Hz (integer: 1-s data records).
    other_fs_hz : int
        Sampling rate of the EEG/EOG/chin channels, Hz.
    seed : int
        Base seed; each record's seed also depends on its name.
    plm_rate_per_h, control_rate_per_h : float or (float, float)
        Periodic movements per hour of recording for ``plm*`` records and for the others
        (a range is drawn from uniformly, per record).
    isolated_per_h : float
        Isolated (non-periodic) movements per hour, every record.
    recording_day : datetime
        Date of the first evening; every recording crosses the following midnight.

    Returns
    -------
    Path
        ``root/capslpdb/1.0.0``.

    Notes
    -----
    ``SHA256SUMS.txt`` lists every file of the directory (not itself), as PhysioNet
    publishes it.  The files are written atomically; building again overwrites them.
    """
    from plm.simulate.nights import simulate_night

    names = list(dict.fromkeys(records))
    if not names:
        raise ValueError("build_cap_mirror: no record given")
    for r in names:
        _split(r)
    if int(fs_hz) != fs_hz or int(other_fs_hz) != other_fs_hz:
        raise ValueError("fs_hz and other_fs_hz must be whole numbers (1-s data records)")
    n_s = int(duration_s)
    out = Path(root) / DATABASE / VERSION
    out.mkdir(parents=True, exist_ok=True)
    for rec in names:
        rseed = _record_seed(rec, seed)
        rng = np.random.default_rng(rseed)
        rate = _rate(plm_rate_per_h if _is_patient(rec) else control_rate_per_h, rng)
        night = simulate_night(
            duration_s=float(n_s),
            fs_hz=float(fs_hz),
            seed=rseed,
            plms_per_h=rate,
            isolated_per_h=isolated_per_h,
            start_datetime=_start_datetime(rec, n_s, recording_day),
        )
        _edf(out / f"{rec}.edf", rec, night, n_s, int(fs_hz), int(other_fs_hz), rng)
        txt = _hypnogram_txt(rec, night, n_s, rng)
        with atomic_write(out / f"{rec}.txt", "w", encoding="ascii", newline="") as fh:
            fh.write(txt)
        logger.info("%s: %.1f periodic LMs/h planted, %d LMs", rec, rate, len(night.truth))
    write_sha256sums(out)
    return out


def write_sha256sums(directory: str | os.PathLike[str]) -> Path:
    """(Re)write ``RECORDS`` and ``SHA256SUMS.txt`` of a mirror directory.

    ``RECORDS`` lists the stems of the ``.edf`` files; ``SHA256SUMS.txt`` every file of
    the directory except itself and ``*.part`` leftovers (``sha256sum`` format, sorted),
    as PhysioNet publishes it.  Call it after adding or replacing files.

    Returns
    -------
    Path
        The ``SHA256SUMS.txt`` written.
    """
    out = Path(directory)
    records = sorted({p.stem for p in out.glob("*.edf")}, key=_sort_key)
    with atomic_write(out / "RECORDS", "w", encoding="ascii", newline="\n") as fh:
        fh.write("".join(f"{r}\n" for r in records))
    listed = sorted(
        p.name
        for p in out.iterdir()
        if p.is_file() and p.name != "SHA256SUMS.txt" and not p.name.endswith(".part")
    )
    sums = out / "SHA256SUMS.txt"
    with atomic_write(sums, "w", encoding="ascii", newline="\n") as fh:
        fh.write("".join(f"{sha256_file(out / n)}  {n}\n" for n in listed))
    return sums


def _sort_key(record: str) -> tuple[str, int]:
    try:
        return _split(record)
    except ValueError:
        return (record, 0)


def corrupt_file(path: str | os.PathLike[str], offset: int = 1000) -> str:
    """Flip one byte of ``path`` in place (after SHA256SUMS was written); return the new hash.

    For tests: the mirror then serves a file that does not match its published checksum.
    """
    p = Path(path)
    data = bytearray(p.read_bytes())
    data[min(offset, len(data) - 1)] ^= 0xFF
    p.write_bytes(bytes(data))
    return hashlib.sha256(bytes(data)).hexdigest()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.support.cap_mirror ROOT [--records plm1,n1] [--minutes 45]``."""
    p = argparse.ArgumentParser(
        prog="python -m tests.support.cap_mirror",
        description="Write a miniature PhysioNet CAP Sleep Database tree (synthetic "
        "records) to ROOT/capslpdb/1.0.0 for demos of `plm validate-cap`.",
    )
    p.add_argument("root")
    p.add_argument("--records", default="plm1,plm2,n1,n2", help="comma-separated names")
    p.add_argument("--minutes", type=float, default=45.0, help="length of each record")
    p.add_argument("--fs", type=int, default=256, help="leg EMG sampling rate, Hz")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    records = [r.strip() for r in args.records.split(",") if r.strip()]
    try:
        out = build_cap_mirror(
            args.root, records, duration_s=args.minutes * 60, fs_hz=args.fs, seed=args.seed
        )
    except ValueError as exc:
        print(f"cap_mirror: error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
