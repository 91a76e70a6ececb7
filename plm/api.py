"""Public entry points: :func:`score_events` (scored LMs) and :func:`score` (a recording)."""

from __future__ import annotations

import copy
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm._util import stem_of
from plm.engine import union_intervals
from plm.events import STAGES, Hypnogram, InputError, NightEvents, empty_intervals
from plm.night import score_night
from plm.results import PLMResult
from plm.rules import RuleProfile, get_rules

__all__ = [
    "score_events",
    "score",
    "score_profiles",
    "as_hypnogram",
    "score_night",
    "PreparedNight",
    "prepare_recording",
    "score_prepared",
]

logger = logging.getLogger(__name__)

PathLike = str | os.PathLike


#: YASA's integer stage codes (``yasa.hypno_str_to_int``): -1 artefact, -2 unscored.
YASA_INT_STAGES: dict[int, str] = {
    0: "W", 1: "N1", 2: "N2", 3: "N3", 4: "R", -1: "unscored", -2: "unscored",
}  # fmt: skip
_STAGE_ALIASES = {
    "REM": "R", "WAKE": "W", "S1": "N1", "S2": "N2", "S3": "N3", "S4": "N3",
    "ART": "unscored", "UNS": "unscored", "UNSCORED": "unscored",
}  # fmt: skip


def as_hypnogram(
    hypnogram: Any,
    epoch_s: float = 30.0,
    *,
    sf_hyp: float | None = None,
    start_s: float = 0.0,
) -> Hypnogram | None:
    """Coerce a hypnogram given as an object, a stage sequence or an epoch table.

    Parameters
    ----------
    hypnogram : Hypnogram, yasa.Hypnogram, sequence of str or int, DataFrame or None
        A :class:`~plm.events.Hypnogram`; a YASA-style hypnogram object (with ``.hypno``,
        the stage per epoch, and ``.freq``, the epoch length such as ``"30s"``); a
        sequence of stage codes, one per epoch of ``epoch_s`` (``W``, ``N1``, ``N2``,
        ``N3``, ``R``/``REM``, ``WAKE``, ``ART``/``UNS`` → unscored; or YASA's integers
        0-4, -1, -2); or a table with ``onset`` (s), ``stage`` and optionally
        ``duration`` (s, a multiple of the epoch).
    epoch_s : float
        Epoch length in seconds.
    sf_hyp : float, optional
        Sampling frequency of a per-epoch array in Hz, as YASA names it (``1/30`` for
        30-s epochs); overrides ``epoch_s``.
    start_s : float
        Start of the first epoch of a sequence (s from the recording start), e.g. the
        first sample of an MNE Raw whose ``first_samp`` is not 0.

    Raises
    ------
    InputError
        Unknown stage codes, overlapping epochs, or epochs shorter than 1 s (a
        hypnogram upsampled to the data: give the per-epoch one).
    """
    if sf_hyp is not None:
        if not sf_hyp > 0:
            raise InputError(f"sf_hyp must be > 0 Hz, got {sf_hyp}")
        epoch_s = 1.0 / float(sf_hyp)
    if hasattr(hypnogram, "hypno") and hasattr(hypnogram, "freq"):  # yasa.Hypnogram
        epoch_s = pd.Timedelta(hypnogram.freq).total_seconds()
        hypnogram = list(hypnogram.hypno)
    if hypnogram is None or isinstance(hypnogram, Hypnogram):
        return hypnogram
    if isinstance(hypnogram, pd.DataFrame):
        if not {"onset", "stage"} <= set(hypnogram.columns):
            raise InputError(
                f"hypnogram table needs columns onset and stage; has {list(hypnogram.columns)}"
            )
        h = hypnogram.sort_values("onset")
        onset = h["onset"].to_numpy(float)
        dur = h["duration"].to_numpy(float) if "duration" in h else np.full(len(h), epoch_s)
        n_ep = np.maximum(np.rint(dur / epoch_s).astype(int), 1)
        overlap = np.flatnonzero(onset[1:] < onset[:-1] + n_ep[:-1] * epoch_s - 1.0)
        if overlap.size:
            raise InputError(f"overlapping hypnogram epochs at t={onset[overlap[0] + 1]:g} s")
        if not len(h):
            return Hypnogram(np.array([], dtype=object), epoch_s=epoch_s)
        from plm.io.annotations import build_hypnogram  # the importers' epoch grid

        h = h.reset_index(drop=True)
        stages = h["stage"].astype(str).to_numpy(dtype=object)
        hyp, _ = build_hypnogram(
            h, np.arange(len(h)), onset, n_ep * epoch_s, stages, epoch_s, None, None
        )
        return hyp
    if epoch_s < 1.0:
        raise InputError(
            f"hypnogram epochs of {epoch_s:g} s: give one stage per scoring epoch (e.g. "
            "the per-epoch YASA array with sf_hyp=1/30), not one per data sample"
        )
    values = np.asarray(list(hypnogram))
    if values.dtype.kind in "iuf" and values.size:
        if values.dtype.kind == "f" and not np.all(np.isfinite(values) & (values % 1 == 0)):
            raise InputError("hypnogram numbers must be YASA's integer stage codes -2..4")
        codes = values.astype(np.int64)
        bad_codes = sorted(set(codes.tolist()) - set(YASA_INT_STAGES))
        if bad_codes:
            raise InputError(f"unknown YASA stage code(s) {bad_codes}; expected -2..4")
        seq = np.array([YASA_INT_STAGES[c] for c in codes.tolist()], dtype=object)
    else:
        seq = np.array(
            [_STAGE_ALIASES.get(str(x).upper(), str(x)) for x in values.tolist()], dtype=object
        )
    bad = set(seq.tolist()) - set(STAGES) - {"unscored"}
    if bad:
        raise InputError(f"unknown stage code(s) {sorted(bad)}; use W, N1, N2, N3, R, unscored")
    return Hypnogram(seq, epoch_s=epoch_s, start_s=start_s)


