"""The declaration machinery of :mod:`plm.keys`: :class:`Key`, file kinds, producers.

The declarations themselves live in :mod:`plm.keys.night` (the summary of a scored night)
and :mod:`plm.keys.tables` (the tables and the other files); :mod:`plm.keys` gathers them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Key", "KINDS", "PRODUCERS"]

#: Commands that write outputs (``plm <command>``).
PRODUCERS: tuple[str, ...] = (
    "score",
    "score-events",
    "score-accel",
    "sit",
    "batch",
    "rescore",
    "score-rules",  # plm score --rules A,B[,...]: the side-by-side table of the rule sets
    "review",  # plm review: the page's export of the edits (written by the browser)
)

_NIGHT = ("score", "score-events", "score-accel", "sit", "batch", "rescore")
_EMG = ("score", "sit", "batch", "rescore")
_HYP = ("score", "score-events", "sit", "batch", "rescore")
_EMG_NIGHT = ("score", "batch", "rescore")  # a leg-EMG night (not SIT)
_ACC = ("score-accel",)
_SIT = ("sit",)
_BATCH = ("batch",)

#: File kinds: kind -> (file name pattern, what it holds, commands writing it).
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "summary": ("<stem>_summary.json", "every metric of one scored night (or SIT window)", _NIGHT),
    "candidates": ("<stem>_candidates.tsv", "one row per combined leg movement", _NIGHT),
    "movements": ("<stem>_movements.tsv", "one row per monolateral leg movement", _NIGHT),
    "stages": ("<stem>_stages.tsv", "the hypnogram, one row per epoch", _HYP),
    "gaps": ("<stem>_gaps.tsv", "stretches that were not scored", _NIGHT),
    "posture": ("<stem>_nightK_posture.tsv", "accelerometry: posture changes (not LMs)", _ACC),
    "out_of_bed": (
        "<stem>_nightK_out_of_bed.tsv",
        "accelerometry: out-of-bed episodes (walking, upright) inside the time in bed",
        _ACC,
    ),
    "multinight": ("<stem>_multinight.tsv", "accelerometry: one row per night", _ACC),
    "multinight_json": (
        "<stem>_multinight.json",
        "accelerometry: nights and their statistics",
        _ACC,
    ),
    "sit": ("<stem>_sit.json", "SIT / m-SIT: the test and its windows", _SIT),
    "sit_window": ("`windows` of <stem>_sit.json", "SIT: one entry per test window", _SIT),
    "msit": ("<stem>_msit.tsv", "m-SIT: one row per window (two or more windows)", _SIT),
    "blocks": ("<stem>_sitK_blocks.tsv", "SIT: one row per 10-min block of a window", _SIT),
    "hr_response": (
        "<stem>_hr_response.tsv",
        "heart-rate change at each beat around every candidate LM (with an ECG)",
        _EMG_NIGHT,
    ),
    "hr_curves": (
        "<stem>_hr_curves.tsv",
        "mean heart-rate response curves per category, with 95 % CI (with an ECG)",
        _EMG_NIGHT,
    ),
    "review_diff": (
        "<stem>_review_diff.tsv",
        "rescore: one row per movement added, removed or changed by the review",
        ("rescore",),
    ),
    "rules_comparison": (
        "<stem>_rules_comparison.tsv",
        "plm score --rules A,B: one row per metric, one column per rule set",
        ("score-rules",),
    ),
    "review_edits": (
        "<stem>_review_edits.json",
        "the review page's export of a technician's edits (read by plm rescore)",
        ("review",),
    ),
    "cohort": ("cohort_summary.tsv", "batch: one row per recording", _BATCH),
    "errors": ("errors.tsv", "batch: one row per failed recording", _BATCH),
    "events": (
        "<stem>_events.tsv",
        "BIDS-style events written by the library's `PLMResult.to_bids_events()` (with a "
        "JSON sidecar built from these rows): LMs, candidate LMs, PLM series",
        (),
    ),
}


@dataclass(frozen=True)
class Key:
    """One declared output key or column.

    Attributes
    ----------
    name : str
        The JSON key or column name.
    kinds : tuple of str
        Files it appears in (keys of :data:`KINDS`).
    unit : str
        Display unit ('' for counts, ratios, flags and text).
    label : str
        Short human label (report and cohort tables).
    description : str
        One line: what the value is.
    standard : str
        The standard or source the value follows ('plmkit' for a project choice).
    section : str
        Section of ``docs/scoring.md`` stating the rule ('' when none applies).
    by : tuple of str
        Commands that write it (subset of :data:`PRODUCERS`).
    """

    name: str
    kinds: tuple[str, ...]
    unit: str
    label: str
    description: str
    standard: str
    section: str
    by: tuple[str, ...]

    @property
    def source(self) -> str:
        """The standard with its ``docs/scoring.md`` section, e.g. 'WASM 2016 (§6.1)'."""
        return f"{self.standard} ({self.section})" if self.section else self.standard


_DECL: list[Key] = []


def _k(
    name: str,
    unit: str,
    label: str,
    description: str,
    standard: str,
    section: str = "",
    kinds: tuple[str, ...] = ("summary",),
    by: tuple[str, ...] = _NIGHT,
) -> None:
    _DECL.append(Key(name, kinds, unit, label, description, standard, section, by))
