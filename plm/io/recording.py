"""Read a recording once: leg EMG (+ ECG), EDF+ annotations, time keeping and checksum.

:func:`load_recording` parses the header once and makes one pass over the data records
(:func:`plm.io.edf.read_pass`), which yields the leg channels in µV, the ECG, the raw
annotation bytes (the EDF+ TALs and the per-record time keeping of EDF+D files) and the
SHA-256 of the whole file computed from the same bytes.  An MNE ``Raw`` (or a file of a
format MNE reads) is turned into the same :class:`Recording` by :mod:`plm.io.mne`, which
shares :func:`check_leg_headers` and :func:`recording_from_arrays` with the EDF path.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.io import edf
from plm.io.annotations import MAX_RECORDING_S
from plm.io.channels import (
    ECG_MIN_FS_HZ,
    ChannelProblem,
    ChannelRef,
    LegChannels,
    check_leg_channel,
    check_leg_data,
    find_ecg_channel,
    find_leg_channels,
    find_spo2_channel,
)
from plm.io.remote import is_url, url_name
from plm.rules import RuleProfile, get_rules

__all__ = [
    "Recording",
    "load_recording",
    "check_leg_headers",
    "recording_from_arrays",
    "needed_signals",
    "GAP_REASON",
]

log = logging.getLogger(__name__)

#: ``reason`` of the gaps between EDF+D segments in :meth:`LegData.gaps_frame`.
GAP_REASON = "recording gap (EDF+D)"


@dataclass
class Recording:
    """One recording read once: leg EMG ready for conditioning and detection, and the rest.

    Attributes
    ----------
    path : Path or str
        The recording (the URL string for a recording read through fsspec).
    header : EdfHeader
        Its header.
    fs_hz : float
        Sampling rate of the leg channels, Hz.
    left_uv, right_uv, merged_uv : ndarray of float32 or None
        Leg EMG in µV (records concatenated; see ``segments``).  ``merged_uv`` is set only
        when the file has a single channel for both legs.
    ecg : ndarray of float32 or None
        ECG in µV at ``ecg_fs_hz``, when an ECG channel was found.
    ecg_fs_hz : float or None
        ECG sampling rate, Hz.
    spo2 : ndarray of float32 or None
        Oxygen saturation (%) at ``spo2_fs_hz``, when an SpO2 channel was found.
    spo2_fs_hz : float or None
        SpO2 sampling rate, Hz.
    segments : ndarray, shape (n, 2)
        Continuous stretches ``[start_s, end_s)`` in s from the header start time; the
        sample arrays are these stretches back to back (one for EDF/EDF+C).
    warnings : list of str
        Non-fatal problems (and fatal ones when ``allow_poor_signal`` was set).
    channel_labels : dict
        ``{"left"|"right"|"merged"|"ecg"|"spo2": label}`` of the channels used.
    start_datetime : datetime
        Header start date/time (naive, local clock).
    duration_s : float
        End of the last data record, s from the header start time.
    problems : list of ChannelProblem
        Every problem found by the channel and data checks.
    channels : LegChannels
        The channel references used.
    annotations : DataFrame
        The file's own EDF+ annotations: ``onset`` (s from the header start time),
        ``duration`` (s), ``description``; empty for plain EDF/BDF.
    sha256 : str
        SHA-256 (hex) of the whole file, from the bytes read.
    gap_reason : str
        ``reason`` of the gaps between segments in :meth:`gaps_frame`.
    """

    path: Path
    header: edf.EdfHeader
    fs_hz: float
    left_uv: np.ndarray | None
    right_uv: np.ndarray | None
    merged_uv: np.ndarray | None
    ecg: np.ndarray | None
    ecg_fs_hz: float | None
    segments: np.ndarray
    warnings: list[str] = field(default_factory=list)
    channel_labels: dict[str, str] = field(default_factory=dict)
    start_datetime: datetime | None = None
    duration_s: float = 0.0
    problems: list[ChannelProblem] = field(default_factory=list)
    channels: LegChannels = field(default_factory=LegChannels)
    annotations: pd.DataFrame = field(default_factory=lambda: edf.annotations_from_bytes({}))
    sha256: str = ""
    gap_reason: str = GAP_REASON
    spo2: np.ndarray | None = None
    spo2_fs_hz: float | None = None

    @property
    def has_annotations(self) -> bool:
        """True when the recording carries its own annotations (EDF+ signal, or MNE's)."""
        return bool(self.header.annotation_indices) or len(self.annotations) > 0

    @property
    def legs(self) -> dict[str, np.ndarray]:
        """``{"left"|"right"|"merged": µV}`` of the leg channels present."""
        chans = {"left": self.left_uv, "right": self.right_uv, "merged": self.merged_uv}
        return {side: x for side, x in chans.items() if x is not None}

    def source(self) -> dict[str, str]:
        """Provenance record of the recording: file name and SHA-256."""
        return {"file": url_name(self.path) if is_url(self.path) else Path(self.path).name,
                "sha256": self.sha256}  # fmt: skip

    @property
    def bilateral(self) -> bool:
        """True when both a left and a right channel are present."""
        return self.left_uv is not None and self.right_uv is not None

    def segment_slices(self, fs_hz: float | None = None) -> list[tuple[float, slice]]:
        """Return ``(start_s, slice)`` per segment for arrays sampled at ``fs_hz``.

        Parameters
        ----------
        fs_hz : float, optional
            Sampling rate of the array to slice (default: the leg rate ``fs_hz``; pass
            ``ecg_fs_hz`` for the ECG).
        """
        fs = self.fs_hz if fs_hz is None else fs_hz
        lengths = np.rint((self.segments[:, 1] - self.segments[:, 0]) * fs).astype(np.int64)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        return [
            (float(t0), slice(int(a), int(b)))
            for t0, a, b in zip(self.segments[:, 0], starts, ends, strict=True)
        ]

    def gaps_frame(self) -> pd.DataFrame:
        """Return the gaps between segments as ``onset``, ``duration``, ``reason``.

        Returns
        -------
        DataFrame
            One row per gap (s from the header start time); empty for continuous files.
        """
        seg = self.segments
        onset = seg[:-1, 1] if len(seg) > 1 else np.zeros(0)
        duration = seg[1:, 0] - onset if len(seg) > 1 else np.zeros(0)
        return pd.DataFrame(
            {
                "onset": pd.Series(onset, dtype=float),
                "duration": pd.Series(duration, dtype=float),
                "reason": pd.Series([self.gap_reason] * len(onset), dtype=object),
            }
        )


def _fatal_or_warn(
    problems: list[ChannelProblem], allow_poor_signal: bool, warnings: list[str], source: str
) -> None:
    """Raise on fatal problems (unless allowed), naming every channel; collect the rest.

    Channels with the same problem are named together, so the one-line error tells the
    whole story (e.g. both legs stored at 31.25 µV per step).
    """
    fatal = [p for p in problems if p.fatal]
    if fatal and not allow_poor_signal:
        by_problem: dict[str, list[str]] = {}
        for p in fatal:
            by_problem.setdefault(p.problem, []).append(repr(p.channel))
        text = "; ".join(
            f"leg channel{'s' if len(chans) > 1 else ''} {', '.join(chans)}: {problem}"
            for problem, chans in by_problem.items()
        )
        raise InputError(
            f"{text} (use --allow-poor-signal, or allow_poor_signal=True, to score anyway)",
            source,
        )
    for p in problems:
        # info, not warning: the warnings are carried in the summary and shown by the CLI
        log.info("%s: leg channel %r: %s", source, p.channel, p.problem)
        warnings.append(str(p))


def _check_pair(header: edf.EdfHeader, ref: ChannelRef, source: str) -> None:
    """Check that the two signals of a bipolar derivation can be subtracted."""
    if ref.ref_index is None:
        return
    a, b = header.signals[ref.index], header.signals[ref.ref_index]
    if a.samples_per_record != b.samples_per_record or a.uv_per_unit is None:
        raise InputError(
            f"cannot derive {ref.label!r}: the two channels differ in sampling rate or unit",
            source,
        )
    if b.uv_per_unit is None:
        raise InputError(f"cannot derive {ref.label!r}: {b.label!r} is not a voltage", source)


def _check_finite(x: np.ndarray, label: str, sig: edf.SignalHeader, source: str) -> None:
    """InputError when scaling a leg channel overflowed (samples not finite)."""
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise InputError(
            f"leg channel {label!r}: {bad} samples are not finite after scaling (physical range"
            f" {sig.physical_min:g} to {sig.physical_max:g} {sig.physical_dimension})",
            source,
        )


def _usable_ecg(
    sig: edf.SignalHeader, x: np.ndarray, warnings: list[str]
) -> tuple[np.ndarray | None, float | None]:
    """The ECG and its rate, or ``(None, None)`` and a warning when it cannot be used.

    The ECG is optional (it only serves the suppression of heartbeats in the leg EMG): a
    broken one switches the suppression off instead of stopping the scoring of the legs.
    """
    why = ""
    if sig.fs_hz < ECG_MIN_FS_HZ:
        why = f"sampled at {sig.fs_hz:g} Hz (< {ECG_MIN_FS_HZ:g} Hz)"
    elif x.size and not np.isfinite(x).all():
        why = f"{int(np.count_nonzero(~np.isfinite(x)))} samples are not finite"
    if not why:
        return x, sig.fs_hz
    text = f"ECG channel {sig.label!r} ignored ({why}): ECG artefact suppression is off"
    log.info("%s", text)
    warnings.append(text)
    return None, None


def load_recording(
    path: str | os.PathLike[str] | edf.EdfHeader | Any,
    left: str | None = None,
    right: str | None = None,
    rules: RuleProfile | str | None = None,
    allow_poor_signal: bool = False,
) -> Recording:
    """Read a recording once: legs, ECG, annotations, time keeping, checksum.

    EDF/EDF+/BDF files are read by the project's reader: the header is parsed once (or
    taken as given) and the data records are read in one pass; the SHA-256 is computed
    from the bytes of that pass (header, records, trailing bytes), so it equals
    ``hashlib.sha256`` of the file.  An ``mne.io.BaseRaw``, or a file of another format
    MNE reads (BrainVision, FIF, EEGLAB, ...; see :data:`plm.io.mne.MNE_SUFFIXES`), goes
    through :func:`plm.io.mne.recording_from_raw`, which builds the same
    :class:`Recording`.

    Parameters
    ----------
    path : str, path-like, EdfHeader or mne.io.BaseRaw
        The recording, its already parsed header, or an MNE ``Raw`` (preloaded or not).
    left, right : str, optional
        Explicit channel labels (or ``"A-B"`` bipolar derivations); see
        :func:`plm.io.channels.find_leg_channels`.
    rules : RuleProfile or str, optional
        Rule profile for the resolution check (default WASM 2016).
    allow_poor_signal : bool
        When True, fatal channel problems (piezo-like rate, non-voltage unit, coarse
        resolution, flat signal) become warnings instead of errors.

    Returns
    -------
    Recording
        Leg EMG in µV (float32), ECG if found, segments, annotations, SHA-256 and
        warnings.

    Raises
    ------
    InputError
        For an unreadable file, no leg channel, legs at different sampling rates, or a
        fatal channel problem (unless ``allow_poor_signal``); for a non-EDF file when
        MNE-Python is not installed (naming the ``plmkit[mne]`` extra).
    """
    from plm.io import mne as mne_io  # imports mne itself only when it is used

    if mne_io.is_raw(path) or (not isinstance(path, edf.EdfHeader) and mne_io.is_mne_file(path)):
        return mne_io.recording_from_raw(
            path, left=left, right=right, rules=rules, allow_poor_signal=allow_poor_signal
        )
    header = path if isinstance(path, edf.EdfHeader) else edf.read_header(path)
    rules = get_rules(rules) if rules is not None else get_rules()
    chans = find_leg_channels(header, left=left, right=right)
    warnings: list[str] = []
    problems: list[ChannelProblem] = []
    fs_hz = check_leg_headers(header, chans, rules, allow_poor_signal, warnings, problems)

    ecg_index = find_ecg_channel(header)
    spo2_index = find_spo2_channel(header)
    needed = needed_signals(chans, ecg_index, spo2_index)
    got = edf.read_pass(header, needed, annotations=header.annotation_indices, sha256=True)
    if header.annotation_indices:  # EDF+ time keeping from the same bytes (cached)
        edf.record_onsets(header, raw=got.annotation_bytes[header.annotation_indices[0]])
    return recording_from_arrays(
        header,
        chans,
        dict(zip(needed, got.signals, strict=True)),
        fs_hz=fs_hz,
        ecg_index=ecg_index,
        spo2_index=spo2_index,
        segments=edf.segments(header),
        annotations=edf.annotations_from_bytes(got.annotation_bytes),
        sha256=got.sha256 or "",
        allow_poor_signal=allow_poor_signal,
        warnings=warnings,
        problems=problems,
    )


def needed_signals(
    chans: LegChannels, ecg_index: int | None, spo2_index: int | None = None
) -> list[int]:
    """Sorted indices of the signals to read: the legs (both ends of a derivation), ECG, SpO2."""
    return sorted(
        {i for r in chans.refs.values() for i in (r.index, r.ref_index) if i is not None}
        | {i for i in (ecg_index, spo2_index) if i is not None}
    )


def check_leg_headers(
    header: edf.EdfHeader,
    chans: LegChannels,
    rules: RuleProfile,
    allow_poor_signal: bool,
    warnings: list[str],
    problems: list[ChannelProblem],
) -> float:
    """Check the leg channels' headers (before any sample is read); return their rate.

    Appends the non-fatal problems to ``warnings`` and every problem to ``problems``.

    Returns
    -------
    float
        The sampling rate of the leg channels, Hz.

    Raises
    ------
    InputError
        A fatal problem (unless ``allow_poor_signal``), a derivation of two channels
        that cannot be subtracted, or legs at different sampling rates.
    """
    source = str(header.path)
    refs = chans.refs
    if chans.merged is not None:
        warnings.append(
            f"only a single merged leg channel {chans.merged.label!r}: bilateral rules cannot apply"
        )
    elif chans.left is None or chans.right is None:
        missing = "left" if chans.left is None else "right"
        warnings.append(f"no {missing} leg channel found: bilateral rules cannot apply")

    header_problems: list[ChannelProblem] = []
    for ref in refs.values():
        _check_pair(header, ref, source)
        found = check_leg_channel(header.signals[ref.index], rules)
        header_problems += [ChannelProblem(ref.label, p.problem, p.fatal) for p in found]
    problems.extend(header_problems)
    _fatal_or_warn(header_problems, allow_poor_signal, warnings, source)
    rates = {side: header.signals[ref.index].fs_hz for side, ref in refs.items()}
    if len(set(rates.values())) > 1:
        raise InputError(
            "leg channels have different sampling rates: "
            + ", ".join(f"{refs[s].label!r} {fs:g} Hz" for s, fs in rates.items()),
            source,
        )
    return float(next(iter(rates.values())))


def recording_from_arrays(
    header: edf.EdfHeader,
    chans: LegChannels,
    arrays: dict[int, np.ndarray],
    *,
    fs_hz: float,
    ecg_index: int | None,
    segments: np.ndarray,
    spo2_index: int | None = None,
    annotations: pd.DataFrame,
    sha256: str,
    allow_poor_signal: bool,
    warnings: list[str],
    problems: list[ChannelProblem],
    gap_reason: str = GAP_REASON,
) -> Recording:
    """Derive the legs from the signals read, check their samples, build the Recording.

    Parameters
    ----------
    header : EdfHeader
        The recording's header (for an MNE ``Raw``, the one built from its info).
    chans : LegChannels
        The leg channels (:func:`plm.io.channels.find_leg_channels`).
    arrays : dict
        Signal index → samples (µV for voltage channels), the segments back to back.
    fs_hz : float
        Leg sampling rate (:func:`check_leg_headers`), Hz.
    ecg_index : int or None
        The ECG signal, if any.
    spo2_index : int or None
        The SpO2 signal, if any.
    segments : ndarray, shape (n, 2)
        Continuous stretches ``[start_s, end_s)`` (s from the start time).
    annotations : DataFrame
        The recording's own annotations (``onset``, ``duration``, ``description``).
    sha256 : str
        SHA-256 of the file.
    allow_poor_signal : bool
        Fatal data problems become warnings.
    warnings, problems : list
        From :func:`check_leg_headers`; the data problems are appended.
    gap_reason : str
        ``reason`` of the gaps between segments.

    Returns
    -------
    Recording
    """
    source = str(header.path)
    legs: dict[str, np.ndarray] = {}
    data_problems: list[ChannelProblem] = []
    for side, ref in chans.refs.items():
        x = arrays[ref.index]
        if ref.ref_index is not None:
            x = x - arrays[ref.ref_index]
            ref_sig = header.signals[ref.ref_index]
        else:
            ref_sig = None
        _check_finite(x, ref.label, header.signals[ref.index], source)
        found = check_leg_data(x, header.signals[ref.index], ref_sig)
        data_problems += [ChannelProblem(ref.label, p.problem, p.fatal) for p in found]
        legs[side] = x
    problems.extend(data_problems)
    _fatal_or_warn(data_problems, allow_poor_signal, warnings, source)

    labels = {side: ref.label for side, ref in chans.refs.items()}
    ecg = ecg_fs = None
    if ecg_index is not None:
        ecg, ecg_fs = _usable_ecg(header.signals[ecg_index], arrays[ecg_index], warnings)
        if ecg is not None:
            labels["ecg"] = header.signals[ecg_index].label
    spo2 = spo2_fs = None
    if spo2_index is not None:
        spo2 = arrays[spo2_index]
        spo2_fs = header.signals[spo2_index].fs_hz
        labels["spo2"] = header.signals[spo2_index].label
    duration = float(segments[-1, 1]) if len(segments) else 0.0
    span = float(segments[-1, 1] - segments[0, 0]) if len(segments) else 0.0
    if span > MAX_RECORDING_S:
        long = ChannelProblem(
            "recording",
            f"implausible length: the data records span {span / 3600:.4g} h (> "
            f"{MAX_RECORDING_S / 86400:g} days; header fields 'number of data records',"
            " 'duration of a data record' and the EDF+ time keeping)",
            True,
        )
        problems.append(long)
        _fatal_or_warn([long], allow_poor_signal, warnings, source)
    log.info(
        "%s: legs %s at %g Hz, %d segment(s), %.0f s",
        source,
        labels,
        fs_hz,
        len(segments),
        duration,
    )
    return Recording(
        path=header.path,
        header=header,
        fs_hz=float(fs_hz),
        left_uv=legs.get("left"),
        right_uv=legs.get("right"),
        merged_uv=legs.get("merged"),
        ecg=ecg,
        ecg_fs_hz=ecg_fs,
        segments=segments,
        warnings=warnings,
        channel_labels=labels,
        start_datetime=header.start_datetime,
        duration_s=duration,
        problems=problems,
        channels=chans,
        annotations=annotations,
        sha256=sha256,
        gap_reason=gap_reason,
        spo2=spo2,
        spo2_fs_hz=spo2_fs,
    )