def _as_intervals(table: pd.DataFrame | None, extra: tuple[str, ...], what: str) -> pd.DataFrame:
    if table is None:
        return empty_intervals(extra)
    missing = {"onset", "duration"} - set(table.columns)
    if missing:
        raise InputError(f"{what} table lacks column(s) {sorted(missing)}")
    out = table.copy()
    if (out["duration"].to_numpy(float) < 0).any():
        raise InputError(f"{what} table has a negative duration")
    for col in extra:
        if col not in out:
            out[col] = "apnea" if col == "type" else ""
    return out


def _is_event_table(table: pd.DataFrame) -> bool:
    """Whether a table has the columns of an event file (a label, no ``side``)."""
    from plm.io.formats.tsv import LABEL_COLUMNS

    low = {str(c).strip().lower() for c in table.columns}
    return "side" not in low and bool(low & {*LABEL_COLUMNS, "stage"})


def _events_from_table(table: pd.DataFrame, recording_duration_s: float | None) -> NightEvents:
    """Read an event table with the columns of an event file as that file would be.

    Columns as in TSV/BIDS event files: ``onset``, ``duration``, ``description`` or
    ``trial_type``...

    The table goes through the file reader (:func:`plm.io.formats.tsv.read_tsv`) and the
    label mapping, so a DataFrame and the file it came from score the same.
    """
    from plm.io.annotations import _events_from_frames
    from plm.io.formats.tsv import read_tsv

    source = "<DataFrame>"
    frame = read_tsv(source, text=table.to_csv(sep="\t", index=False))
    return _events_from_frames([frame], [Path(source)], None, recording_duration_s, None, None)


