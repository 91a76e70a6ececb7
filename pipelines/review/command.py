"""``plm review RESULT_DIR``: the review page of a scored night.

The page needs the leg EMG, which a result folder does not hold: the recording is read
and detected once more with the result's settings (``plm.score(..., keep_signals=True)``
in two steps: :func:`plm.api.prepare_recording`), found by ``--recording`` or by the
summary's input file name (with the same SHA-256) in the result folder, its parent or
the working folder.  The movements shown are always the result folder's; the
recording supplies the EMG, the arousals and the respiratory events.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

import numpy as np

from plm.events import InputError
from plm.results import PLMResult

__all__ = ["find_input", "write_review", "add_parsers"]

logger = logging.getLogger(__name__)


def find_input(
    entry: dict[str, Any] | None, places: list[Path], given: str | os.PathLike[str] | None = None
) -> Path | None:
    """A file named in a summary's ``inputs`` (``file``, ``sha256``), or None.

    Parameters
    ----------
    entry : dict or None
        One item of the summary's ``inputs``.
    places : list of Path
        Folders searched for the file name, in order.
    given : path-like, optional
        A path given by the user: used when it exists (its checksum is not compared).
    """
    if given is not None:
        p = Path(given)
        return p if p.is_file() else None
    if not entry:
        return None
    from plm._util import sha256_file

    name, sha = Path(str(entry.get("file", ""))).name, entry.get("sha256")
    for place in places:
        p = place / name
        if name and p.is_file() and (sha is None or sha256_file(p) == sha):
            return p
    return None


def _same_movements(detected: Any, scored: Any) -> bool:
    """Every movement of the result starts where a detected one does (fusion keeps onsets)."""
    for side in set(scored["side"].astype(str)) if len(scored) else ():
        d = np.sort(detected.loc[detected["side"].astype(str) == side, "onset"].to_numpy(float))
        s = scored.loc[scored["side"].astype(str) == side, "onset"].to_numpy(float)
        if not d.size:
            return False
        k = np.clip(np.searchsorted(d, s), 1, max(d.size - 1, 1))
        near = np.minimum(np.abs(d[k - 1] - s), np.abs(d[np.minimum(k, d.size - 1)] - s))
        if (near > 1e-3).any():
            return False
    return True


def write_review(
    result_dir: str | os.PathLike[str],
    recording: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    stem: str | None = None,
) -> tuple[Path, str]:
    """Write the review page of the result in ``result_dir``.

    Parameters
    ----------
    result_dir : path-like
        A result folder (or its ``<stem>_summary.json``).
    recording : path-like, optional
        The recording (default: found from the summary's inputs).
    out : path-like, optional
        Output file (default ``<result folder>/<stem>_review.html``).
    stem : str, optional
        Which result of a folder holding several.

    Returns
    -------
    (Path, str)
        The page, and a note (empty, or why the EMG is missing or differs).
    """
    from pipelines.review.page import PAGE_SUFFIX, write_review_page
    from plm._util import output_file
    from plm.api import prepare_recording
    from plm.review import folder_checksum

    result = PLMResult.from_dir(result_dir, stem=stem)
    folder = result.directory or Path(result_dir)
    checksum = folder_checksum(folder, result.stem)
    inputs = list(result.summary.get("inputs") or [])
    places = [folder, folder.parent, Path.cwd()]
    path = find_input(inputs[0] if inputs else None, places, recording)
    note, events = "", None
    if path is None:
        note = "EMG not shown: the recording was not found (plm review ... --recording FILE)"
    else:
        places.insert(0, path.parent)
        ann = [find_input(e, places) for e in inputs[1:]]
        if any(a is None for a in ann):
            note = "annotation files of the result not found: the recording's own events shown"
        chans = result.summary.get("channels") or {}
        prepared = prepare_recording(
            path,
            [a for a in ann if a is not None] or None,
            result.rules,
            left=chans.get("left"),
            right=chans.get("right"),
            allow_poor_signal=True,
            keep_signals=True,
        )
        result.signals = prepared.detection.signals
        events = prepared.events
        if not _same_movements(prepared.events.movements, result.movements):
            note = (
                "the recording, detected again, gives other movements than this result "
                "(other file or settings?): the EMG may not match the marks"
            )
    dest = Path(out) if out else output_file(folder, result.stem, PAGE_SUFFIX)
    if dest.is_dir():
        dest = output_file(dest, result.stem, PAGE_SUFFIX)
    write_review_page(result, dest, checksum, events, note)
    return dest, note


def _cmd_review(args: argparse.Namespace) -> int:
    path = Path(args.result)
    if not path.exists():
        raise InputError("no such result folder or summary file", source=str(path))
    dest, note = write_review(path, args.recording, args.out, args.stem)
    print(f"review page -> {dest}" + (f" ({note})" if note else ""))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``plm review``."""
    p = sub.add_parser(
        "review",
        help="write the review page (one offline HTML file) of a scored night",
        description="Write <stem>_review.html: overview of the night, every movement with "
        "both legs' EMG, keyboard review (accept, reject, move, add, undo) and export of "
        "the edits as JSON for `plm rescore`. See docs/review.md.",
    )
    p.add_argument("result", help="result folder (or its <stem>_summary.json)")
    p.add_argument("--recording", default=None, help="the recording (default: found by name)")
    p.add_argument("--out", default=None, help="output .html file or folder")
    p.add_argument("--stem", default=None, help="which result of a folder holding several")
    p.set_defaults(handler=_cmd_review, out_file_ok=True)
