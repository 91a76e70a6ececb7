"""EDF/BDF header: the data classes and :func:`read_header` (parsing and validation).

File layout (EDF spec, Kemp et al. 1992; EDF+ spec, Kemp & Olivan 2003): a 256-byte fixed
header, 256 bytes per signal, then ``n_records`` data records.  Physical value =
(digital - dmin) * (pmax - pmin) / (dmax - dmin) + pmin.  Voltage channels are read in
microvolts (:func:`uv_per_unit`).
"""

from __future__ import annotations

import logging
import math
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from plm.events import InputError
from plm.io.remote import is_url, open_url

__all__ = ["FILE_TYPES", "SAMPLE_RANGE", "EdfHeader", "SignalHeader", "read_header", "uv_per_unit"]


log = logging.getLogger(__name__)

#: File types :func:`read_header` reports and :func:`write_edf` accepts.
FILE_TYPES: tuple[str, ...] = ("EDF", "EDF+C", "EDF+D", "BDF", "BDF+C", "BDF+D")

_FIXED_HEADER_BYTES = 256
_BDF_VERSION = b"\xffBIOSEMI"
_ANNOTATION_LABELS = ("edf annotations", "bdf annotations")
_CONTIGUITY_TOL_S = 1e-6
#: Digital sample range of each file type: 16-bit (EDF) and 24-bit (BDF) two's complement.
SAMPLE_RANGE: dict[int, tuple[int, int]] = {2: (-32768, 32767), 3: (-8388608, 8388607)}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_EDFPLUS_STARTDATE = re.compile(r"^Startdate\s+(\d{1,2})-([A-Za-z]{3})-(\d{4})\b")

# (name, width) of the per-signal header fields, in file order.
_SIGNAL_FIELDS: tuple[tuple[str, int], ...] = (
    ("label", 16),
    ("transducer", 80),
    ("physical_dimension", 8),
    ("physical_min", 8),
    ("physical_max", 8),
    ("digital_min", 8),
    ("digital_max", 8),
    ("prefilter", 80),
    ("samples_per_record", 8),
    ("reserved", 32),
)

_UV_PER_UNIT: dict[str, float] = {
    "uv": 1.0,
    "\u00b5v": 1.0,  # micro sign
    "\u03bcv": 1.0,  # Greek small mu
    "microvolt": 1.0,
    "microvolts": 1.0,
    "mv": 1e3,
    "millivolt": 1e3,
    "millivolts": 1e3,
    "v": 1e6,
    "volt": 1e6,
    "volts": 1e6,
    "nv": 1e-3,
    "nanovolt": 1e-3,
    "nanovolts": 1e-3,
}


# --------------------------------------------------------------------------------------
# data classes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalHeader:
    """Header of one signal (channel) of an EDF/BDF file.

    Attributes
    ----------
    index : int
        Position of the signal in the file (0-based, annotation signals included).
    label, transducer, physical_dimension, prefilter : str
        Header text, trailing spaces removed.
    physical_min, physical_max : float
        Physical range, in ``physical_dimension`` units.
    digital_min, digital_max : int
        Digital range (ADC counts).
    samples_per_record : int
        Samples of this signal in each data record.
    fs_hz : float
        Sampling rate, Hz (``samples_per_record / record_duration_s``; 0 when the record
        duration is 0, as in annotation-only files).
    uv_per_unit : float or None
        Microvolts per physical unit (1 for uV, 1e3 for mV, 1e6 for V, 1e-3 for nV), None
        when the unit is not a voltage.
    resolution_uv : float or None
        Microvolts per digital step, None when the unit is not a voltage.
    is_annotation : bool
        True for an ``EDF Annotations`` / ``BDF Annotations`` signal.
    reserved : str
        The 32-byte reserved field.
    byte_offset : int
        Offset of this signal's samples inside a data record, bytes.
    """

    index: int
    label: str
    transducer: str
    physical_dimension: str
    physical_min: float
    physical_max: float
    digital_min: int
    digital_max: int
    prefilter: str
    samples_per_record: int
    fs_hz: float
    uv_per_unit: float | None
    resolution_uv: float | None
    is_annotation: bool = False
    reserved: str = ""
    byte_offset: int = 0

    @property
    def gain(self) -> float:
        """Physical units per digital step (negative for an inverted physical range)."""
        return (self.physical_max - self.physical_min) / (self.digital_max - self.digital_min)

    @property
    def offset(self) -> float:
        """Physical value of digital 0, in physical units."""
        return self.physical_min - self.gain * self.digital_min

    @property
    def is_voltage(self) -> bool:
        """True when the physical unit is a voltage (uV, mV, V, nV)."""
        return self.uv_per_unit is not None


