"""Byte-level EDF builders for the reader tests, independent of plm.io.edf.write_edf."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from plm.io.edf import EdfHeader, SignalHeader, uv_per_unit

REAL = Path(__file__).parent / "data" / "real"
NOX = REAL / "subject1.edf"
HYPNOGRAM = REAL / "SC4001EC-Hypnogram.edf"
SHORT_PSG = REAL / "short_psg.edf"


@dataclass
class RawSignal:
    """One signal of a hand-built EDF: header text fields and digital samples."""

    label: str
    spr: int
    digital: np.ndarray | None = None  # (n_records, spr) int; None for annotations
    dimension: str = "uV"
    pmin: str = "-3276.8"
    pmax: str = "3276.7"
    dmin: str = "-32768"
    dmax: str = "32767"
    transducer: str = ""
    prefilter: str = ""


@dataclass
class RawEdf:
    """A hand-built EDF file; every header field is text so tests can corrupt it."""

    signals: list[RawSignal]
    n_records: int
    duration: str = "1"
    reserved: str = ""
    startdate: str = "02.03.21"
    starttime: str = "04.05.06"
    patient: str = "X X X X"
    recording: str = "Startdate 02-MAR-2021 X X X"
    n_records_text: str | None = None
    ns_text: str | None = None
    version: bytes = b"0       "
    annotations: list[bytes] = field(default_factory=list)  # per record, TAL bytes

    def to_bytes(self) -> bytes:
        """Return the file bytes."""
        ns = len(self.signals)
        out = bytearray()
        out += self.version
        out += self.patient.ljust(80).encode()
        out += self.recording.ljust(80).encode()
        out += self.startdate.ljust(8).encode()
        out += self.starttime.ljust(8).encode()
        out += str(256 * (ns + 1)).ljust(8).encode()
        out += self.reserved.ljust(44).encode()
        out += (self.n_records_text or str(self.n_records)).ljust(8).encode()
        out += self.duration.ljust(8).encode()
        out += (self.ns_text or str(ns)).ljust(4).encode()
        for name, width in (
            ("label", 16),
            ("transducer", 80),
            ("dimension", 8),
            ("pmin", 8),
            ("pmax", 8),
            ("dmin", 8),
            ("dmax", 8),
            ("prefilter", 80),
        ):
            for s in self.signals:
                out += str(getattr(s, name)).ljust(width).encode("latin-1")
        for s in self.signals:
            out += str(s.spr).ljust(8).encode()
        for _ in self.signals:
            out += b" " * 32
        for k in range(self.n_records):
            for s in self.signals:
                if s.digital is None:
                    tal = self.annotations[k] if k < len(self.annotations) else b""
                    out += tal.ljust(2 * s.spr, b"\x00")
                else:
                    out += np.asarray(s.digital[k], dtype="<i2").tobytes()
        return bytes(out)

    def write(self, path: Path) -> Path:
        """Write the file and return its path."""
        path.write_bytes(self.to_bytes())
        return path


def edfplus_d_bytes(onsets: list[float], fs: int = 4) -> tuple[RawEdf, np.ndarray]:
    """Build an EDF+D file with one data signal and records at ``onsets`` (1-s records).

    Returns the builder and the digital samples concatenated over records.
    """
    n = len(onsets)
    digital = np.arange(n * fs, dtype=np.int64).reshape(n, fs) * 10 - 100
    tals = [f"+{t:g}\x14\x14\x00".encode() for t in onsets]
    tals[1] += b"+1.5\x15 0.25\x14Leg movement\x14\x00"
    raw = RawEdf(
        signals=[
            RawSignal("Leg L", fs, digital),
            RawSignal("EDF Annotations", 30, None, dimension=""),
        ],
        n_records=n,
        reserved="EDF+D",
        annotations=tals,
    )
    return raw, digital.reshape(-1)


def make_header(
    labels: list[str],
    fs: float | list[float] = 500.0,
    units: str | list[str] = "uV",
    pmax: float = 3276.7,
    dmax: int = 32767,
) -> EdfHeader:
    """Build an in-memory EdfHeader (no file) for channel-discovery tests."""
    n = len(labels)
    fss = fs if isinstance(fs, list) else [fs] * n
    unitss = units if isinstance(units, list) else [units] * n
    signals = []
    for i, (label, f, unit) in enumerate(zip(labels, fss, unitss, strict=True)):
        is_ann = label == "EDF Annotations"
        upu = None if is_ann else uv_per_unit(unit)
        signals.append(
            SignalHeader(
                index=i,
                label=label,
                transducer="",
                physical_dimension=unit,
                physical_min=-pmax,
                physical_max=pmax,
                digital_min=-dmax - 1,
                digital_max=dmax,
                prefilter="",
                samples_per_record=int(f),
                fs_hz=float(f),
                uv_per_unit=upu,
                resolution_uv=None if upu is None else 2 * pmax / (2 * dmax + 1) * upu,
                is_annotation=is_ann,
            )
        )
    from datetime import datetime

    return EdfHeader(
        path=Path("memory.edf"),
        file_type="EDF+C",
        start_datetime=datetime(2021, 3, 2),
        n_records=0,
        record_duration_s=1.0,
        signals=signals,
        annotation_indices=[s.index for s in signals if s.is_annotation],
        duration_s=0.0,
    )