def score_events(
    movements: pd.DataFrame | NightEvents | PathLike | Sequence[PathLike],
    hypnogram: Any = None,
    respiratory: pd.DataFrame | None = None,
    arousals: pd.DataFrame | None = None,
    rules: str | RuleProfile = "wasm2016",
    *,
    age_group: str = "adult",
    lights_off_s: float | None = None,
    lights_on_s: float | None = None,
    recording_duration_s: float | None = None,
    epoch_s: float = 30.0,
    sf_hyp: float | None = None,
    stem: str | None = None,
    **overrides: Any,
) -> PLMResult:
    """Score already-detected leg movements by a standard's rules.

    Parameters
    ----------
    movements : DataFrame, NightEvents, path or list of paths
        Monolateral leg movements (``onset``, ``duration`` in s, ``side`` left/right); an
        event table with the columns of an event file (``onset``, ``duration``,
        ``description`` or ``trial_type``: e.g. ``pd.read_csv`` of a TSV file), read
        as the file would be; a prepared :class:`~plm.events.NightEvents`; or event
        file(s) (TSV/CSV/BIDS, EDF+ annotations, vendor exports) holding movements and
        optionally stages, respiratory events, arousals and lights.
    hypnogram : Hypnogram, yasa.Hypnogram, sequence of str or int, DataFrame, path or None
        Sleep stages (30-s epochs by default; see :func:`as_hypnogram`, e.g. YASA's
        ``Hypnogram`` or its per-epoch integer array); overrides stages found in
        ``movements``.
    respiratory : DataFrame or None
        Apneas/hypopneas: ``onset``, ``duration`` (s), ``type``.
    arousals : DataFrame or None
        Arousals: ``onset``, ``duration`` (s).
    rules : str or RuleProfile
        ``"wasm2016"`` (default), ``"aasm2012"`` or ``"aasm2007"``.
    age_group : {'adult', 'child'}
        PLMD cut-off: > 15/h (adult) or > 5/h (child).
    lights_off_s, lights_on_s : float, optional
        Analysis window in s from the recording start (default: whole recording).
    recording_duration_s : float, optional
        Recording length in s (default: end of the last event or epoch).
    epoch_s : float
        Hypnogram epoch length in s.
    sf_hyp : float, optional
        Sampling frequency of a per-epoch hypnogram array, Hz (YASA's name; ``1/30`` for
        30-s epochs); overrides ``epoch_s``.
    stem : str, optional
        File-name stem for :meth:`PLMResult.to_dir`.
    **overrides
        Rule parameters to override, e.g. ``imi_min_s=5``.

    Returns
    -------
    PLMResult
        Candidate LMs, monolateral LMs and the summary.

    Examples
    --------
    >>> import pandas as pd, plm
    >>> lms = pd.DataFrame({"onset": [60, 80, 100, 120], "duration": 1.0, "side": "left"})
    >>> res = plm.score_events(lms, hypnogram=["N2"] * 10)
    >>> res.summary["n_plms"]
    4
    """
    if isinstance(movements, NightEvents):
        events = movements
    elif isinstance(movements, pd.DataFrame) and _is_event_table(movements):
        events = _events_from_table(movements, recording_duration_s)
        stem = stem or "night"
    elif isinstance(movements, pd.DataFrame):
        events = NightEvents(movements=movements.copy())
        stem = stem or "night"
    else:
        from plm.io.annotations import load_night_events

        paths = [movements] if isinstance(movements, (str, os.PathLike)) else list(movements)
        events = load_night_events(paths, recording_duration_s=recording_duration_s)
        stem = stem or stem_of(paths[0])
    if hypnogram is not None:
        _set_hypnogram(events, hypnogram, epoch_s=epoch_s, sf_hyp=sf_hyp)
    if respiratory is not None:
        events.respiratory = _as_intervals(respiratory, ("type",), "respiratory")
    if arousals is not None:
        events.arousals = _as_intervals(arousals, (), "arousal")
    if lights_off_s is not None:
        events.lights_off_s = float(lights_off_s)
    if lights_on_s is not None:
        events.lights_on_s = float(lights_on_s)
    if recording_duration_s is not None:
        events.recording_duration_s = float(recording_duration_s)
    return score_night(events, rules, age_group=age_group, stem=stem or "night", **overrides)