@dataclass(frozen=True)
class EdfHeader:
    """Header of an EDF/EDF+/BDF/BDF+ file.

    Attributes
    ----------
    path : Path
        The file.
    file_type : str
        One of ``EDF``, ``EDF+C``, ``EDF+D``, ``BDF``, ``BDF+C``, ``BDF+D``.
    start_datetime : datetime
        Start date and time of the recording (naive, local clock time).
    n_records : int
        Number of data records.
    record_duration_s : float
        Duration of one data record, s.
    signals : list of SignalHeader
        All signals, annotation signals included (flagged ``is_annotation``).
    annotation_indices : list of int
        Indices of the EDF+/BDF+ annotation signals.
    duration_s : float
        Amount of recorded data, ``n_records * record_duration_s`` (s).  For EDF+D the
        recording spans longer; see :func:`segments`.
    patient_id, recording_id : str
        The 80-character identification fields.
    header_bytes : int
        Bytes before the first data record (``256 * (n_signals + 1)``).
    record_bytes : int
        Bytes per data record.
    bytes_per_sample : int
        2 (EDF) or 3 (BDF).
    """

    path: Path
    file_type: str
    start_datetime: datetime
    n_records: int
    record_duration_s: float
    signals: list[SignalHeader]
    annotation_indices: list[int]
    duration_s: float
    patient_id: str = ""
    recording_id: str = ""
    header_bytes: int = 0
    record_bytes: int = 0
    bytes_per_sample: int = 2
    _cache: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def is_bdf(self) -> bool:
        """True for BDF/BDF+ (24-bit samples)."""
        return self.file_type.startswith("BDF")

    @property
    def is_plus(self) -> bool:
        """True for EDF+/BDF+ (``+C`` or ``+D``)."""
        return "+" in self.file_type

    @property
    def labels(self) -> list[str]:
        """Labels of all signals, in file order."""
        return [s.label for s in self.signals]

    @property
    def data_signals(self) -> list[SignalHeader]:
        """Signals that are not annotation signals."""
        return [s for s in self.signals if not s.is_annotation]

    def raw_header_bytes(self) -> bytes:
        """The ``header_bytes`` bytes :func:`read_header` read (the file's first bytes)."""
        raw = self._cache.get("raw_header")
        if raw is None:  # a header built by hand: read them
            try:
                with open(self.path, "rb") as fh:
                    raw = fh.read(self.header_bytes)
            except OSError as exc:
                raise InputError(f"cannot read file: {exc}", str(self.path)) from None
        return raw


# --------------------------------------------------------------------------------------
# header reading
# --------------------------------------------------------------------------------------


def uv_per_unit(dimension: str) -> float | None:
    """Return microvolts per unit of a physical dimension, or None if not a voltage.

    Parameters
    ----------
    dimension : str
        Physical dimension as written in the header (``uV``, ``µV``, ``mV``, ``V``...),
        case-insensitive.

    Returns
    -------
    float or None
        1 for microvolts, 1e3 for millivolts, 1e6 for volts, 1e-3 for nanovolts.
    """
    return _UV_PER_UNIT.get(dimension.strip().lower())


