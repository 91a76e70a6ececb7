"""Axivity CWA writer: synthetic ankle accelerometry as the device's own file format.

The layout (1024-byte header, 512-byte data blocks, unpacked 16-bit or packed 10-bit
samples) follows the manufacturer's open format description (Axivity ``cwa.h``); the reader
is :func:`plm.accel.read_cwa`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import numpy as np

__all__ = ["write_cwa"]

_CWA_RATES = {6.25: 6, 12.5: 7, 25.0: 8, 50.0: 9, 100.0: 10, 200.0: 11, 400.0: 12, 800.0: 13}


def _cwa_stamp(when: datetime) -> int:
    return (
        ((when.year - 2000) & 0x3F) << 26
        | (when.month & 0x0F) << 22
        | (when.day & 0x1F) << 17
        | (when.hour & 0x1F) << 12
        | (when.minute & 0x3F) << 6
        | (when.second & 0x3F)
    )


def write_cwa(
    path: str | os.PathLike[str],
    xyz_g: np.ndarray,
    fs_hz: float,
    start_datetime: datetime,
    *,
    packed: bool = False,
    fractional: bool = True,
    device_id: int = 4242,
    session_id: int = 1,
) -> None:
    """Write acceleration (g) as an Axivity AX3 ``.cwa`` file (Open Movement CWA format).

    Parameters
    ----------
    path : path-like
        Output file (written atomically).
    xyz_g : array, shape (n, 3)
        Acceleration (g); clipped to ±8 g.
    fs_hz : float
        One of the CWA rates (6.25, 12.5, 25, 50, 100, 200, 400, 800 Hz).
    start_datetime : datetime
        Time of the first sample (sub-second part kept with ``fractional``).
    packed : bool
        Packing format 0 (3 × 10-bit + exponent, 120 samples per block) instead of 2
        (3 × int16 in 1/256 g, 80 samples per block).
    fractional : bool
        Store the 1/65536-s fraction of each block's time stamp (``deviceFractional`` top
        bit); else whole-second stamps with the sample index at which they hold.
    device_id, session_id : int
        Header identifiers.
    """
    from plm._util import atomic_write

    if float(fs_hz) not in _CWA_RATES:
        raise ValueError(f"CWA rates are {sorted(_CWA_RATES)} Hz, got {fs_hz}")
    code = (1 << 6) | _CWA_RATES[float(fs_hz)]  # +-8 g range, rate code
    x = np.clip(np.asarray(xyz_g, dtype=np.float64), -8.0, 8.0) * 256.0
    per = 120 if packed else 80
    nb = -(-x.shape[0] // per)
    header = np.zeros(1024, dtype=np.uint8)
    header[:2] = np.frombuffer(b"MD", np.uint8)
    header[2:4] = np.frombuffer(np.uint16(1020).tobytes(), np.uint8)
    header[4] = 0x17
    header[5:7] = np.frombuffer(np.uint16(device_id & 0xFFFF).tobytes(), np.uint8)
    header[7:11] = np.frombuffer(np.uint32(session_id).tobytes(), np.uint8)
    header[36] = code
    header[41] = 48
    meta = b"_c=plmkit%20synthetic"
    header[64:512] = 0x20
    header[64 : 64 + len(meta)] = np.frombuffer(meta, np.uint8)
    header[512:] = 0xFF
    blocks = np.zeros((nb, 512), dtype=np.uint8)
    blocks[:, 0:2] = np.frombuffer(b"AX", np.uint8)
    blocks[:, 2:4] = np.frombuffer(np.uint16(508).tobytes(), np.uint8)
    blocks[:, 6:10] = np.frombuffer(np.uint32(session_id).tobytes(), np.uint8)
    blocks[:, 24] = code
    blocks[:, 25] = 0x30 if packed else 0x32
    start = start_datetime
    for b in range(nb):  # loop per 512-byte block
        t_b = start + timedelta(seconds=b * per / fs_hz)
        whole = t_b.replace(microsecond=0)
        frac_s = (t_b - whole).total_seconds()
        if fractional:
            frac16 = int(frac_s * 65536) & 0xFFFE
            dev = 0x8000 | (frac16 >> 1)
            ts_off = -((frac16 * int(fs_hz)) >> 16)
            stamp = whole
        else:
            dev = device_id & 0x7FFF
            stamp = whole + timedelta(seconds=1) if frac_s > 0 else whole
            ts_off = int(round((stamp - t_b).total_seconds() * fs_hz))
        blocks[b, 4:6] = np.frombuffer(np.uint16(dev).tobytes(), np.uint8)
        blocks[b, 10:14] = np.frombuffer(np.uint32(b).tobytes(), np.uint8)
        blocks[b, 14:18] = np.frombuffer(np.uint32(_cwa_stamp(stamp)).tobytes(), np.uint8)
        blocks[b, 26:28] = np.frombuffer(np.int16(ts_off).tobytes(), np.uint8)
        chunk = x[b * per : (b + 1) * per]
        blocks[b, 28:30] = np.frombuffer(np.uint16(len(chunk)).tobytes(), np.uint8)
        if packed:
            m = np.abs(chunk).max(axis=1)
            e = np.select([m <= 511, m <= 1022, m <= 2044], [0, 1, 2], 3).astype(np.int64)
            v = np.clip(np.round(chunk / (2.0**e)[:, None]), -512, 511).astype(np.int64)
            word = (
                (e << 30)
                | ((v[:, 2] & 0x3FF) << 20)
                | ((v[:, 1] & 0x3FF) << 10)
                | (v[:, 0] & 0x3FF)
            ).astype("<u4")
            raw = word.view(np.uint8)
        else:
            raw = np.clip(np.round(chunk), -32768, 32767).astype("<i2").reshape(-1).view(np.uint8)
        blocks[b, 30 : 30 + raw.size] = raw
    words = blocks.view("<u2")
    total = words[:, :255].sum(axis=1, dtype=np.uint64)
    check = ((-total.astype(np.int64)) & 0xFFFF).astype("<u2")
    blocks[:, 510:512] = check.view(np.uint8).reshape(nb, 2)
    with atomic_write(path, "wb") as fh:
        fh.write(header.tobytes())
        fh.write(blocks.tobytes())
