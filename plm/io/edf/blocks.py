"""EDF/BDF data records: one pass over the records in 16-MB blocks, samples to µV.

Each record holds ``samples_per_record[i]`` little-endian int16 (EDF) or int24 (BDF)
samples of each signal in turn.  :func:`read_signals` reads several signals in one pass;
:func:`read_pass` also keeps the annotation bytes and hashes every byte it reads, so a
recording is read from disk once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from plm.events import InputError
from plm.io.edf.header import EdfHeader, SignalHeader
from plm.io.remote import is_url, open_url

__all__ = ["RecordPass", "read_pass", "read_signals", "read_signal", "read_digital"]

#: Bytes of data records read at a time (one reused buffer).
_BLOCK_BYTES = 16 << 20


def _record_blocks(header: EdfHeader, sha: Any | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(first record, (k, record_bytes) uint8 block)`` over the data records.

    One reused buffer of about 16 MB: reading two leg channels touches each page of the
    file once and keeps only the output arrays resident (a memory map of the whole file
    made the resident size grow by the file size; see benchmarks/README.md).  The block
    is overwritten by the next iteration: copy what you keep.

    Parameters
    ----------
    header : EdfHeader
        From :func:`~plm.io.edf.read_header`.
    sha : hashlib hash object, optional
        Updated with every byte of the file, in order, from the bytes read here: the
        header as :func:`~plm.io.edf.read_header` read it, each block, then any bytes
        after the last data record (read once the generator is exhausted).
    """
    n, rb = header.n_records, header.record_bytes
    if sha is not None:
        sha.update(header.raw_header_bytes())
    per = max(1, _BLOCK_BYTES // rb) if rb > 0 else 1
    buf = np.empty((min(per, n), rb), dtype=np.uint8) if n > 0 and rb > 0 else None
    try:
        with _open_records(header) as fh:
            for k0 in range(0, n if buf is not None else 0, per):
                block = buf[: min(per, n - k0)]
                got = _read_into(fh, memoryview(block).cast("B"))
                if got != block.size:
                    raise InputError(
                        f"truncated: data records end at record {k0 + got // rb} of {n}",
                        str(header.path),
                    )
                if sha is not None:
                    sha.update(memoryview(block).cast("B"))
                yield k0, block
            if sha is not None:  # trailing bytes (a partial record, padding): hashed too
                # at most what the file held when its header was read: a file that keeps
                # growing (or a device given by mistake) must not be read without end
                left = _trailing_bytes(header)
                while left > 0:
                    chunk = fh.read(min(left, 1 << 20))
                    if not chunk:
                        break
                    sha.update(chunk)
                    left -= len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read data records: {exc}", str(header.path)) from None


def _read_into(fh: Any, view: memoryview) -> int:
    """Fill ``view`` from ``fh``; return the bytes read (fewer only at the end of the file).

    A network stream may return a short read before its end: read again until full.
    """
    got = fh.readinto(view) or 0
    while 0 < got < len(view):
        more = fh.readinto(view[got:]) or 0
        if more == 0:
            break
        got += more
    return got


def _open_records(header: EdfHeader) -> Any:
    """The file positioned at the first data record.

    A URL's stream (:mod:`plm.io.remote`) is taken over from the header, which read its
    first bytes: the records follow without a new request, and the stream is closed after
    this pass (a second pass opens the URL again).
    """
    stream = header._cache.pop("stream", None)
    if stream is None and isinstance(header.path, str) and is_url(header.path):
        stream, _ = open_url(header.path)
    if stream is None:
        stream = open(header.path, "rb")  # noqa: SIM115 (closed by the caller's with)
    if stream.tell() != header.header_bytes:
        stream.seek(header.header_bytes)
    return stream


def _trailing_bytes(header: EdfHeader) -> int:
    """Bytes after the last data record when the header was read (0 when unknown)."""
    size = header._cache.get("file_size")
    if size is None:  # a header built by hand: the file as it is now
        try:
            size = header.path.stat().st_size
        except OSError:
            return 0
    return max(0, int(size) - header.header_bytes - header.n_records * header.record_bytes)


@dataclass
class RecordPass:
    """What one pass over the data records collected (see :func:`read_pass`).

    Attributes
    ----------
    signals : list of ndarray
        One array per requested signal, physical units (µV for voltage channels).
    annotation_bytes : dict
        ``{annotation signal index: (n_records, n_bytes) uint8}`` raw TAL bytes.
    sha256 : str or None
        Hex SHA-256 of the whole file, when asked for.
    """

    signals: list[np.ndarray]
    annotation_bytes: dict[int, np.ndarray] = field(default_factory=dict)
    sha256: str | None = None


def read_pass(
    header: EdfHeader,
    indices: Sequence[int],
    dtype: Any = np.float32,
    annotations: Sequence[int] = (),
    sha256: bool = False,
) -> RecordPass:
    """Read signals, annotation bytes and the file's checksum in one pass over the records.

    Parameters
    ----------
    header : EdfHeader
        From :func:`~plm.io.edf.read_header`.
    indices : sequence of int
        Data signals to read (not annotation signals).
    dtype : numpy dtype
        Output float type (float32 by default).
    annotations : sequence of int
        Annotation signals whose raw bytes to keep (for the EDF+ time keeping and TALs).
    sha256 : bool
        Also compute the SHA-256 of the whole file from the bytes read (it equals
        ``hashlib.sha256`` of the file).

    Returns
    -------
    RecordPass

    Raises
    ------
    InputError
        For an index out of range, an annotation signal in ``indices``, or a truncated
        or unreadable file.
    """
    sigs = [_signal(header, int(i)) for i in indices]
    for sig in sigs:
        if sig.is_annotation:
            raise InputError(
                f"signal {sig.index} ({sig.label!r}) is an annotation signal", str(header.path)
            )
    ann = [_signal(header, int(i)) for i in annotations]
    bps = header.bytes_per_sample
    outs = [np.empty(header.n_records * sig.samples_per_record, dtype=dtype) for sig in sigs]
    raws = {
        a.index: np.empty((header.n_records, a.samples_per_record * bps), dtype=np.uint8)
        for a in ann
    }
    sha = hashlib.sha256() if sha256 else None
    for k0, block in _record_blocks(header, sha):
        for sig, out in zip(sigs, outs, strict=True):
            spr = sig.samples_per_record
            phys = _to_physical(_digital(block, sig, bps), sig, dtype)
            out[k0 * spr : k0 * spr + phys.size] = phys
        for a in ann:
            nbytes = a.samples_per_record * bps
            raws[a.index][k0 : k0 + len(block)] = block[:, a.byte_offset : a.byte_offset + nbytes]
    return RecordPass(outs, raws, sha.hexdigest() if sha is not None else None)


def _signal(header: EdfHeader, index: int) -> SignalHeader:
    """Return signal ``index``; InputError when out of range."""
    if not 0 <= index < len(header.signals):
        raise InputError(
            f"signal index {index} out of range (file has {len(header.signals)} signals)",
            str(header.path),
        )
    return header.signals[index]


def _digital(records: np.ndarray, sig: SignalHeader, bps: int) -> np.ndarray:
    """Return the digital samples of ``sig`` as a ``(n_records, spr)`` int16/int32 array."""
    n = records.shape[0]
    spr = sig.samples_per_record
    cols = records[:, sig.byte_offset : sig.byte_offset + spr * bps]
    if bps == 2:
        # the last axis is contiguous, so this views the block without copying
        return cols.view("<i2").reshape(n, spr)
    # int24: put the three bytes in the top of a little-endian int32, shift back (sign-extends)
    quad = np.zeros((n, spr, 4), dtype=np.uint8)
    quad[:, :, 1:] = cols.reshape(n, spr, 3)
    return quad.view("<i4").reshape(n, spr) >> 8


def _to_physical(digital: np.ndarray, sig: SignalHeader, dtype: Any) -> np.ndarray:
    """Scale digital samples to physical values (µV for voltage channels), flattened."""
    factor = sig.uv_per_unit if sig.uv_per_unit is not None else 1.0
    gain = np.asarray(sig.gain * factor, dtype=dtype)
    offset = np.asarray(sig.offset * factor, dtype=dtype)
    out = digital.astype(dtype).reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):  # checked by the callers that care
        np.multiply(out, gain, out=out)
        np.add(out, offset, out=out)
    return out


