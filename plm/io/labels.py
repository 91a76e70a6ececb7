"""Annotation label → ``(kind, value)`` mapping.

Scoring software names the same event in many ways (``LM left``, ``Limb movement -
left|Limb Movement (Left)``, ``PLM-LM`` on channel ``EMG.Tibialis-Leg-Left``, French
``MJ``, German ``Obstruktive Apnoe`` …).  :func:`map_label` turns one label (and,
for leg movements, the channel it was scored on) into a :class:`Mapped` pair:

=========== =================================================================
kind        value
=========== =================================================================
lm          side: ``left``, ``right`` or ``both``
stage       ``W``, ``N1``, ``N2``, ``N3``, ``R`` or ``unscored``
respiratory ``obstructive_apnea``, ``central_apnea``, ``mixed_apnea``, ``apnea``,
            ``hypopnea`` or ``rera``
arousal     arousal type: ``plm``, ``lm``, ``respiratory``, ``spontaneous``,
            ``snore``, ``cardiac`` or ``unspecified``
lights_off  None
lights_on   None
ignore      a short reason, e.g. ``plm_series``
=========== =================================================================

Labels are compared after normalisation (lower case, accents removed, punctuation
turned into spaces), so ``LM:left``, ``lm-LEFT`` and ``Lm (Left)`` are the same label.
The built-in table is :data:`LABEL_TABLE`, a list of ``(pattern, kind, value)`` rows
tried in order; the first row whose pattern matches the whole normalised label wins.
A value in angle brackets is computed from the match: ``<side>`` from side words in the
label or else from the channel, ``<stage>`` from the stage word, ``<arousal>`` from the
words around "arousal".

Labels that denote a *series* of periodic movements (``PLM``, ``PLM (Left)``,
``Periodic leg movement - left``) are not single movements: they map to
``Mapped('ignore', 'plm_series')`` (PLMScoRe warns about exactly this trap).

Extra rows (:func:`load_label_map`) are tried before the built-in table.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from plm.events import STAGES, UNSCORED, InputError

__all__ = [
    "KINDS",
    "RESPIRATORY_TYPES",
    "LABEL_TABLE",
    "Mapped",
    "LabelRow",
    "map_label",
    "normalize_label",
    "side_from_text",
    "compile_rows",
    "load_label_map",
]

logger = logging.getLogger(__name__)

#: Kinds an annotation can map to.
KINDS: tuple[str, ...] = (
    "lm",
    "stage",
    "respiratory",
    "arousal",
    "lights_off",
    "lights_on",
    "ignore",
)
#: Respiratory event types (``rera`` is reported; the engine decides whether to use it).
RESPIRATORY_TYPES: tuple[str, ...] = (
    "obstructive_apnea",
    "central_apnea",
    "mixed_apnea",
    "apnea",
    "hypopnea",
    "rera",
)
SIDES: tuple[str, ...] = ("left", "right", "both")


class Mapped(NamedTuple):
    """What one annotation label means.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    value : str or None
        Side, stage code, respiratory or arousal type (see the module docstring).
    note : str
        Why a label was ignored, or that a movement side was guessed.
    """

    kind: str
    value: str | None
    note: str = ""


# --------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------

_LEFT_WORDS = {
    "left", "l", "lt", "lft", "links", "li", "gauche", "sx", "sin", "sinistra",
    "sinistro", "izq", "izquierda", "esquerda",
}  # fmt: skip
_RIGHT_WORDS = {
    "right", "r", "rt", "rgt", "rechts", "re", "droite", "dx", "dex", "destra",
    "destro", "der", "derecha", "direita",
}  # fmt: skip
_BOTH_WORDS = {"both", "bilateral", "bilat", "bil", "bilaterally", "b", "lr", "rl"}
# Channel-name stems that take a one-letter side prefix or suffix: LAT, RLeg, TibL, LAntib.
_LEG_STEMS = {
    "leg", "legs", "at", "ta", "tib", "tibia", "tibialis", "antib", "anttib", "tibant",
    "lm", "emg", "bein", "jambe", "pt", "ant",
}  # fmt: skip
# Words allowed around a leg-movement stem besides side words ("LM-LEG", "LM isolated").
_LM_FILLERS = (
    "leg|legs|limb|limbs|emg|tib|tibialis|channel|side|isolated|iso|single|event|"
    "jambe|jambes|bein|beine|lower|extremity"
)
_SIDE_TOKENS = "|".join(
    sorted(_LEFT_WORDS | _RIGHT_WORDS | _BOTH_WORDS | {"g", "d", "sides", "legs"}, key=len)[::-1]
)
_AROUND = rf"(?:{_SIDE_TOKENS}|{_LM_FILLERS})"

#: Stage words (normalised) → stage code.
STAGE_WORDS: dict[str, str] = {
    **dict.fromkeys(
        ["w", "wake", "awake", "wach", "wk", "wakefulness", "eveil", "veille", "s0", "0",
         "stage w", "wake stage"], "W"),
    **dict.fromkeys(["n1", "s1", "nrem1", "nrem 1", "1", "i"], "N1"),
    **dict.fromkeys(["n2", "s2", "nrem2", "nrem 2", "2", "ii"], "N2"),
    **dict.fromkeys(
        ["n3", "n4", "s3", "s4", "nrem3", "nrem 3", "nrem4", "nrem 4", "3", "4", "iii",
         "iv", "sws", "deep"], "N3"),
    **dict.fromkeys(["r", "rem", "sp", "paradoxal", "sommeil paradoxal", "5"], "R"),
    **dict.fromkeys(
        ["?", "u", "unscored", "unknown", "unk", "not scored", "nicht klassifiziert", "mt",
         "movement", "movement time", "bewegung", "a", "art", "artefact", "artifact",
         "artefakt", "9", "6", "m"], UNSCORED),
}  # fmt: skip

_STAGE_ALT = "|".join(re.escape(w) for w in sorted(STAGE_WORDS, key=len, reverse=True))
_BARE_STAGES = (
    "w|wake|awake|wach|wakefulness|eveil|veille|n1|n2|n3|n4|nrem ?[1-4]|rem|r|sp|"
    "movement time|unscored|not scored"
)
_APNEA = r"apn(?:o?eas?|ees?|oen?)"
_HYPOPNEA = r"hypopn(?:o?eas?|ees?|oen?)"
_LM_STEMS = (
    r"lms?|limb movements?|leg movements?|limb mvts?|leg mvts?|limb move|leg move|"
    r"plm lm|mj|mouvements? (?:de |des )?jambes?|mvts? (?:de |des )?jambes?|"
    r"beinbewegung(?:en)?|bein bewegung(?:en)?"
)
_SERIES = (
    r"plms?|plmw|plm series|plm serie|plm sequence|plm train|mpj|mpjs|"
    r"periodic (?:leg|limb) movements?(?: series| in sleep| of sleep| during sleep)?|"
    r"periodic (?:leg|limb) movement series"
)

#: The built-in label table: ``(pattern, kind, value)`` rows, tried in order against the
#: normalised label (lower case, no accents, punctuation → spaces).  Order matters:
#: RERA before arousals, arousals ("LM Arousal") before movements, movements ("PLM-LM")
#: before series ("PLM").
LABEL_TABLE: list[tuple[str, str, str | None]] = [
    # --- respiratory effort-related arousals (before the generic arousal row)
    (r"rera(?: .*)?|respiratory effort related arousals?(?: .*)?", "respiratory", "rera"),
    # --- arousals: any label with the word arousal / micro-eveil
    (r"(?:.* )?(?:arousals?|micro eveils?|microeveils?|eveil bref|weckreaktion(?:en)?)"
     r"(?: .*)?", "arousal", "<arousal>"),
    # --- single leg movements; side from the words around the stem, else the channel
    (rf"(?:{_AROUND} )*(?:{_LM_STEMS})(?: {_AROUND})*", "lm", "<side>"),
    # --- periodic series: not movements
    (rf"(?:{_AROUND} )*(?:{_SERIES})(?: {_AROUND})*", "ignore", "plm_series"),
    # --- sleep stages
    (rf"(?:sleep stage|stage|sleep|stade|stadium|schlafstadium|hypnogram) (?P<stage>{_STAGE_ALT})"
     r"(?: sleep)?", "stage", "<stage>"),
    (rf"(?P<stage>{_BARE_STAGES})(?: sleep)?", "stage", "<stage>"),
    (r"movement time|mouvement corporel", "stage", UNSCORED),
    # --- respiratory events
    (rf"obstructive {_APNEA}|{_APNEA} obstructive|a obstructive|obstruktive {_APNEA}|"
     rf"{_APNEA} obstruktiv(?:e)?|{_APNEA} obstr", "respiratory", "obstructive_apnea"),
    (rf"central {_APNEA}|{_APNEA} central(?:e)?|a centrale?|zentrale {_APNEA}|"
     rf"{_APNEA} zentral(?:e)?", "respiratory", "central_apnea"),
    (rf"mixed {_APNEA}|{_APNEA} mixed|a mixte|{_APNEA} mixte|gemischte {_APNEA}|"
     rf"{_APNEA} gemischt(?:e)?", "respiratory", "mixed_apnea"),
    (rf"{_APNEA}(?: unspecified| unclassified| event)?|unclassified {_APNEA}", "respiratory",
     "apnea"),
    (rf"(?:(?:obstructive|central|mixed|obstruktive|zentrale|gemischte) )?{_HYPOPNEA}"
     r"(?: (?:obstructive|central|centrale|mixed|mixte|obstruktiv|obstruktive|zentral|"
     r"zentrale))?", "respiratory", "hypopnea"),
    # --- lights
    (r"lights? (?:off|out)|lightsoff|lightsout|licht aus|lumieres? eteintes?|"
     r"extinction (?:des )?(?:lumieres?|feux)", "lights_off", None),
    (r"lights? on|lightson|licht an|licht ein|lumieres? allumees?|"
     r"allumage (?:des )?(?:lumieres?|feux)", "lights_on", None),
]  # fmt: skip


# --------------------------------------------------------------------------------------
# Normalisation and side words
# --------------------------------------------------------------------------------------


def normalize_label(text: str) -> str:
    """Return a label in comparable form: lower case, accents removed, punctuation → spaces.

    ``?`` is kept (``Sleep stage ?``).  ``"Limb Movement (Left)"`` → ``"limb movement
    left"``; ``"Micro-éveil"`` → ``"micro eveil"``.
    """
    s = unicodedata.normalize("NFKD", str(text))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9?]+", " ", s).strip()


def _tokens(text: str) -> list[str]:
    """Split a channel name into tokens at punctuation, digits and case changes.

    ``LAntib1-LAntib2`` → ``l antib 1 l antib 2``; ``EMG.Tibialis-Leg-Left`` →
    ``emg tibialis leg left``.
    """
    s = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", str(text))
    s = normalize_label(s)
    s = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", s)
    return s.split()


def _token_side(tok: str, short: bool) -> set[str]:
    sides: set[str] = set()
    if tok in _LEFT_WORDS or (short and tok == "g"):
        sides.add("left")
    if tok in _RIGHT_WORDS or (short and tok == "d"):
        sides.add("right")
    if tok in _BOTH_WORDS or tok in ("sides", "legs"):
        sides.update(("left", "right"))
    if len(tok) > 2 and tok not in _LEFT_WORDS | _RIGHT_WORDS:
        head, tail = tok[0], tok[1:]
        if tail in _LEG_STEMS and head in "lr":
            sides.add("left" if head == "l" else "right")
        head2, tail2 = tok[:-1], tok[-1]
        if head2 in _LEG_STEMS and tail2 in "lr":
            sides.add("left" if tail2 == "l" else "right")
    return sides


def side_from_text(text: str | None, *, short_words: bool = False) -> str | None:
    """Return ``left``, ``right`` or ``both`` from side words in a label or channel name.

    Parameters
    ----------
    text : str or None
        A channel (``EMG.Tibialis-Leg-Left``, ``LAntib1-LAntib2``, ``Tib dx``, ``RAT``,
        ``Leg/L``) or the words around a movement label (``left``, ``(Right)``, ``L``).
    short_words : bool
        Also accept the French one-letter ``G``/``D`` (gauche/droite).

    Returns
    -------
    str or None
        ``None`` when the text names no side; ``both`` when it names both.
    """
    if text is None:
        return None
    sides: set[str] = set()
    for tok in _tokens(text):
        sides |= _token_side(tok, short_words)
    if sides == {"left"}:
        return "left"
    if sides == {"right"}:
        return "right"
    if sides:
        return "both"
    return None


def _arousal_type(norm: str) -> str:
    words = set(norm.split())
    if "plm" in words or "plms" in words:
        return "plm"
    if words & {"lm", "limb", "leg", "lms", "mj"}:
        return "lm"
    if words & {"resp", "respiratory", "apnea", "apnoea", "hypopnea", "res", "respiration",
                "respiratoire", "respiratorisch"}:  # fmt: skip
        return "respiratory"
    if words & {"spont", "spontaneous", "spontan", "spontane", "spontanee"}:
        return "spontaneous"
    if words & {"snore", "snoring", "ronflement", "schnarchen"}:
        return "snore"
    if words & {"cardiac", "cardiaque", "kardial"}:
        return "cardiac"
    return "unspecified"


# --------------------------------------------------------------------------------------
# Compiled rows
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LabelRow:
    """One compiled mapping row.

    Attributes
    ----------
    pattern : re.Pattern
        Matched in full against the normalised label (and, for user rows, also against
        the raw label, case-insensitively).
    kind, value : str
        The result; ``value`` may be ``<side>``, ``<stage>`` or ``<arousal>``.
    raw : bool
        Also try the pattern on the raw, stripped label (user rows).
    """

    pattern: re.Pattern[str]
    kind: str
    value: str | None
    raw: bool = False


def _check_row(kind: str, value: str | None, where: str) -> str | None:
    if kind not in KINDS:
        raise InputError(f"{where}: unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    if kind == "lm":
        v = (value or "auto").strip().lower()
        if v in ("auto", "<side>", ""):
            return "<side>"
        if v not in SIDES:
            raise InputError(f"{where}: movement side must be left, right, both or auto, got {v!r}")
        return v
    if kind == "stage":
        if value is None:
            raise InputError(f"{where}: a stage row needs a value (W, N1, N2, N3, R, unscored)")
        if value in (*STAGES, UNSCORED):
            return value
        code = STAGE_WORDS.get(normalize_label(value))
        if code is None:
            raise InputError(
                f"{where}: unknown stage {value!r} (expected W, N1, N2, N3, R, unscored)"
            )
        return code
    if kind == "respiratory":
        v = (value or "").strip().lower()
        if v not in RESPIRATORY_TYPES:
            raise InputError(
                f"{where}: unknown respiratory type {value!r} "
                f"(expected one of {', '.join(RESPIRATORY_TYPES)})"
            )
        return v
    if kind == "arousal":
        return (value or "unspecified").strip().lower() or "unspecified"
    if kind == "ignore":
        return (value or "user").strip() or "user"
    return None  # lights


def compile_rows(
    rows: Iterable[Mapping[str, Any] | LabelRow] | Mapping[str, str],
) -> list[LabelRow]:
    """Compile user mapping rows.

    Parameters
    ----------
    rows : list of dict, or dict
        Either rows ``{"pattern": regex, "kind": kind, "value": value}`` (the regex must
        match the whole label, case-insensitively, raw or normalised), or a simple
        ``{"label": "kind:value"}`` dict (``"lm:left"``, ``"stage:N2"``,
        ``"respiratory:hypopnea"``, ``"ignore"``, ``"lights_off"``).

    Returns
    -------
    list of LabelRow

    Raises
    ------
    InputError
        On an unknown kind, a bad value or an invalid regular expression.
    """
    out: list[LabelRow] = []
    if isinstance(rows, Mapping):
        for label, spec in rows.items():
            kind, _, value = str(spec).partition(":")
            kind = kind.strip().lower()
            val = _check_row(kind, value.strip() or None, f"label map entry {label!r}")
            pat = re.compile(re.escape(normalize_label(label)))
            out.append(LabelRow(pat, kind, val, raw=False))
        return out
    for i, row in enumerate(rows):
        if isinstance(row, LabelRow):
            out.append(row)
            continue
        if not isinstance(row, Mapping) or "pattern" not in row or "kind" not in row:
            raise InputError(f"label map row {i}: needs 'pattern' and 'kind' keys, got {row!r}")
        kind = str(row["kind"]).strip().lower()
        val = _check_row(kind, row.get("value"), f"label map row {i}")
        try:
            pat = re.compile(str(row["pattern"]), re.IGNORECASE)
        except re.error as exc:
            raise InputError(f"label map row {i}: bad pattern {row['pattern']!r} ({exc})") from None
        out.append(LabelRow(pat, kind, val, raw=True))
    return out


@functools.lru_cache(maxsize=1)
def _builtin_rows() -> tuple[LabelRow, ...]:
    return tuple(LabelRow(re.compile(p), k, v) for p, k, v in LABEL_TABLE)


def _resolve(row: LabelRow, m: re.Match[str], norm: str, location: str | None) -> Mapped:
    if row.value == "<side>":
        side = side_from_text(_strip_lm_stem(norm), short_words=True)
        if side is not None:
            return Mapped("lm", side)
        side = side_from_text(location) if location else None
        if side is not None:
            return Mapped("lm", side, "side from channel")
        return Mapped("lm", "both", "no side in label or channel")
    if row.value == "<stage>":
        word = m.groupdict().get("stage") or norm
        return Mapped("stage", STAGE_WORDS.get(word, UNSCORED))
    if row.value == "<arousal>":
        return Mapped("arousal", _arousal_type(norm))
    if row.kind == "ignore":
        note = (
            "denotes a periodic series, not a single movement"
            if row.value == "plm_series"
            else "ignored by the label map"
        )
        return Mapped("ignore", row.value, note)
    return Mapped(row.kind, row.value)


_LM_STEM_RE = re.compile(rf"\b(?:{_LM_STEMS})\b")


def _strip_lm_stem(norm: str) -> str:
    """Remove the movement stem so that only the side words remain (``lm left`` → ``left``)."""
    return _LM_STEM_RE.sub(" ", norm)


def _map_one(text: str, location: str | None, rows: Sequence[LabelRow]) -> Mapped | None:
    norm = normalize_label(text)
    raw = text.strip()
    for row in rows:
        m = row.pattern.fullmatch(norm)
        if m is None and row.raw:
            m = row.pattern.fullmatch(raw)
        if m is not None:
            return _resolve(row, m, norm, location)
    return None


@functools.lru_cache(maxsize=4096)
def _map_builtin(description: str, location: str | None) -> Mapped | None:
    return _map_parts(description, location, _builtin_rows())


def _map_parts(description: str, location: str | None, rows: Sequence[LabelRow]) -> Mapped | None:
    parts = [description] if "|" not in description else [*description.split("|"), description]
    for part in parts:
        if part.strip():
            hit = _map_one(part, location, rows)
            if hit is not None:
                return hit
    return None


def map_label(
    description: str,
    location: str | None = None,
    extra: Iterable[Mapping[str, Any] | LabelRow] | Mapping[str, str] | None = None,
) -> Mapped | None:
    """Map one annotation label to ``(kind, value)``.

    Parameters
    ----------
    description : str
        The annotation text.  NSRR ``"generic|specific"`` pairs are tried part by part.
    location : str, optional
        The channel the event was scored on; gives the side of a movement label that has
        none (RemLogic ``PLM-LM`` on ``EMG.Tibialis-Leg-Left``, CAP ``Tib dx``).
    extra : list of dict or dict, optional
        User rows (see :func:`compile_rows`), tried before the built-in table.

    Returns
    -------
    Mapped or None
        ``None`` for a label nobody knows (the caller counts it as unmapped).
    """
    if description is None:
        return None
    desc = str(description)
    loc = None if location is None or _isna(location) else str(location)
    if extra:
        user = compile_rows(extra) if not _all_compiled(extra) else list(extra)  # type: ignore[arg-type]
        hit = _map_parts(desc, loc, user)
        if hit is not None:
            return hit
    return _map_builtin(desc, loc)


def _all_compiled(extra: Any) -> bool:
    return not isinstance(extra, Mapping) and all(isinstance(r, LabelRow) for r in extra)


def _isna(x: Any) -> bool:
    try:
        return bool(x != x)  # NaN
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------------------
# Label map files
# --------------------------------------------------------------------------------------


def load_label_map(path: str | Path) -> list[LabelRow]:
    """Read extra label rows from a JSON or TOML file.

    Accepted shapes (JSON shown; TOML the same with tables):

    - ``[{"pattern": "Bein.*links", "kind": "lm", "value": "left"}, ...]``
    - ``{"Jambe G": "lm:left", "Stade 2": "stage:N2"}``
    - ``{"rows": [...], "labels": {...}}`` (TOML: ``[[rows]]`` and ``[labels]``)

    Parameters
    ----------
    path : str or Path
        ``.json`` or ``.toml`` file (TOML needs Python 3.11+ or the ``tomli`` package).

    Returns
    -------
    list of LabelRow
        Pass it as ``extra=`` to :func:`map_label` or ``extra_labels=`` to the readers.

    Raises
    ------
    InputError
        Unreadable file, bad syntax or bad rows.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read label map ({exc})", source=str(p)) from None
    if p.suffix.lower() == ".toml":
        data = _parse_toml(text, p)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"bad JSON in label map ({exc})", source=str(p)) from None
    try:
        if isinstance(data, list):
            return compile_rows(data)
        if isinstance(data, dict):
            rows = compile_rows(data.get("rows", data.get("patterns", [])))
            labels = data.get("labels")
            if labels is not None:
                rows += compile_rows(labels)
            simple = {k: v for k, v in data.items() if isinstance(v, str)}
            rows += compile_rows(simple)
            return rows
    except InputError as exc:
        raise InputError(exc.problem, source=str(p)) from None
    raise InputError("label map must be a list of rows or a dict", source=str(p))


def _parse_toml(text: str, p: Path) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise InputError(
                "TOML label maps need Python 3.11+ (or the tomli package); use JSON",
                source=str(p),
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"bad TOML in label map ({exc})", source=str(p)) from None
