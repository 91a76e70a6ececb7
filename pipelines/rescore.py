"""``plm rescore RECORDING --edits FILE --out DIR``: score again after a technician's review.

The edit file is the review page's JSON export (``plm review``) or an annotation file
(EDF+ or a vendor export) holding the reviewed LM events.  The recording is read and
detected again with the result's settings, the detector's movements are replaced by the
reviewed set and the rules run again (:func:`plm.review.rescore_recording`).  Written into
``DIR``: the usual outputs (``<stem>_summary.json`` with an ``audit`` block,
``_candidates.tsv``, ``_movements.tsv``...) and ``<stem>_review_diff.tsv`` (one row per
added, removed or changed movement).

Safety: JSON edits made on another result (checksum mismatch) are refused with one line;
``DIR`` must not hold a result of that stem unless ``--force`` is given, and then the
files it replaces are first moved to ``DIR/pre_review_<UTC time>/`` so that the
pre-review outputs stay readable.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import datetime, timezone
from pathlib import Path

from pipelines.settings import add_scoring_args, settings_from_args
from plm._util import output_file, stem_of
from plm.events import InputError

__all__ = ["rescore", "add_parsers"]

logger = logging.getLogger(__name__)


def _keep_previous(out: Path, stem: str, force: bool) -> Path | None:
    """Refuse to overwrite a result of ``stem`` in ``out``, or move it aside (``force``)."""
    existing = sorted(p for p in out.glob(f"{stem}_*") if p.is_file()) if out.is_dir() else []
    if not existing:
        return None
    if not force:
        raise InputError(
            f"holds a result of {stem} ({existing[0].name}...); give a new folder or --force "
            "(the files replaced are kept in pre_review_<time>/)",
            source=str(out),
        )
    keep = out / f"pre_review_{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    keep.mkdir(parents=True, exist_ok=True)
    for p in existing:
        os.replace(p, keep / p.name)
    return keep


def rescore(
    recording: str | os.PathLike[str],
    edits_path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    force: bool = False,
    annotations: list[str] | None = None,
    edits_format: str | None = None,
    settings: object | None = None,
) -> tuple[object, dict[str, Path]]:
    """Rescore ``recording`` with the edits of ``edits_path`` into ``out``.

    Parameters
    ----------
    recording : path-like
        The recording the result was scored from.
    edits_path : path-like
        The review page's JSON export or an annotation file with the reviewed LMs.
    out : path-like
        Output folder.
    force : bool
        Replace a result of the same stem in ``out`` (moved to ``pre_review_<time>/``).
    annotations : list of str, optional
        The annotation files the result was scored with (default: the recording's own).
    edits_format : str, optional
        Force the format of an annotation edit file.
    settings : ScoringSettings, optional
        Rules, overrides, age group and legs for an annotation edit file (a JSON export
        carries its own).

    Returns
    -------
    (Rescored, dict)
        The outcome (:class:`plm.review.Rescored`) and the written paths.
    """
    from plm.results import write_tsv
    from plm.review import DIFF_SUFFIX, read_edits, rescore_recording

    edits = read_edits(edits_path, format=edits_format)
    kw = settings.score_kwargs() if settings is not None else {}  # type: ignore[attr-defined]
    kw.pop("annotation_format", None)
    dest = Path(out)
    stem = stem_of(recording)
    if not force:
        _keep_previous(dest, stem, False)  # refuse before the long part
    done = rescore_recording(
        recording,
        edits,
        annotations=annotations or None,
        annotation_format=getattr(settings, "annotation_format", None),
        edits_format=edits_format,
        **kw,
    )
    kept = _keep_previous(dest, done.reviewed.stem, force)
    paths = done.reviewed.to_dir(dest)
    paths["review_diff"] = output_file(dest, done.reviewed.stem, DIFF_SUFFIX)
    write_tsv(done.diff, paths["review_diff"])
    if kept is not None:
        logger.info("%s: previous outputs moved to %s", stem, kept)
    return done, paths


def _fmt(x: object) -> str:
    return "n/a" if x is None else f"{float(x):.1f}"  # type: ignore[arg-type]


def _cmd_rescore(args: argparse.Namespace) -> int:
    done, paths = rescore(
        args.recording,
        args.edits,
        args.out,
        force=args.force,
        annotations=args.annotations,
        edits_format=args.edits_format,
        settings=settings_from_args(args),
    )
    audit = done.reviewed.summary["audit"]  # type: ignore[attr-defined]
    ch = audit["changes"]
    idx = audit["indices"].get("plms_index") or {}
    print(
        f"{done.reviewed.stem}: {ch['removed']} removed, {ch['added']} added, "  # type: ignore[attr-defined]
        f"{ch['changed']} changed; PLMS index {_fmt(idx.get('before'))} -> "
        f"{_fmt(idx.get('after'))}/h -> {Path(args.out)}"
    )
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register ``plm rescore``."""
    p = sub.add_parser(
        "rescore",
        help="score a recording again with a technician's reviewed movements",
        description="Replace the detector's movements by the reviewed set (the review "
        "page's JSON export, or an annotation EDF+/vendor file with the LM events) and run "
        "the rules again; writes the usual outputs, <stem>_review_diff.tsv and an audit "
        "block in the summary. See docs/review.md.",
    )
    p.add_argument("recording", help="the recording the result was scored from")
    p.add_argument("--edits", required=True, help="edit file: *.json export or annotation file")
    p.add_argument("--out", required=True, help="output folder (a new one, or --force)")
    p.add_argument("--force", action="store_true", help="replace a result of the same stem")
    p.add_argument(
        "--annotations", nargs="+", default=None, help="annotation files the result used"
    )
    p.add_argument("--edits-format", default=None, help="force the edit file's annotation format")
    add_scoring_args(p, annotation_format=True)
    p.set_defaults(handler=_cmd_rescore)