def _set_hypnogram(
    events: NightEvents,
    hypnogram: Any,
    epoch_s: float = 30.0,
    sf_hyp: float | None = None,
    start_s: float = 0.0,
) -> None:
    """Set ``events.hypnogram`` from a hypnogram file or object (:func:`as_hypnogram`)."""
    if isinstance(hypnogram, (str, os.PathLike)):
        from plm.io.annotations import load_night_events

        hyp_events = load_night_events([hypnogram])
        if hyp_events.hypnogram is None:
            raise InputError("no sleep stages found", source=str(hypnogram))
        events.hypnogram = hyp_events.hypnogram
        events.sources.extend(hyp_events.sources)
    else:
        events.hypnogram = as_hypnogram(hypnogram, epoch_s=epoch_s, sf_hyp=sf_hyp, start_s=start_s)


def score(
    path: PathLike,
    annotations: PathLike | Sequence[PathLike] | None = None,
    rules: str | RuleProfile = "wasm2016",
    *,
    left: str | None = None,
    right: str | None = None,
    age_group: str = "adult",
    allow_poor_signal: bool = False,
    keep_signals: bool = False,
    annotation_format: str | None = None,
    n_threads: int = 2,
    hypnogram: Any = None,
    **overrides: Any,
) -> PLMResult:
    """Detect leg movements in a recording's leg EMG and score them.

    Pipeline: read the two leg channels at their native rate (:mod:`plm.io`) →
    condition and rectify (:mod:`plm.signal`) → adaptive baseline and LM detection per
    leg and per continuous segment (:mod:`plm.detect`) → rules (:mod:`plm.engine`) →
    metrics (:mod:`plm.metrics`).

    Parameters
    ----------
    path : path, EdfHeader or mne.io.BaseRaw
        EDF, EDF+ (C or D) or BDF recording with tibialis anterior EMG (or its header,
        parsed by :func:`plm.io.edf.read_header`); an MNE ``Raw``, preloaded or not; or a
        file of another format MNE reads (BrainVision ``.vhdr``, FIF, EEGLAB ``.set``,
        ...; needs ``pip install plmkit[mne]``), see :mod:`plm.io.mne`.  Ankle
        accelerometry (CWA, CSV, EDF with accelerometer channels) goes to the
        accelerometry scorer (which returns its own result type), or is refused with one
        line naming it when EMG-only arguments (annotations, left, right, keep_signals)
        are given.
    annotations : path or list of paths, optional
        Hypnogram/event files; by default the recording's own annotations (EDF+, or
        ``raw.annotations``) are used.
    rules : str or RuleProfile
        Rule profile name or object.
    left, right : str, optional
        Leg channel labels (or ``"A-B"`` for a bipolar pair), overriding discovery.
    age_group : {'adult', 'child'}
        PLMD cut-off.
    allow_poor_signal : bool
        Score even when the leg channels fail the EMG checks (the summary then carries
        the warning).
    keep_signals : bool
        Keep, per side and segment, the rectified EMG (``info["rectified"]``, µV) and the
        per-sample resting baseline on ``result.signals`` (what the report's EMG panels
        draw; see :func:`plm.detect.recording.rectified_segments`).
    annotation_format : str, optional
        Force the format of ``annotations``.
    n_threads : int
        Threads for the per-leg signal processing (use 1 inside parallel batch workers).
    hypnogram : Hypnogram, yasa.Hypnogram, sequence or DataFrame, optional
        Sleep stages overriding those of the annotations (see :func:`as_hypnogram`);
        a sequence is one stage per 30-s epoch from the recording's first sample.
    **overrides
        Rule parameters to override.

    Returns
    -------
    PLMResult
        With ``.movements`` holding the detected monolateral LMs (``onset``,
        ``duration``, ``side``, ``peak_uv``, ``area_uv_s``).

    Notes
    -----
    Leg EMG that is unscorable on either leg (resting baseline above
    ``unscorable_baseline_uv``) is cut out of the analysis on both legs: bilateral rules
    cannot be applied there, so the stretch counts in no denominator and breaks series
    (reported as ``unscorable_h``).  Gaps of an EDF+D file are handled the same way.
    """
    from plm.io.edf import EdfHeader
    from plm.io.mne import is_raw

    header = path if isinstance(path, EdfHeader) else None
    if header is None and not is_raw(path):
        modality, header = recording_modality(path)
        if modality == "accelerometry":
            return _score_accelerometry(
                path, annotations, left, right, keep_signals, rules, age_group, overrides
            )
    profile = get_rules(rules, **overrides)
    return _score_recording(
        header if header is not None else path, annotations, profile, left, right,
        age_group, allow_poor_signal, keep_signals, annotation_format, n_threads, hypnogram,
    )  # fmt: skip


