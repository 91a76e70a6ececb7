"""Axivity AX3/AX6 ``.cwa`` files: a small numpy reader of the open CWA format.

The Open Movement CWA format: a 1024-byte header (``MD``), then 512-byte data blocks
(``AX``) with packed or unpacked samples, fractional time stamps and checksums; see
:func:`read_cwa`.  One file per device (ankle).  The writer used by the tests is
:func:`plm.simulate.cwa.write_cwa`.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm.accel.data import to_grid
from plm.events import InputError

__all__ = ["read_cwa", "cwa_rate_hz"]

_CWA_HEADER_BYTES = 1024
_CWA_BLOCK = 512


def cwa_rate_hz(code: int) -> float:
    """Sampling rate (Hz) of a CWA rate code: 3200 / 2^(15 - (code & 15))."""
    return 3200.0 / (1 << (15 - (code & 0x0F)))


def _cwa_times(packed: np.ndarray) -> np.ndarray:
    """Packed CWA time stamps (YYYYYYMM MMDDDDDh hhhhmmmm mmssssss) → datetime64[s]."""
    p = packed.astype(np.int64)
    parts = pd.DataFrame(
        {
            "year": ((p >> 26) & 0x3F) + 2000,
            "month": (p >> 22) & 0x0F,
            "day": (p >> 17) & 0x1F,
            "hour": (p >> 12) & 0x1F,
            "minute": (p >> 6) & 0x3F,
            "second": p & 0x3F,
        }
    )
    return pd.to_datetime(parts, errors="coerce").to_numpy("datetime64[ns]")


def read_cwa(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, float, datetime, pd.DataFrame, dict]:
    """Read an Axivity AX3/AX6 ``.cwa`` file (Open Movement CWA format, open specification).

    The format: a 1024-byte header (``MD``) then 512-byte data blocks (``AX``), each with a
    packed RTC time stamp, a sample index at which it holds (``timestampOffset``), an
    optional 1/65536-s fractional part (``deviceFractional`` top bit), the rate code
    (3200 / 2^(15 - code & 15) Hz), the packing (``numAxesBPS``: 3 or 6 axes; 16-bit
    signed values scaled by 1/2^(8+n) g with n from the top 3 bits of ``lightScale``, or
    10-bit values with a 2-bit exponent in 1/256 g) and a checksum (the 16-bit word sum of
    the block is 0).  Blocks failing the checksum are dropped with a warning.  For 6-axis
    (AX6) files the accelerometer is the last three axes.

    Returns
    -------
    xyz_g : ndarray of float32, shape (n, 3)
        Acceleration (g) on a uniform grid at the nominal rate from the first sample;
        NaN inside gaps.
    fs_hz : float
        Nominal sampling rate.
    start : datetime
        Clock time of the first sample.
    gaps : DataFrame
        Holes in the data longer than :data:`plm.accel.data.MAX_HOLE_S`.
    info : dict
        ``device_id``, ``session_id``, ``n_blocks``, ``n_bad_blocks``, ``measured_fs_hz``.

    Raises
    ------
    InputError
        For a file that is not a CWA file or holds no valid data block.
    """
    p = Path(path)
    source = str(p)
    raw = np.fromfile(p, dtype=np.uint8)
    if raw.size < _CWA_HEADER_BYTES or raw[:2].tobytes() != b"MD":
        raise InputError("not an Axivity CWA file (no 'MD' header)", source)
    device_id = int(raw[5]) | (int(raw[6]) << 8)
    session_id = int(raw[7:11].view("<u4")[0])
    nb = (raw.size - _CWA_HEADER_BYTES) // _CWA_BLOCK
    if nb == 0:
        raise InputError("CWA file holds no data block", source)
    blocks = raw[_CWA_HEADER_BYTES : _CWA_HEADER_BYTES + nb * _CWA_BLOCK].reshape(nb, _CWA_BLOCK)
    is_data = (blocks[:, 0] == ord("A")) & (blocks[:, 1] == ord("X"))
    words = blocks.view("<u2")
    ok_sum = (words.sum(axis=1, dtype=np.uint64) & 0xFFFF) == 0
    bad = is_data & ~ok_sum
    blocks = blocks[is_data & ok_sum]
    info: dict[str, Any] = {
        "device_id": device_id,
        "session_id": session_id,
        "n_blocks": int(is_data.sum()),
        "n_bad_blocks": int(bad.sum()),
    }
    if len(blocks) == 0:
        raise InputError("no valid CWA data block (bad checksums?)", source)

    def u16(off: int) -> np.ndarray:
        return blocks[:, off : off + 2].copy().view("<u2")[:, 0].astype(np.int64)

    def i16(off: int) -> np.ndarray:
        return blocks[:, off : off + 2].copy().view("<i2")[:, 0].astype(np.int64)

    dev_frac = u16(4)
    sequence = blocks[:, 10:14].copy().view("<u4")[:, 0].astype(np.int64)
    stamp = blocks[:, 14:18].copy().view("<u4")[:, 0]
    light = u16(18)
    rate_code = blocks[:, 24].astype(np.int64)
    axes_bps = blocks[:, 25].astype(np.int64)
    ts_off = i16(26)
    count = u16(28)
    order = np.argsort(sequence, kind="stable")
    if np.any(order != np.arange(order.size)):
        blocks, dev_frac, stamp, light, rate_code = (
            blocks[order],
            dev_frac[order],
            stamp[order],
            light[order],
            rate_code[order],
        )
        axes_bps, ts_off, count = axes_bps[order], ts_off[order], count[order]
    if np.unique(rate_code).size > 1 or np.unique(axes_bps).size > 1:
        raise InputError("CWA blocks change sampling rate or packing mid-file", source)
    fs = cwa_rate_hz(int(rate_code[0]))
    n_axes = int(axes_bps[0] >> 4)
    packing = int(axes_bps[0] & 0x0F)
    if packing == 0 and n_axes == 3:
        per_block = 120
        v = blocks[:, 30:510].copy().view("<u4").astype(np.int64)  # (nb, 120)
        e = v >> 30

        def s10(x: np.ndarray) -> np.ndarray:
            x = x & 0x3FF
            return (x ^ 0x200) - 0x200

        vals = np.stack((s10(v) << e, s10(v >> 10) << e, s10(v >> 20) << e), axis=-1)
        scale = np.full(len(blocks), 1.0 / 256.0)
    elif packing == 2 and n_axes in (3, 6, 9):
        per_block = 480 // (2 * n_axes)
        v = blocks[:, 30 : 30 + per_block * n_axes * 2].copy().view("<i2")
        v = v.reshape(len(blocks), per_block, n_axes).astype(np.int64)
        a0 = 0 if n_axes == 3 else 3  # AX6: Gx Gy Gz Ax Ay Az
        vals = v[:, :, a0 : a0 + 3]
        scale = 1.0 / (2.0 ** (8 + (light >> 13)))
    else:
        raise InputError(f"unsupported CWA packing 0x{int(axes_bps[0]):02x}", source)
    count = np.minimum(count, per_block)
    # time of each block's sample 0 (s from the first block's whole-second stamp)
    when = _cwa_times(stamp)
    if np.isnat(when).any():
        raise InputError("CWA block with an invalid time stamp", source)
    base = when[0]
    secs = (when - base) / np.timedelta64(1, "s")
    frac = np.where(dev_frac & 0x8000, (dev_frac & 0x7FFF) << 1, 0)
    ts_off = ts_off + ((frac * int(fs)) >> 16)  # undo the backwards-compatible shim
    t_ref = secs + frac / 65536.0
    j = np.arange(per_block)
    t_samp = t_ref[:, None] + (j[None, :] - ts_off[:, None]) / fs
    valid = j[None, :] < count[:, None]
    t_flat = t_samp[valid]
    xyz = (vals * scale[:, None, None])[valid].astype(np.float64)
    t0 = float(t_flat.min())
    t_rel = t_flat - t0
    start = pd.Timestamp(base).to_pydatetime() + timedelta(seconds=t0)
    grid, gaps = to_grid(t_rel, xyz, fs, source)
    span = float(t_rel.max())
    info["measured_fs_hz"] = float((t_rel.size - 1) / span) if span > 0 else fs
    return grid, fs, start, gaps, info