def _decode_text(raw: bytes) -> str:
    """Decode a header text field (ASCII by the spec; UTF-8 or Latin-1 in the wild)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.rstrip(" \x00")


def _parse_number(text: str, name: str, source: str, integer: bool = False, where: str = "") -> Any:
    """Parse a numeric header field; InputError naming the field when it is not a number."""
    s = text.strip().replace(",", ".")
    what = f"header field '{name}'" + (f" {where}" if where else "")
    try:
        value = float(s)
    except ValueError:
        raise InputError(f"{what} is not a number: {text!r}", source) from None
    if not math.isfinite(value):
        raise InputError(f"{what} is not a finite number: {text!r}", source)
    if integer:
        if value != int(value):
            raise InputError(f"{what} is not an integer: {text!r}", source)
        return int(value)
    return value


def _parse_start(date: str, time: str, recording_id: str, plus: bool, source: str) -> datetime:
    """Return the start date/time from ``dd.mm.yy`` + ``hh.mm.ss`` (EDF+ 4-digit year)."""
    dparts = re.split(r"[.:/\-\s]", date.strip())
    tparts = re.split(r"[.:/\-\s]", time.strip())
    year4: int | None = None
    match = _EDFPLUS_STARTDATE.match(recording_id.strip()) if plus else None
    if match and match.group(2).upper() in _MONTHS:
        year4 = int(match.group(3))
    try:
        day, month = int(dparts[0]), int(dparts[1])
        yy_text = dparts[2]
        if year4 is not None:
            year = year4
        else:
            yy = int(yy_text)
            year = 1900 + yy if 85 <= yy <= 99 else 2000 + yy
    except (ValueError, IndexError):
        raise InputError(
            f"header field 'startdate' is not a date dd.mm.yy: {date!r}", source
        ) from None
    try:
        hour, minute, second = (int(p) for p in tparts[:3])
        if len(tparts) != 3:
            raise ValueError
    except ValueError:
        raise InputError(
            f"header field 'starttime' is not a time hh.mm.ss: {time!r}", source
        ) from None
    if match and year4 is not None:
        d4, m4 = int(match.group(1)), _MONTHS.index(match.group(2).upper()) + 1
        if (d4, m4) != (day, month):
            log.warning(
                "%s: EDF+ recording field date %s disagrees with start date %s; using %s",
                source,
                match.group(0),
                date,
                date,
            )
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise InputError(
            f"header start date/time is not valid: {date!r} {time!r}", source
        ) from None


def _file_type(version: bytes, reserved: str, source: str) -> tuple[str, int]:
    """Return (file type, bytes per sample) from the version and reserved fields."""
    res = reserved.strip().upper()
    if version == _BDF_VERSION:
        if res.startswith(("BDF+C", "EDF+C")):
            return "BDF+C", 3
        if res.startswith(("BDF+D", "EDF+D")):
            return "BDF+D", 3
        return "BDF", 3
    if version.rstrip(b" \x00") == b"0":
        if res.startswith("EDF+C"):
            return "EDF+C", 2
        if res.startswith("EDF+D"):
            return "EDF+D", 2
        return "EDF", 2
    shown = version.decode("latin-1")
    raise InputError(f"not an EDF/BDF file: version field is {shown!r}, expected '0'", source)


def read_header(path: str | os.PathLike[str]) -> EdfHeader:
    """Read and validate the header of an EDF, EDF+, BDF or BDF+ file.

    Parameters
    ----------
    path : str or path-like
        The file, or an fsspec URL (``s3://``, ``https://``, ``memory://``, see
        :mod:`plm.io.remote`): then ``EdfHeader.path`` is the URL string and the open
        stream, positioned at the first data record, is kept for the one pass over the
        records.

    Returns
    -------
    EdfHeader
        The header with one :class:`SignalHeader` per signal.

    Raises
    ------
    InputError
        When the file is empty or shorter than its header, is not EDF/BDF, has a
        non-numeric or inconsistent header field, or is truncated (fewer data bytes than
        the header declares).  Extra trailing bytes only log a warning.
    """
    url = path if is_url(path) else None
    if url is not None:  # fsspec URL: the header from the stream, the records follow it
        fh, size = open_url(url)
        try:
            fixed, sig_raw, file_type, bps, ns, header_bytes = _read_header_bytes(fh, size, url)
        except BaseException:
            fh.close()
            raise
        path, source = url, url
    else:
        path = Path(path)
        source = str(path)
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):  # a FIFO, device or folder would block or never end
                raise InputError(f"not a regular file ({_kind(st.st_mode)})", source)
            size = st.st_size
            with open(path, "rb", buffering=0) as fh:  # exactly the header's bytes
                fixed, sig_raw, file_type, bps, ns, header_bytes = _read_header_bytes(
                    fh, size, source
                )
        except OSError as exc:
            raise InputError(f"cannot read file: {exc.strerror or exc}", source) from None
        fh = None

    patient_id = _decode_text(fixed[8:88])
    recording_id = _decode_text(fixed[88:168])
    start = _parse_start(
        _decode_text(fixed[168:176]),
        _decode_text(fixed[176:184]),
        recording_id,
        "+" in file_type,
        source,
    )
    declared_hb = _parse_number(_decode_text(fixed[184:192]), "header bytes", source, True)
    if declared_hb != header_bytes:
        log.warning(
            "%s: header-bytes field says %d, expected %d for %d signals; using %d",
            source,
            declared_hb,
            header_bytes,
            ns,
            header_bytes,
        )
    n_records = _parse_number(_decode_text(fixed[236:244]), "number of data records", source, True)
    record_duration = _parse_number(
        _decode_text(fixed[244:252]), "duration of a data record", source
    )

    fields = _split_signal_fields(sig_raw, ns)
    signals_raw = [
        dict(zip(fields, vals, strict=True)) for vals in zip(*fields.values(), strict=True)
    ]
    signals = _build_signals(signals_raw, record_duration, bps, source)

    annotation_indices = [s.index for s in signals if s.is_annotation]
    annotation_only = len(annotation_indices) == ns
    if record_duration < 0 or (record_duration == 0 and not ("+" in file_type and annotation_only)):
        raise InputError(
            f"header field 'duration of a data record' must be > 0, got {record_duration:g}",
            source,
        )

    if "+" in file_type:
        for s in signals:
            if s.is_annotation and s.samples_per_record == 0:
                raise InputError(
                    f"samples_per_record of annotation signal {s.index} ({s.label!r}) is 0:"
                    " an EDF+ annotation signal must hold the time keeping of every record",
                    source,
                )
    record_bytes = sum(s.samples_per_record for s in signals) * bps
    if record_bytes <= 0:
        raise InputError("data records are empty (all samples_per_record are 0)", source)
    data_bytes = size - header_bytes
    if n_records == -1:
        n_records, extra = divmod(data_bytes, record_bytes)
        if extra:
            log.warning(
                "%s: number of records is -1 (unfinished recording); ignoring a trailing"
                " partial record of %d bytes",
                source,
                extra,
            )
    elif n_records < 0:
        raise InputError(f"header declares {n_records} data records", source)
    else:
        expected = n_records * record_bytes
        if data_bytes < expected:
            raise InputError(
                f"truncated: expected {expected} bytes of data records, found {data_bytes}",
                source,
            )
        extra = data_bytes - expected
        if n_records >= 2 and extra >= n_records * bps and extra % (n_records * bps) == 0:
            # every record is longer than declared: a samples_per_record field is wrong, and
            # reading the records at the declared size would shift every one of them
            raise InputError(
                f"the data are {n_records} records of {data_bytes // n_records} bytes, but the"
                f" samples_per_record fields declare {record_bytes} bytes per record",
                source,
            )
        if data_bytes > expected:
            log.warning(
                "%s: %d extra bytes after the last data record are ignored",
                source,
                data_bytes - expected,
            )

    header = EdfHeader(
        path=path,
        file_type=file_type,
        start_datetime=start,
        n_records=int(n_records),
        record_duration_s=float(record_duration),
        signals=signals,
        annotation_indices=annotation_indices,
        duration_s=float(n_records * record_duration),
        patient_id=patient_id,
        recording_id=recording_id,
        header_bytes=header_bytes,
        record_bytes=record_bytes,
        bytes_per_sample=bps,
    )
    header._cache["raw_header"] = fixed + sig_raw
    header._cache["file_size"] = size
    if fh is not None:  # a URL's open stream, positioned at the first data record
        header._cache["stream"] = fh
    return header


def _read_header_bytes(fh: Any, size: int, source: str) -> tuple[bytes, bytes, str, int, int, int]:
    """(fixed part, signal part, file type, bytes per sample, signals, header bytes) of ``fh``.

    Reads exactly the header's bytes from the start of the binary file object ``fh``
    (``size`` bytes long).
    """
    try:
        fixed = fh.read(_FIXED_HEADER_BYTES)
        if size < _FIXED_HEADER_BYTES:
            raise InputError(f"file is shorter than an EDF header ({size} bytes < 256)", source)
        version = fixed[0:8]
        reserved = _decode_text(fixed[192:236])
        file_type, bps = _file_type(version, reserved, source)
        ns = _parse_number(_decode_text(fixed[252:256]), "number of signals", source, True)
        if ns <= 0:
            raise InputError(f"header declares {ns} signals", source)
        header_bytes = _FIXED_HEADER_BYTES * (ns + 1)
        if size < header_bytes:
            raise InputError(
                f"file is shorter than its header ({size} bytes < {header_bytes} bytes"
                f" for {ns} signals)",
                source,
            )
        sig_raw = fh.read(header_bytes - _FIXED_HEADER_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}", source) from None
    return fixed, sig_raw, file_type, bps, ns, header_bytes


def _kind(mode: int) -> str:
    """Name the kind of a non-regular file from its ``st_mode``."""
    for test, name in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _split_signal_fields(raw: bytes, ns: int) -> dict[str, list[str]]:
    """Split the per-signal header block into ``{field name: [text per signal]}``."""
    out: dict[str, list[str]] = {}
    pos = 0
    for name, width in _SIGNAL_FIELDS:
        out[name] = [_decode_text(raw[pos + i * width : pos + (i + 1) * width]) for i in range(ns)]
        pos += ns * width
    return out


def _build_signals(
    raw: list[dict[str, str]], record_duration: float, bps: int, source: str
) -> list[SignalHeader]:
    """Parse and validate the per-signal header fields."""
    signals: list[SignalHeader] = []
    offset = 0
    for i, f in enumerate(raw):
        label = f["label"].strip()
        is_ann = label.lower() in _ANNOTATION_LABELS
        where = f"of signal {i} ({label!r})"
        spr = _parse_number(
            f["samples_per_record"], "samples_per_record", source, True, where=where
        )
        if spr < 0 or (spr == 0 and not is_ann):
            raise InputError(f"samples_per_record {where} must be > 0, got {spr}", source)
        if is_ann:
            # the numeric fields of annotation signals carry no meaning; tolerate junk
            pmin, pmax, dmin, dmax = _lenient_ranges(f)
        else:
            pmin = _parse_number(f["physical_min"], "physical_min", source, where=where)
            pmax = _parse_number(f["physical_max"], "physical_max", source, where=where)
            dmin = _parse_number(f["digital_min"], "digital_min", source, True, where=where)
            dmax = _parse_number(f["digital_max"], "digital_max", source, True, where=where)
            if dmax <= dmin:
                raise InputError(f"digital_max ({dmax}) <= digital_min ({dmin}) {where}", source)
            lo, hi = SAMPLE_RANGE[bps]
            for name, value in (("digital_min", dmin), ("digital_max", dmax)):
                if not lo <= value <= hi:
                    kind = "EDF 16-bit" if bps == 2 else "BDF 24-bit"
                    raise InputError(
                        f"header field '{name}' {where} is {value}, outside the {kind} sample"
                        f" range {lo}..{hi}",
                        source,
                    )
            if pmax == pmin:
                raise InputError(f"physical_max == physical_min ({pmin:g}) {where}", source)
        dimension = f["physical_dimension"].strip()
        upu = None if is_ann else uv_per_unit(dimension)
        resolution = None if upu is None else abs(pmax - pmin) / (dmax - dmin) * upu
        fs = spr / record_duration if record_duration > 0 else 0.0
        signals.append(
            SignalHeader(
                index=i,
                label=label,
                transducer=f["transducer"].strip(),
                physical_dimension=dimension,
                physical_min=float(pmin),
                physical_max=float(pmax),
                digital_min=int(dmin),
                digital_max=int(dmax),
                prefilter=f["prefilter"].strip(),
                samples_per_record=int(spr),
                fs_hz=float(fs),
                uv_per_unit=upu,
                resolution_uv=resolution,
                is_annotation=is_ann,
                reserved=f["reserved"].strip(),
                byte_offset=offset * bps,
            )
        )
        offset += spr
    return signals


def _lenient_ranges(f: dict[str, str]) -> tuple[float, float, int, int]:
    """Physical/digital ranges of an annotation signal, with defaults for junk values."""
    out: list[float] = []
    for key, default in (
        ("physical_min", -1.0),
        ("physical_max", 1.0),
        ("digital_min", -32768),
        ("digital_max", 32767),
    ):
        try:
            value = float(f[key].strip().replace(",", "."))
        except ValueError:
            value = default
        out.append(value if math.isfinite(value) and abs(value) < 1e300 else default)
    return out[0], out[1], int(out[2]), int(out[3])