def score_profiles(
    path: PathLike,
    rules: Sequence[str | RuleProfile],
    annotations: PathLike | Sequence[PathLike] | None = None,
    *,
    left: str | None = None,
    right: str | None = None,
    age_group: str = "adult",
    allow_poor_signal: bool = False,
    keep_signals: bool = False,
    annotation_format: str | None = None,
    n_threads: int = 2,
    **overrides: Any,
) -> dict[str, PLMResult]:
    """Detect a recording's leg movements once and score them under several rule profiles.

    Parameters
    ----------
    path : path-like
        Leg-EMG recording (as :func:`score`; accelerometry is not supported here).
    rules : sequence of str or RuleProfile
        Rule profiles, e.g. ``["wasm2016", "aasm2012"]``.  The **first** drives
        detection (onset/offset thresholds, baseline, morphology and amplitude rules);
        every profile's own rules (durations, bilateral combination, IMI, respiratory and
        arousal association, long-LM handling) are then applied to the same movements.
    annotations, left, right, age_group, allow_poor_signal, keep_signals,
    annotation_format, n_threads
        As :func:`score`.
    **overrides
        Rule parameters overriding every profile.

    Returns
    -------
    dict
        Profile name as given (``"wasm2016"``, also with overrides) → :class:`PLMResult`,
        in the order given.

    Raises
    ------
    ValueError
        For an empty list or a profile named twice.
    """
    profiles = [get_rules(r, **overrides) for r in rules]
    names = [r if isinstance(r, str) else r.name for r in rules]
    if not profiles:
        raise ValueError("no rule profile given")
    if len(set(names)) != len(names):
        raise ValueError(f"rule profile named twice: {','.join(names)}")
    prepared = prepare_recording(
        path, annotations, profiles[0], left, right, allow_poor_signal, keep_signals,
        annotation_format, n_threads,
    )  # fmt: skip
    return {n: score_prepared(prepared, p, age_group) for n, p in zip(names, profiles, strict=True)}


def recording_modality(path: PathLike) -> tuple[str, Any]:
    """Tell leg EMG from ankle accelerometry; return ``(modality, parsed EDF header)``.

    Parameters
    ----------
    path : path-like
        A recording: EDF/BDF (leg EMG, or ankle accelerometer channels and no leg EMG),
        an accelerometry CSV or an Axivity ``.cwa`` file.

    Returns
    -------
    (str, EdfHeader or None)
        ``"emg"`` or ``"accelerometry"``, and the header when the file is EDF/BDF and
        readable (pass it on so the header is parsed once).  An unreadable file is
        ``"emg"`` with no header: the EMG reader reports the error.  A file of a format
        read through MNE (:data:`plm.io.mne.MNE_SUFFIXES`) is ``"emg"`` with no header:
        :func:`plm.io.recording.load_recording` opens it with ``mne.io.read_raw``.
    """
    from plm import accel
    from plm.io import edf
    from plm.io.mne import is_mne_file

    if is_mne_file(path):
        return "emg", None

    if Path(path).suffix.lower() not in (".edf", ".bdf", ".rec"):
        found = accel.is_accelerometry(path)
        return ("accelerometry" if found else "emg"), None
    try:
        header = edf.read_header(path)
    except InputError:
        return "emg", None
    found = accel.header_is_accelerometry(header)
    return ("accelerometry" if found else "emg"), header