def read_signals(
    header: EdfHeader, indices: Sequence[int], dtype: Any = np.float32
) -> list[np.ndarray]:
    """Read several signals in one pass over the data records.

    Parameters
    ----------
    header : EdfHeader
        From :func:`read_header`.
    indices : sequence of int
        Signal indices (not annotation signals).
    dtype : numpy dtype
        Output float type (float32 by default).

    Returns
    -------
    list of ndarray
        One contiguous 1-D array of ``n_records * samples_per_record`` physical values per
        signal, in µV for voltage channels and in the header unit otherwise.

    Raises
    ------
    InputError
        For an index out of range or an annotation signal.
    """
    return read_pass(header, indices, dtype=dtype).signals


def read_signal(header: EdfHeader, index: int, dtype: Any = np.float32) -> np.ndarray:
    """Read one signal in physical units (µV for voltage channels).

    Only the bytes of this signal are copied out of the file's data records.  Scale and
    offset are computed in float64 and applied in ``dtype``.

    Parameters
    ----------
    header : EdfHeader
        From :func:`read_header`.
    index : int
        Signal index.
    dtype : numpy dtype
        Output float type (float32 by default).

    Returns
    -------
    ndarray
        ``n_records * samples_per_record`` samples at the signal's native rate
        (``fs_hz``), records concatenated (gaps of EDF+D files are not filled: see
        :func:`sample_segments`).
    """
    return read_signals(header, [index], dtype=dtype)[0]


def read_digital(header: EdfHeader, index: int) -> np.ndarray:
    """Return the raw digital samples (int16 for EDF, int32 for BDF) of one signal, 1-D."""
    sig = _signal(header, index)
    parts = [
        _digital(block, sig, header.bytes_per_sample).reshape(-1).copy()
        for _, block in _record_blocks(header)
    ]
    dtype = "<i2" if header.bytes_per_sample == 2 else "<i4"
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
