"""The review page: one self-contained HTML file to check every movement of a night.

:func:`write_review_page` writes ``<stem>_review.html``: no server, no CDN, no build step;
the script (``review.js``) and style (``review.css``) next to this module are inlined,
with the night's data:

* ``meta`` (JSON): the result's checksum (:func:`plm.review.folder_checksum`), its
  scoring settings, the rule thresholds, the movements (rows of ``<stem>_movements.tsv``,
  column arrays), the combined LMs (category, series, arousal, respiratory, stage), the
  hypnogram, arousals, respiratory events and unscored stretches;
* the EMG of both legs, only in windows around the movements (``WINDOW_S`` either side,
  merged where they overlap), decimated for display but faithful to peaks: the rectified
  EMG as the maximum of each 25-ms bin (:data:`RECT_HZ`; the rectified signal is >= 0
  and its minimum per bin is ~0, so the maximum is the min/max envelope of the
  conditioned signal), the moving-mean envelope the detector compares with its
  thresholds at :data:`ENV_HZ` and the resting baseline (piecewise constant per 0.1 s) at
  :data:`BASE_HZ`; each stream is one base64 ``uint16`` array (0.1 µV units, 65535 =
  no signal).  An 8-h night stays under ~11 MB even when the windows cover it all.

The page's keys, mouse actions and export format are described in ``docs/review.md``.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from pipelines import page
from plm._lazy import pandas as pd
from plm.results import PLMResult, to_jsonable
from plm.review import EDITS_FORMAT, EDITS_VERSION

__all__ = ["PAGE_SUFFIX", "WINDOW_S", "page_data", "render_page", "write_review_page"]

logger = logging.getLogger(__name__)

PAGE_SUFFIX = "_review.html"
#: EMG kept on each side of a movement (s).
WINDOW_S = 15.0
#: Display rates (Hz) of the rectified EMG maxima, the envelope and the baseline.
RECT_HZ, ENV_HZ, BASE_HZ = 40, 20, 10
#: Grid of the stored windows (s): one baseline sample.
_GRID_S = 1.0 / BASE_HZ
_MISSING = 65535
_SIDE_CODE = {"left": 0, "right": 1, "both": 2, "merged": 2}
_HERE = Path(__file__).resolve().parent


def _windows(result: PLMResult, duration_s: float) -> list[tuple[float, float]]:
    """Merged ``[start, end)`` windows (s, on the 0.1-s grid) around every movement."""
    mv = result.movements
    if not len(mv):
        return []
    on = mv["onset"].to_numpy(float)
    off = on + mv["duration"].to_numpy(float)
    lo = np.floor(np.maximum(on - WINDOW_S - 1.0, 0.0) / _GRID_S) * _GRID_S
    hi = np.ceil(np.minimum(off + WINDOW_S + 1.0, duration_s) / _GRID_S) * _GRID_S
    order = np.argsort(lo, kind="stable")
    out: list[list[float]] = []
    for a, b in zip(lo[order], hi[order], strict=True):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], float(b))
        else:
            out.append([float(a), float(b)])
    return [(a, b) for a, b in out if b > a]


def _u16(x: np.ndarray) -> np.ndarray:
    """µV → uint16 in 0.1 µV (NaN → 65535, clipped at 6553.4 µV)."""
    v = np.rint(np.nan_to_num(x, nan=-1.0) * 10.0)
    out = np.clip(v, 0, _MISSING - 1).astype(np.uint16)
    out[np.isnan(x)] = _MISSING
    return out


def _binned(
    t0: float, fs: float, x: np.ndarray, start: float, n_bins: int, rate: int, how: str
) -> np.ndarray:
    """``n_bins`` bins of ``1/rate`` s from ``start``: max or mean of ``x`` (NaN outside)."""
    out = np.full(n_bins, np.nan)
    edges = np.rint((start + np.arange(n_bins + 1) / rate - t0) * fs).astype(np.int64)
    lo, hi = edges[:-1], edges[1:]
    ok = (lo >= 0) & (hi <= len(x)) & (hi > lo)
    if not ok.any():
        return out
    k = np.flatnonzero(ok)
    seg = x[lo[k[0]] : hi[k[-1]]].astype(np.float64)
    idx = lo[k] - lo[k[0]]
    if how == "max":
        vals = np.maximum.reduceat(seg, idx)
    else:
        vals = np.add.reduceat(seg, idx) / (hi[k] - lo[k])
    last = hi[k] - lo[k[0]]
    # reduceat runs to the next index: the last bin ends at its own edge
    if how == "max":
        vals[-1] = seg[idx[-1] : last[-1]].max()
    else:
        vals[-1] = seg[idx[-1] : last[-1]].mean()
    out[k] = vals
    return out


def _signal_streams(
    result: PLMResult, windows: list[tuple[float, float]], envelope_s: float
) -> dict[str, dict[str, np.ndarray]]:
    """Per side: ``rect``, ``env``, ``base`` uint16 arrays over the windows, concatenated."""
    from plm.detect.emg import envelope
    from plm.detect.recording import rectified_segments

    segs = rectified_segments(result.signals or {})
    n10 = [int(round((b - a) / _GRID_S)) for a, b in windows]
    out: dict[str, dict[str, np.ndarray]] = {}
    for side, parts in segs.items():
        if not parts:
            continue
        streams: dict[str, list[np.ndarray]] = {"rect": [], "env": [], "base": []}
        for (a, b), n in zip(windows, n10, strict=True):
            acc = {
                "rect": np.full(n * RECT_HZ // BASE_HZ, np.nan),
                "env": np.full(n * ENV_HZ // BASE_HZ, np.nan),
                "base": np.full(n, np.nan),
            }
            for t0, fs, rect, base in parts:
                t1 = t0 + len(rect) / fs
                if t1 <= a or t0 >= b:
                    continue
                # the envelope of the window (plus its own half-width) only
                i0 = max(int(math.floor((a - t0) * fs)) - int(fs * envelope_s), 0)
                i1 = min(int(math.ceil((b - t0) * fs)) + int(fs * envelope_s) + 1, len(rect))
                piece = np.asarray(rect[i0:i1], dtype=np.float32)
                env = envelope(piece, fs, envelope_s) if envelope_s > 0 else piece
                tp = t0 + i0 / fs
                for name, x, tx, rate, how in (
                    ("rect", rect, t0, RECT_HZ, "max"),
                    ("env", env, tp, ENV_HZ, "mean"),
                    ("base", base, t0, BASE_HZ, "mean"),
                ):
                    if x is None:
                        continue
                    vals = _binned(tx, fs, np.asarray(x), a, len(acc[name]), rate, how)
                    fill = ~np.isnan(vals)
                    acc[name][fill] = vals[fill]
            for name in streams:
                streams[name].append(_u16(acc[name]))
        out[side] = {
            k: np.concatenate(v) if v else np.zeros(0, np.uint16) for k, v in streams.items()
        }
    return out


def _columns(frame: pd.DataFrame, cols: dict[str, str]) -> dict[str, list[Any]]:
    """Column arrays of a table for the page (``cols``: name → kind: f, i, s, b)."""
    out: dict[str, list[Any]] = {}
    for name, kind in cols.items():
        if name not in frame:
            continue
        v = frame[name]
        if kind == "f":
            out[name] = [None if pd.isna(x) else round(float(x), 6) for x in v]
        elif kind == "i":
            out[name] = [None if pd.isna(x) else int(x) for x in v]
        elif kind == "b":
            out[name] = [bool(x) if pd.notna(x) else False for x in v]
        else:
            out[name] = ["" if pd.isna(x) else str(x) for x in v]
    return out


def _intervals(frame: pd.DataFrame | None, extra: str | None = None) -> dict[str, list[Any]]:
    if frame is None or not len(frame):
        return {"onset": [], "duration": []}
    cols = {"onset": "f", "duration": "f"}
    if extra and extra in frame:
        cols[extra] = "s"
    return _columns(frame, cols)


def _duration_s(result: PLMResult) -> float:
    rec_h = result.summary.get("recording_h")
    if rec_h:
        return float(rec_h) * 3600.0
    ends = [1.0]
    if len(result.movements):
        ends.append(float((result.movements["onset"] + result.movements["duration"]).max()))
    if result.events.hypnogram is not None:
        ends.append(result.events.hypnogram.end_s)
    return max(ends)


def page_data(
    result: PLMResult,
    checksum: str,
    events: Any = None,
    note: str = "",
) -> tuple[dict[str, Any], dict[str, str]]:
    """The page's data: the ``meta`` object and the base64 signal streams.

    Parameters
    ----------
    result : PLMResult
        The scored night (movements and candidates as written in its folder); its
        ``signals`` (``plm.score(..., keep_signals=True)``) give the EMG.
    checksum : str
        The result's checksum (:func:`plm.review.folder_checksum`).
    events : NightEvents, optional
        Arousals and respiratory events (a result read from its folder has none).
    note : str
        A line shown on the page (e.g. why the EMG is missing).

    Returns
    -------
    (dict, dict)
        ``meta`` and ``{"<side>-<stream>": base64 text}``.
    """
    s = result.summary
    duration = _duration_s(result)
    rules = result.rules
    ev = events if events is not None else result.events
    windows = _windows(result, duration) if result.signals else []
    streams = _signal_streams(result, windows, float(rules.envelope_s)) if windows else {}
    blobs = {
        f"{side}-{name}": base64.b64encode(arr.astype("<u2").tobytes()).decode("ascii")
        for side, d in streams.items()
        for name, arr in d.items()
    }
    mv = result.movements
    cand = result.candidates
    hyp = result.events.hypnogram
    meta = {
        "format": EDITS_FORMAT,
        "version": EDITS_VERSION,
        "stem": result.stem,
        "checksum": checksum,
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "start_datetime": s.get("start_datetime"),
        "duration_s": duration,
        "note": note,
        "settings": {
            "rules": s.get("rules"),
            "age_group": s.get("age_group"),
            "channels": s.get("channels"),
            "inputs": s.get("inputs"),
        },
        "thresholds": {
            "onset_uv": float(rules.onset_above_baseline_uv),
            "offset_uv": float(rules.offset_above_baseline_uv),
        },
        "summary": {
            k: s.get(k)
            for k in ("plms_index", "plmw_index", "n_lm", "n_clm", "n_plm", "n_plm_series")
        },
        "movements": {
            **_columns(
                mv, {"onset": "f", "duration": "f", "peak_uv": "f", "lm_id": "i", "exclusion": "s"}
            ),
            "side": [_SIDE_CODE.get(str(x), 2) for x in mv["side"]] if len(mv) else [],
        },  # fmt: skip
        "candidates": _columns(
            cand,
            {
                "onset": "f",
                "duration": "f",
                "side": "s",
                "category": "s",
                "series": "i",
                "arousal": "b",
                "respiratory": "b",
                "candidate": "b",
                "stage": "s",
                "imi": "f",
                "exclusion": "s",
            },
        ),  # fmt: skip
        "hypnogram": None
        if hyp is None
        else {
            "epoch_s": float(hyp.epoch_s),
            "start_s": float(getattr(hyp, "start_s", 0.0)),
            "stages": [str(x) for x in hyp.stages],
        },
        "arousals": _intervals(ev.arousals),
        "respiratory": _intervals(ev.respiratory, "type"),
        "gaps": _intervals(result.events.gaps, "reason"),
        "signal": {
            "windows": [[round(a, 3), round(b, 3)] for a, b in windows],
            "rates": {"rect": RECT_HZ, "env": ENV_HZ, "base": BASE_HZ},
            "sides": sorted(streams),
            "scale_uv": 0.1,
            "missing": _MISSING,
        },
    }
    return to_jsonable(meta), blobs


def _asset(name: str) -> str:
    return (_HERE / name).read_text(encoding="utf-8")


def render_page(meta: dict[str, Any], blobs: dict[str, str]) -> str:
    """The review page as HTML text (everything inline)."""
    meta_json = json.dumps(meta, separators=(",", ":"), ensure_ascii=False)
    meta_json = meta_json.replace("</", "<\\/")  # never close the script element early
    data = "\n".join(
        f'<script type="text/plain" id="sig-{page.escape(k)}">{v}</script>'
        for k, v in sorted(blobs.items())
    )
    title = f"PLM review: {meta['stem']}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{page.escape(title)}</title>
<style>{_asset("review.css")}</style>
</head>
<body>
<header>
  <h1>{page.escape(title)}</h1>
  <div id="progress" aria-live="polite"></div>
  <label>Reviewer <input id="reviewer" type="text" size="14" autocomplete="off"></label>
  <button id="export" type="button" title="e">Export edits</button>
  <button id="help-btn" type="button" title="?">Keys</button>
</header>
<p id="note" class="note"></p>
<section id="overview-box"><canvas id="overview" height="190"></canvas>
<div id="ov-cursor"></div></section>
<section id="movement-box">
  <div id="info"></div>
  <canvas id="emg" height="380" tabindex="0"></canvas>
  <div id="legend">grey: rectified EMG (maximum per 25 ms) · <span style="color:#0072b2">blue:
  envelope</span> · black: resting baseline · <span style="color:#009e73">green dashed: baseline
  + offset threshold</span> · <span style="color:#d55e00">vermillion dashed: baseline + onset
  threshold</span> · shaded: movements (vermillion PLM, blue CLM, grey non-CLM, green added,
  crossed red rejected) · categories as scored; edits count after <code>plm rescore</code></div>
  <div id="status"></div>
</section>
<aside id="help" hidden>
<h2>Keys</h2>
<table>
<tr><td>→ j space / ← k</td><td>next / previous movement</td></tr>
<tr><td>Home / End, g</td><td>first / last; next unreviewed</td></tr>
<tr><td>a / r (x, Delete)</td><td>accept / reject, then next</td></tr>
<tr><td>[ ]  ({{ }} by 0.5 s)</td><td>onset earlier / later by 0.1 s</td></tr>
<tr><td>, .  (&lt; &gt; by 0.5 s)</td><td>offset earlier / later by 0.1 s</td></tr>
<tr><td>drag an edge</td><td>move the onset or offset of the current movement</td></tr>
<tr><td>n, then drag on a leg</td><td>add a missed movement on that leg (Esc cancels)</td></tr>
<tr><td>click a movement</td><td>select it; a click on the overview jumps there</td></tr>
<tr><td>u (Ctrl+Z)</td><td>undo the last edit</td></tr>
<tr><td>y</td><td>amplitude axis: square root / linear</td></tr>
<tr><td>e</td><td>export the edits (JSON for <code>plm rescore</code>)</td></tr>
</table>
</aside>
<script type="application/json" id="meta">{meta_json}</script>
{data}
<script>{_asset("review.js")}</script>
</body>
</html>
"""


def write_review_page(
    result: PLMResult,
    out: str | os.PathLike[str],
    checksum: str,
    events: Any = None,
    note: str = "",
) -> Path:
    """Write the review page of a scored night (atomically).

    Parameters
    ----------
    result : PLMResult
        The scored night; ``result.signals`` (kept rectified EMG) gives the EMG windows.
    out : path-like
        Output file, conventionally ``<stem>_review.html``.
    checksum : str
        The result's checksum (:func:`plm.review.folder_checksum`), written into every
        export so that ``plm rescore`` refuses edits made on another result.
    events : NightEvents, optional
        Arousals and respiratory events (default ``result.events``).
    note : str
        A line shown at the top of the page.

    Returns
    -------
    Path
        The written file.
    """
    meta, blobs = page_data(result, checksum, events, note)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    page.write_file(path, render_page(meta, blobs))
    logger.info("%s: review page written (%d movements)", path, len(result.movements))
    return path