def _score_accelerometry(
    path: PathLike,
    annotations: Any,
    left: str | None,
    right: str | None,
    keep_signals: bool,
    rules: str | RuleProfile,
    age_group: str,
    overrides: dict[str, Any],
) -> Any:
    """:func:`score` on ankle accelerometry: the accelerometry scorer, or a one-line refusal."""
    from plm.accel import score_accel

    scorer = "plm.accel.score_accel"
    emg_only = {
        "annotations": annotations,
        "left": left,
        "right": right,
        "keep_signals": keep_signals or None,
    }
    given = [name for name, value in emg_only.items() if value]
    if given:
        raise InputError(
            f"ankle accelerometry: {', '.join(given)} apply to leg EMG; use {scorer}() "
            "(diary, lights, side, units)",
            source=str(path),
        )
    logger.info("%s: ankle accelerometry, scored by %s", path, scorer)
    return score_accel(path, rules=rules, age_group=age_group, **overrides)


@dataclass
class PreparedNight:
    """A recording read and its leg movements detected once, ready to be scored.

    Made by :func:`prepare_recording`; :func:`score_prepared` scores it under any rule
    profile and (for reviewed results) any replacement movement table, so several rule
    profiles or a technician's corrections share one detection.

    Attributes
    ----------
    recording : Recording
        The recording (:func:`plm.io.recording.load_recording`).
    events : NightEvents
        The night's events with the detected movements and the gaps (EDF+D gaps,
        unscorable leg EMG).
    detection : RecordingDetection
        The detector's output (signals when ``keep_signals`` was set).
    profile : RuleProfile
        The profile that drove detection (thresholds, morphology, baseline).
    """

    recording: Any
    events: NightEvents
    detection: Any
    profile: RuleProfile


def prepare_recording(
    path: Any,
    annotations: PathLike | Sequence[PathLike] | None,
    profile: RuleProfile,
    left: str | None = None,
    right: str | None = None,
    allow_poor_signal: bool = False,
    keep_signals: bool = False,
    annotation_format: str | None = None,
    n_threads: int = 2,
    hypnogram: Any = None,
) -> PreparedNight:
    """Read a leg-EMG recording and its events and detect its movements (no rules yet).

    Parameters are those of :func:`score` (``path``: the file, its parsed header or an
    MNE ``Raw``); ``profile`` drives detection.
    """
    from plm.detect.recording import detect_recording
    from plm.io.annotations import load_night_events, recording_night_events
    from plm.io.recording import load_recording

    rec = load_recording(
        path, left=left, right=right, rules=profile, allow_poor_signal=allow_poor_signal
    )
    src = str(rec.path)
    if annotations:
        ann_paths = [annotations] if isinstance(annotations, (str, os.PathLike)) else annotations
        events = load_night_events(
            list(ann_paths),
            start_datetime=rec.start_datetime,
            recording_duration_s=rec.duration_s,
            format=annotation_format,
        )
    elif rec.has_annotations:  # the recording's own annotations, already read
        events = recording_night_events(
            rec.annotations,
            rec.path,
            start_datetime=rec.start_datetime,
            recording_duration_s=rec.duration_s,
        )
    else:
        events = NightEvents()
    if hypnogram is not None:
        first_s = float(rec.segments[0, 0]) if len(rec.segments) else 0.0
        _set_hypnogram(events, hypnogram, start_s=first_s)
    if events.movements is not None and len(events.movements):
        events.warnings.append(
            f"{len(events.movements)} leg-movement annotations in the input were ignored: "
            "movements are detected from the EMG"
        )
    events.recording_duration_s = rec.duration_s
    events.start_datetime = rec.start_datetime.isoformat() if rec.start_datetime else None
    events.warnings.extend(rec.warnings)
    if rec.merged_uv is not None:
        events.warnings.append(
            "single merged-legs channel: bilateral rules cannot apply, every LM is 'merged'"
        )

    found = detect_recording(rec, profile, n_threads=n_threads, keep_signals=keep_signals)
    mv = found.movements.sort_values(["onset", "side"], kind="stable")
    events.movements = mv.reset_index(drop=True)
    gap_tables = [events.gaps, rec.gaps_frame()]
    if len(found.unscorable):
        u = union_intervals(found.unscorable)
        u["reason"] = "unscorable leg EMG"
        gap_tables.append(u)
    events.gaps = (
        pd.concat([g for g in gap_tables if len(g)], ignore_index=True)
        if any(len(g) for g in gap_tables)
        else events.gaps
    )
    logger.info("%s: %d monolateral LMs detected", src, len(events.movements))
    return PreparedNight(rec, events, found, profile)


