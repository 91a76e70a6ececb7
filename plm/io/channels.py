"""Find the leg EMG (tibialis anterior) and ECG channels of a recording by their labels.

Labels vary by system and lab ("LAT", "Leg L", "Tib dx", "EMG Ant Tibial L", "LLeg1" +
"LLeg2", ...).  A label is split into lowercase word tokens (any non-alphanumeric
character separates words) and each token is matched against a small grammar:
``[side] keyword [side] [digits]`` where the keyword names a leg or the tibialis muscle
(``leg``, ``tib``, ``tibialis``, ``at``, ``ta``, ``antib``, ``plm``, ``jambe``, ``bein``)
and the side is ``l``/``left``/``sx``/``sin``/``gauche``/``links`` or
``r``/``right``/``dx``/``destra``/``droite``/``rechts``; side words may also be separate
tokens.  Labels naming both sides or none are a single merged leg channel.
Impedance, annotation and non-voltage channels are never picked when a voltage channel
is available, and labels naming another muscle or signal (chin, EOG, ECG, arm...) are
rejected.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

import numpy as np

from plm.events import InputError
from plm.io.edf import EdfHeader, SignalHeader
from plm.rules import RuleProfile, get_rules

__all__ = [
    "ChannelRef",
    "LegChannels",
    "ChannelProblem",
    "find_leg_channels",
    "find_ecg_channel",
    "find_spo2_channel",
    "check_leg_channel",
    "check_leg_data",
    "classify_leg_label",
    "EMG_MIN_FS_HZ",
    "RECOMMENDED_FS_HZ",
]

log = logging.getLogger(__name__)

#: Below this sampling rate a "leg" channel is not EMG (e.g. a piezo leg lead), Hz.
EMG_MIN_FS_HZ = 100.0
#: Below this sampling rate an "ECG" channel cannot give R peaks (suppression is off), Hz.
ECG_MIN_FS_HZ = 64.0
#: AASM/WASM minimum sampling rate for leg EMG, Hz.
RECOMMENDED_FS_HZ = 200.0
#: A signal with more than this fraction of samples at the digital limits is clipped.
CLIPPED_FRACTION = 0.01
#: A leg channel whose header implies a finer digital step (µV) is implausible: no EMG
#: amplifier resolves 1 nV, but a wrong unit (``nV`` for µV: 1000x) or digital range does.
#: (0.01 µV would refuse 16-bit channels of a ±250 µV range, which real and synthetic
#: recordings use.)
PLAUSIBLE_MIN_RESOLUTION_UV = 0.001
#: A leg channel whose physical range spans more than this (µV, 100 mV) is implausible:
#: surface EMG stays within a few mV, a wrong unit (``V`` for µV) or range does not.
PLAUSIBLE_MAX_RANGE_UV = 1e5

Side = Literal["left", "right", "merged"]

_LEFT_WORDS = frozenset({"l", "lt", "left", "sx", "sin", "sinistra", "gauche", "links", "li"})
_RIGHT_WORDS = frozenset({"r", "rt", "right", "dx", "dex", "destra", "droite", "rechts", "re"})
# side words that identify a leg channel on their own in CAP-style labels (DX1-DX2, SX1-SX2)
_LEG_ONLY_SIDE_WORDS = frozenset({"dx", "sx"})
_LEG_KEYWORDS = (
    "tibialis",
    "tibial",
    "tibia",
    "tib",
    "antib",
    "legs",
    "leg",
    "jambe",
    "jambes",
    "bein",
    "beine",
    "plm",
)
# keywords that name the tibialis only when a side is attached (LAT, RTA, L-TA)
_SIDED_ONLY_KEYWORDS = ("at", "ta")
_TOKEN_RE = re.compile(
    r"^(?P<pre>left|right|l|r)?"
    r"(?P<kw>" + "|".join(_LEG_KEYWORDS + _SIDED_ONLY_KEYWORDS) + r")"
    r"(?P<post>left|right|l|r)?(?P<num>\d*)$"
)
_SIDE_TOKEN_RE = re.compile(r"^(?P<side>dx|sx)(?P<num>\d*)$")
# words that mark another signal or muscle: such a label is never a leg channel
_VETO_WORDS = frozenset(
    {
        "chin",
        "ment",
        "mental",
        "submental",
        "eog",
        "eeg",
        "ecg",
        "ekg",
        "arm",
        "arms",
        "fds",
        "edc",
        "deltoid",
        "biceps",
        "masseter",
        "intercostal",
        "diaphragm",
        "flow",
        "resp",
        "ohm",
    }
)
_VETO_PREFIXES = ("imp", "impedance", "impedanz")
_NON_VOLTAGE_VETO_UNITS = frozenset({"ohm", "ohms", "kohm", "kohms", "\u03c9", "k\u03c9"})
_ECG_RE = re.compile(r"^(ecg|ekg)(\d+|i{1,3}|v\d?|l|r|la|ra|ll)?$")
#: Oxygen saturation labels (``SpO2``, ``SaO2``, ``Sat``, ``OSat``, ``SpO2 %``, ``Oxygen
#: saturation``); pulse, pleth and heart-rate channels are not saturation.
_SPO2_RE = re.compile(r"^(spo2|sao2|sp02|sa02|osat|sat|saturation|oxygen)$")
_SPO2_UNITS = frozenset({"%", "percent", "pct", ""})


@dataclass(frozen=True)
class ChannelRef:
    """A leg (or other) channel: one signal, or the difference of two signals.

    Attributes
    ----------
    label : str
        Display label (``"LLeg1-LLeg2"`` for a derived bipolar channel).
    index : int
        Signal index in the file.
    ref_index : int or None
        For a bipolar derivation recorded as two referential channels, the index of the
        reference: signal = signal[index] - signal[ref_index].
    """

    label: str
    index: int
    ref_index: int | None = None


@dataclass(frozen=True)
class LegChannels:
    """The leg channels found in a recording.

    Attributes
    ----------
    left, right : ChannelRef or None
        Left and right tibialis anterior EMG.
    merged : ChannelRef or None
        A single channel for both legs (set only when neither side was found).
    """

    left: ChannelRef | None = None
    right: ChannelRef | None = None
    merged: ChannelRef | None = None

    @property
    def refs(self) -> dict[str, ChannelRef]:
        """Return the channels found, as ``{"left"|"right"|"merged": ChannelRef}``."""
        found = {"left": self.left, "right": self.right, "merged": self.merged}
        return {k: v for k, v in found.items() if v is not None}


@dataclass(frozen=True)
class ChannelProblem:
    """A problem with a leg channel.

    Attributes
    ----------
    channel : str
        Channel label.
    problem : str
        One-line description.
    fatal : bool
        True when the channel cannot be scored to the standard (e.g. a piezo lead or a
        digital resolution coarser than the amplitude rules); False for a warning.
    """

    channel: str
    problem: str
    fatal: bool

    def __str__(self) -> str:
        return f"{self.channel}: {self.problem}"


# --------------------------------------------------------------------------------------
# label analysis
# --------------------------------------------------------------------------------------


def _tokens(label: str) -> list[str]:
    """Split a label into lowercase alphanumeric words (accents removed)."""
    text = unicodedata.normalize("NFKD", label)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return [t for t in re.split(r"[^0-9a-z]+", text) if t]


def _side_of(word: str | None) -> str | None:
    """Map a side word to ``"left"``/``"right"`` (None if not a side word)."""
    if word in _LEFT_WORDS:
        return "left"
    if word in _RIGHT_WORDS:
        return "right"
    return None


@dataclass(frozen=True)
class _LabelInfo:
    """What a label says: which side(s) of which leg channel, and any digits."""

    sides: frozenset[str]
    number: str
    stem: str


def _analyse(label: str) -> _LabelInfo | None:
    """Return what a label says about legs, or None when it is not a leg label."""
    tokens = _tokens(label)
    if not tokens:
        return None
    if any(t in _VETO_WORDS or t.startswith(_VETO_PREFIXES) for t in tokens):
        return None
    sides: set[str] = set()
    numbers: list[str] = []
    stems: list[str] = []
    is_leg = False
    bare_sided_keyword = False  # "TA" in "L-TA": a leg only with a separate side word
    for tok in tokens:
        m = _TOKEN_RE.match(tok)
        if m:
            tok_sides = {s for s in (_side_of(m["pre"]), _side_of(m["post"])) if s}
            if m["kw"] in _SIDED_ONLY_KEYWORDS and not tok_sides:
                bare_sided_keyword = True
                continue
            is_leg = True
            sides |= tok_sides
            if m["num"]:
                numbers.append(m["num"])
            stems.append(tok[: len(tok) - len(m["num"])])
            continue
        m = _SIDE_TOKEN_RE.match(tok)
        if m:
            sides.add(_side_of(m["side"]) or "")
            if m["num"]:
                numbers.append(m["num"])
            stems.append(m["side"])
            continue
        side = _side_of(tok)
        if side:
            sides.add(side)
    if not is_leg and bare_sided_keyword and sides:
        is_leg = True
    if not is_leg:
        # CAP-style labels made only of dx/sx words ("DX1-DX2", "SX1-SX2")
        only = [_SIDE_TOKEN_RE.match(t) for t in tokens]
        if not all(only) or not {m["side"] for m in only if m} <= _LEG_ONLY_SIDE_WORDS:
            return None
    sides.discard("")
    number = numbers[0] if len(numbers) == 1 else ""
    return _LabelInfo(frozenset(sides), number, "-".join(stems))


def classify_leg_label(label: str) -> Side | None:
    """Classify a channel label as a left, right or merged leg channel.

    Parameters
    ----------
    label : str
        Channel label, e.g. ``"LAT"``, ``"Tib sx"``, ``"Leg/R"``, ``"lleg_r"``.

    Returns
    -------
    ``"left"``, ``"right"``, ``"merged"`` or None
        None when the label does not name a leg (``"Chin"``, ``"EMG1"``, impedance...).
    """
    info = _analyse(label)
    if info is None:
        return None
    if len(info.sides) == 1:
        return next(iter(info.sides))  # type: ignore[return-value]
    return "merged"


# --------------------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------------------


def _usable(sig: SignalHeader) -> bool:
    """Return False for annotation and impedance-unit signals."""
    if sig.is_annotation:
        return False
    return sig.physical_dimension.strip().lower() not in _NON_VOLTAGE_VETO_UNITS


def _rank(sig: SignalHeader) -> tuple[int, float, int]:
    """Sort key: voltage units first, then higher sampling rate, then file order."""
    return (0 if sig.is_voltage else 1, -sig.fs_hz, sig.index)


def _pick_side(
    header: EdfHeader, candidates: list[tuple[SignalHeader, _LabelInfo]]
) -> ChannelRef | None:
    """Choose one channel (or a referential pair) among the candidates for one side."""
    if not candidates:
        return None
    if any(c[0].is_voltage for c in candidates):
        candidates = [c for c in candidates if c[0].is_voltage]
    plain = [c for c in candidates if not c[1].number]
    if plain:
        best = min(plain, key=lambda c: _rank(c[0]))
        if len(plain) > 1:
            log.warning(
                "%s: several candidate channels %s; using %r",
                header.path,
                [c[0].label for c in plain],
                best[0].label,
            )
        return ChannelRef(best[0].label, best[0].index)
    # numbered channels: a referential pair (LLeg1 + LLeg2) makes a bipolar derivation
    by_stem: dict[str, dict[str, SignalHeader]] = {}
    for sig, info in candidates:
        by_stem.setdefault(info.stem, {}).setdefault(info.number, sig)
    for stem, numbered in by_stem.items():
        numbers = sorted(numbered, key=int)
        if len(numbers) >= 2:
            a, b = numbered[numbers[0]], numbered[numbers[1]]
            if a.samples_per_record == b.samples_per_record:
                log.info("%s: bipolar leg channel %s-%s (%s)", header.path, a.label, b.label, stem)
                return ChannelRef(f"{a.label}-{b.label}", a.index, b.index)
    best = min(candidates, key=lambda c: _rank(c[0]))
    log.warning("%s: using referential leg channel %r alone", header.path, best[0].label)
    return ChannelRef(best[0].label, best[0].index)


def _labels_text(header: EdfHeader) -> str:
    """Return the non-annotation labels as a short list for error messages."""
    return str([s.label for s in header.signals if not s.is_annotation])


def _resolve_override(header: EdfHeader, text: str) -> ChannelRef:
    """Resolve an explicit channel label, or ``A-B`` for a bipolar of two labels."""
    wanted = text.strip().lower()
    by_label: dict[str, SignalHeader] = {}
    for sig in header.signals:
        if not sig.is_annotation:
            by_label.setdefault(sig.label.strip().lower(), sig)
    if wanted in by_label:
        sig = by_label[wanted]
        return ChannelRef(sig.label, sig.index)
    for pos in [m.start() for m in re.finditer("-", wanted)]:
        a, b = wanted[:pos].strip(), wanted[pos + 1 :].strip()
        if a in by_label and b in by_label:
            sa, sb = by_label[a], by_label[b]
            if sa.samples_per_record != sb.samples_per_record:
                raise InputError(
                    f"channels {sa.label!r} and {sb.label!r} have different sampling rates"
                    " and cannot be subtracted",
                    str(header.path),
                )
            return ChannelRef(f"{sa.label}-{sb.label}", sa.index, sb.index)
    raise InputError(
        f"channel {text!r} not found; labels in file: {_labels_text(header)}", str(header.path)
    )


def find_leg_channels(
    header: EdfHeader, left: str | None = None, right: str | None = None
) -> LegChannels:
    """Find the left and right leg EMG channels of a recording.

    Parameters
    ----------
    header : EdfHeader
        From :func:`plm.io.edf.read_header`.
    left, right : str, optional
        Explicit labels (case-insensitive exact match), or ``"A-B"`` for the bipolar
        derivation of two referential channels.  A side not given is searched for.

    Returns
    -------
    LegChannels
        ``left``/``right`` when found; ``merged`` only when neither side was found and a
        single channel for both legs exists (bilateral rules then cannot apply; a warning
        is logged).

    Raises
    ------
    InputError
        When no leg channel is found (the message lists the labels in the file), or an
        explicit label does not exist.
    """
    chosen: dict[str, ChannelRef | None] = {
        "left": _resolve_override(header, left) if left else None,
        "right": _resolve_override(header, right) if right else None,
    }
    taken = {i for r in chosen.values() if r is not None for i in (r.index, r.ref_index)}
    candidates: dict[str, list[tuple[SignalHeader, _LabelInfo]]] = {
        "left": [],
        "right": [],
        "merged": [],
    }
    for sig in header.signals:
        if not _usable(sig) or sig.index in taken:
            continue
        info = _analyse(sig.label)
        if info is None:
            continue
        side = next(iter(info.sides)) if len(info.sides) == 1 else "merged"
        candidates[side].append((sig, info))
    for side in ("left", "right"):
        if chosen[side] is None:
            chosen[side] = _pick_side(header, candidates[side])
    merged = None
    if chosen["left"] is None and chosen["right"] is None:
        merged = _pick_side(header, candidates["merged"])
        if merged is None:
            raise InputError(
                f"no leg EMG channel found; labels in file: {_labels_text(header)};"
                " use --left/--right",
                str(header.path),
            )
        log.warning(
            "%s: only a single merged leg channel %r; bilateral rules cannot apply",
            header.path,
            merged.label,
        )
    elif chosen["left"] is None or chosen["right"] is None:
        missing = "left" if chosen["left"] is None else "right"
        log.warning("%s: no %s leg channel found", header.path, missing)
    return LegChannels(left=chosen["left"], right=chosen["right"], merged=merged)


def find_ecg_channel(header: EdfHeader) -> int | None:
    """Return the index of the ECG channel, or None.

    Recognizes labels such as ``ECG``, ``EKG``, ``ECG1``, ``ECG II``, ``ECG L-ECG R``;
    impedance and non-voltage channels (e.g. heart rate) are skipped.  With several
    candidates the highest sampling rate wins, then file order.
    """
    found: list[SignalHeader] = []
    for sig in header.signals:
        if not _usable(sig) or not sig.is_voltage:
            continue
        tokens = _tokens(sig.label)
        if any(t.startswith(_VETO_PREFIXES) for t in tokens):
            continue
        if any(_ECG_RE.match(t) for t in tokens):
            found.append(sig)
    if not found:
        return None
    return min(found, key=_rank).index


def find_spo2_channel(header: EdfHeader) -> int | None:
    """Return the index of the oxygen saturation (SpO2, %) channel, or None.

    Recognizes ``SpO2``, ``SaO2``, ``Sat``, ``OSat``, ``Oxygen saturation`` with a ``%``
    (or empty) unit; with several candidates the highest sampling rate wins, then file
    order.
    """
    found: list[SignalHeader] = []
    for sig in header.signals:
        if not _usable(sig) or sig.physical_dimension.strip().lower() not in _SPO2_UNITS:
            continue
        tokens = _tokens(sig.label)
        if any(t.startswith(_VETO_PREFIXES) for t in tokens):
            continue
        if any(_SPO2_RE.match(t) for t in tokens):
            found.append(sig)
    if not found:
        return None
    return min(found, key=lambda sig: (-sig.fs_hz, sig.index)).index


# --------------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------------


def check_leg_channel(sig: SignalHeader, rules: RuleProfile | None = None) -> list[ChannelProblem]:
    """Check that a leg channel's header allows scoring to the standard.

    Parameters
    ----------
    sig : SignalHeader
        The leg channel.
    rules : RuleProfile, optional
        Rule profile (default WASM 2016); its ``min_resolution_uv`` is the coarsest
        digital step (µV) that can resolve the offset rule.

    Returns
    -------
    list of ChannelProblem
        Fatal: sampled below 100 Hz (not EMG-like, e.g. a piezo lead), unit not a
        voltage, an implausible header (a digital step finer than
        :data:`PLAUSIBLE_MIN_RESOLUTION_UV` or a physical range wider than
        :data:`PLAUSIBLE_MAX_RANGE_UV`: a wrong unit or range field would scale the leg
        by orders of magnitude), digital resolution coarser than
        ``rules.min_resolution_uv``.  Warning:
        sampled below the 200 Hz AASM/WASM minimum.
    """
    rules = rules if rules is not None else get_rules()
    out: list[ChannelProblem] = []
    label = sig.label
    if sig.fs_hz < EMG_MIN_FS_HZ:
        out.append(
            ChannelProblem(
                label,
                f"not EMG-like: sampled at {sig.fs_hz:g} Hz (< {EMG_MIN_FS_HZ:g} Hz),"
                " e.g. a piezo leg lead",
                True,
            )
        )
    elif sig.fs_hz < RECOMMENDED_FS_HZ:
        out.append(
            ChannelProblem(
                label,
                f"sampled at {sig.fs_hz:g} Hz, below the {RECOMMENDED_FS_HZ:g} Hz AASM/WASM"
                " minimum for leg EMG",
                False,
            )
        )
    if sig.uv_per_unit is None or sig.resolution_uv is None:
        out.append(
            ChannelProblem(
                label,
                f"physical unit {sig.physical_dimension!r} is not a voltage (uV, mV or V)",
                True,
            )
        )
    elif sig.resolution_uv < PLAUSIBLE_MIN_RESOLUTION_UV:
        out.append(
            ChannelProblem(
                label,
                f"implausible header: physical range {sig.physical_min:g} to"
                f" {sig.physical_max:g} {sig.physical_dimension} over digital"
                f" {sig.digital_min} to {sig.digital_max} gives {sig.resolution_uv:.3g} µV per"
                f" step (< {PLAUSIBLE_MIN_RESOLUTION_UV:g} µV): check the physical dimension"
                " and the physical and digital range fields",
                True,
            )
        )
    elif sig.resolution_uv > rules.min_resolution_uv:
        out.append(
            ChannelProblem(
                label,
                f"digital resolution {sig.resolution_uv:.4g} µV per step is coarser than"
                f" {rules.min_resolution_uv:g} µV: too coarse for the"
                f" {rules.onset_above_baseline_uv:g} µV onset /"
                f" {rules.offset_above_baseline_uv:g} µV offset rules",
                True,
            )
        )
    elif _span_uv(sig) > PLAUSIBLE_MAX_RANGE_UV:
        out.append(
            ChannelProblem(
                label,
                f"implausible header: physical range {sig.physical_min:g} to"
                f" {sig.physical_max:g} {sig.physical_dimension} spans {_span_uv(sig) / 1e3:.4g}"
                f" mV (> {PLAUSIBLE_MAX_RANGE_UV / 1e3:g} mV): check the physical dimension"
                " and the physical range fields",
                True,
            )
        )
    return out


def _span_uv(sig: SignalHeader) -> float:
    """Physical range of a voltage channel, µV."""
    return abs(sig.physical_max - sig.physical_min) * (sig.uv_per_unit or 1.0)


def check_leg_data(
    x_uv: np.ndarray, sig: SignalHeader, ref: SignalHeader | None = None
) -> list[ChannelProblem]:
    """Check the samples of a leg channel: flat or clipped signal.

    Parameters
    ----------
    x_uv : ndarray
        The samples as read (µV for voltage channels, see :func:`plm.io.edf.read_signal`).
    sig : SignalHeader
        Its header (for the digital limits).
    ref : SignalHeader, optional
        Reference signal of a bipolar derivation; clipping is then not checked (the
        difference has no fixed limits).

    Returns
    -------
    list of ChannelProblem
        Fatal: no samples, or flat (all samples equal).  Warning: more than 1 % of the
        samples at the digital minimum or maximum (clipped).
    """
    label = sig.label if ref is None else f"{sig.label}-{ref.label}"
    x = np.asarray(x_uv)
    if x.size == 0:
        return [ChannelProblem(label, "no samples", True)]
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo == hi:
        return [ChannelProblem(label, f"flat signal: all {x.size} samples are {lo:g}", True)]
    if ref is not None:
        return []
    factor = sig.uv_per_unit if sig.uv_per_unit is not None else 1.0
    ends = sorted((sig.physical_min * factor, sig.physical_max * factor))
    half_step = abs(sig.gain * factor) / 2.0
    n_clipped = int(np.count_nonzero(x <= ends[0] + half_step)) + int(
        np.count_nonzero(x >= ends[1] - half_step)
    )
    fraction = n_clipped / x.size
    if fraction > CLIPPED_FRACTION:
        return [
            ChannelProblem(
                label,
                f"clipped: {100 * fraction:.1f} % of samples at the digital limits",
                False,
            )
        ]
    return []