def score_prepared(
    prepared: PreparedNight,
    profile: RuleProfile | None = None,
    age_group: str = "adult",
    movements: pd.DataFrame | None = None,
) -> PLMResult:
    """Score a :class:`PreparedNight` by a rule profile.

    Parameters
    ----------
    prepared : PreparedNight
        From :func:`prepare_recording`; not modified (each call scores a copy of its
        events).
    profile : RuleProfile, optional
        The rules (default: the profile that drove detection).
    age_group : {'adult', 'child'}
        PLMD cut-off.
    movements : DataFrame, optional
        Monolateral LMs replacing the detected ones (a reviewed set: ``onset``,
        ``duration``, ``side`` and optionally ``peak_uv``, ``area_uv_s``).

    Returns
    -------
    PLMResult
        As :func:`score`, with ``signals`` when the detection kept them.
    """
    rec, found = prepared.recording, prepared.detection
    profile = profile or prepared.profile
    events = copy.deepcopy(prepared.events)
    if movements is not None:
        events.movements = movements.reset_index(drop=True)
    result = score_night(events, profile, age_group=age_group, stem=stem_of(rec.path))
    result.summary["inputs"].insert(0, rec.source())
    result.summary["channels"] = rec.channel_labels
    result.summary["fs_hz"] = rec.fs_hz
    result.summary["bilateral_rules_applicable"] = rec.merged_uv is None
    result.signals = found.signals
    _add_autonomic(result, rec, found)
    return result


def _score_recording(
    path: Any,
    annotations: PathLike | Sequence[PathLike] | None,
    profile: RuleProfile,
    left: str | None,
    right: str | None,
    age_group: str,
    allow_poor_signal: bool,
    keep_signals: bool,
    annotation_format: str | None,
    n_threads: int,
    hypnogram: Any = None,
) -> PLMResult:
    """The body of :func:`score` for leg EMG (``path``: the file, its header or a Raw)."""
    prepared = prepare_recording(
        path, annotations, profile, left, right, allow_poor_signal, keep_signals,
        annotation_format, n_threads, hypnogram,
    )  # fmt: skip
    return score_prepared(prepared, profile, age_group)


def _add_autonomic(result: PLMResult, rec: Any, found: Any) -> None:
    """Heart-rate and SpO2 response of every candidate LM (docs/scoring.md §19).

    The R peaks found for ECG suppression are reused; beats are found per continuous
    stretch so that no RR interval spans a recording gap.  Without ECG and SpO2 only the
    two status lines are added.
    """
    from plm import autonomic

    spo2 = spo2_fs = None
    if rec.spo2 is not None and rec.spo2_fs_hz:
        from plm.io.edf import on_time_axis

        spo2_fs = rec.spo2_fs_hz
        spo2 = (
            rec.spo2
            if len(rec.segments) <= 1  # gaps (EDF+D): NaN, masked as dropouts
            else on_time_axis(rec.spo2, spo2_fs, rec.segment_slices(spo2_fs), rec.duration_s)
        )
    res = autonomic.analyze(
        result.candidates,
        ecg=rec.ecg,
        ecg_fs_hz=rec.ecg_fs_hz,
        spo2=spo2,
        spo2_fs_hz=spo2_fs,
        ecg_segments=found.ecg_segments if rec.ecg is not None else None,
    )
    result.summary.update(res.summary)
    if rec.ecg is None and spo2 is None:
        return
    result.candidates = result.candidates.join(res.columns)
    if rec.ecg is not None:
        result.tables["hr_response"] = res.hr_response
        result.tables["hr_curves"] = res.curves
