"""Recordings of a sleep lab's folders and the annotation files that go with each one.

Used by ``plm batch`` (:mod:`pipelines.batch`).

Discovery
---------
Each ``INPUT`` is a file or a folder (searched recursively; hidden folders and ``OUT``
itself are skipped).  Files of a folder are kept when their name matches ``--pattern``
(repeatable, case-insensitive glob; default ``*.edf`` and ``*.bdf``); files named
explicitly are always considered.  Annotation-only EDF+/BDF+ files (no signal besides
"EDF Annotations", e.g. Sleep-EDF ``*-Hypnogram.edf`` and our own
``*_plm_annotations.edf``) are not recordings and are ignored; a file whose header
cannot be read (whatever the error) is kept, so it is reported as one failed row.  The
list is sorted by file name, then full path, which makes ``--shard`` deterministic.
Recordings sharing a stem get the parent folder's name prefixed (``site1_night``), then
``_2``, ``_3``; odd names become plain output keys (:func:`unique_keys`).

Only regular files are recordings: FIFOs, devices and sockets (reading them could block
forever or never end), symbolic-link loops and dangling links are skipped with a
warning, in folders and when named explicitly.  Links to files are followed (a target
reached through several links, or also directly, is scored once: paths are compared
resolved); links to folders are not walked, so a link back up the tree cannot loop.

Pairing with annotation files
-----------------------------
In the recording's folder, case-insensitively, for the recording stem ``X`` (and also
``B`` when ``X`` is ``B-PSG`` / ``B_PSG``, the Sleep-EDF naming):

* ``X.tsv``, ``X.csv``, ``X.txt``, ``X.xml``;
* ``X-Hypnogram.*``, ``X_hypnogram.*`` (any extension; ``-``, ``_`` or a space);
* ``X-events.*``, ``X_events.*``.

When no hypnogram file was found that way, a ``*Hypnogram.edf`` whose first 7
characters equal the recording's (Sleep-EDF: ``SC4001E0-PSG.edf`` +
``SC4001EC-Hypnogram.edf``) is taken; two such files make the pairing ambiguous and the
recording fails with a message naming both.  Every paired file is passed to
``plm.score(annotations=...)``; with none, the recording's own EDF+ annotations are
used.  Our own outputs (``_candidates.tsv``, ``_summary.json``...) never pair.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

__all__ = [
    "DEFAULT_PATTERNS",
    "OUTPUT_SUFFIXES",
    "discover_recordings",
    "find_annotations",
    "unique_keys",
]

logger = logging.getLogger(__name__)

DEFAULT_PATTERNS: tuple[str, ...] = ("*.edf", "*.bdf")
#: Files we write; they are never recordings nor annotation files of a recording.
OUTPUT_SUFFIXES = (
    "_candidates.tsv",
    "_movements.tsv",
    "_summary.json",
    "_manifest.json",
    "_plm_annotations.edf",
    "_stages.tsv",
    "_gaps.tsv",
    "_report.pdf",
    "_report.html",
)


def _matches(name: str, patterns: Sequence[str]) -> bool:
    low = name.lower()
    return any(fnmatch.fnmatchcase(low, p.lower()) for p in patterns)


def _is_output(name: str) -> bool:
    low = name.lower()
    return any(low.endswith(s) for s in OUTPUT_SUFFIXES)


def _annotation_only(path: Path) -> bool:
    """True for an EDF+/BDF+ file with no signal besides annotations."""
    from plm.events import InputError
    from plm.io.edf import read_header

    try:
        header = read_header(path)
    except (InputError, OSError, ValueError):
        return False  # unreadable: keep it, it will be reported as failed
    except Exception as exc:  # any other header problem (OverflowError...): the same
        logger.debug("%s: header unreadable (%s); kept, to be reported", path, exc)
        return False
    return not header.data_signals


def _regular(path: Path) -> Path | None:
    """``path`` resolved when it is (a link to) a regular file, else None with a warning.

    ``FileNotFoundError`` for a missing path that is not a link (a usage error when
    named explicitly).
    """
    try:
        mode = path.stat().st_mode  # follows links: ELOOP for a loop
        if stat.S_ISREG(mode):
            return path.resolve()
        problem = "not a regular file (a FIFO, device or socket)"
    except FileNotFoundError:
        if not path.is_symlink():
            raise
        problem = "dangling symbolic link"
    except (OSError, RuntimeError) as exc:  # ELOOP; RuntimeError: resolve() of a loop
        problem = getattr(exc, "strerror", None) or str(exc)
    logger.warning("%s: skipped: %s", path, problem)
    return None


def _walk(folder: Path, patterns: Sequence[str], skip: Sequence[Path]) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        root_p = Path(root)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and not any(_same(root_p / d, s) for s in skip)
        )
        for name in sorted(files):
            if _matches(name, patterns) and not _is_output(name):
                try:
                    found = _regular(root_p / name)
                except FileNotFoundError:  # removed while we walk
                    continue
                if found is not None:
                    yield found


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic-link loop (Python < 3.13)
        return False


def discover_recordings(
    inputs: Sequence[str | os.PathLike[str]],
    patterns: Sequence[str] | None = None,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> list[Path]:
    """Find the recordings under files/folders, sorted by name then path.

    Parameters
    ----------
    inputs : sequence of path-like
        Files (always considered) and folders (searched recursively).
    patterns : sequence of str, optional
        Case-insensitive globs of file names in folders (default ``*.edf``, ``*.bdf``).
    exclude : sequence of path-like
        Folders not to search (the output folder).

    Returns
    -------
    list of Path
        Absolute, resolved paths of regular files; annotation-only EDF+ files,
        duplicates, links that loop or dangle, FIFOs and devices removed (warned).

    Raises
    ------
    FileNotFoundError
        When an input does not exist.
    """
    patterns = tuple(patterns or DEFAULT_PATTERNS)
    skip = [Path(e) for e in exclude]
    found: dict[Path, None] = {}
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            for f in _walk(p, patterns, skip):
                found[f] = None
            continue
        try:
            f = _regular(p)
        except FileNotFoundError:
            raise FileNotFoundError(f"{p}: no such file or folder") from None
        if f is not None:
            found[f] = None
    out = []
    for f in found:
        if f.name.lower().endswith("_plm_annotations.edf") or _annotation_only(f):
            logger.debug("%s: annotation-only EDF+, not a recording", f)
            continue
        out.append(f)
    return sorted(out, key=lambda f: (f.name.lower(), str(f)))


def find_annotations(recording: Path, siblings: Sequence[Path] | None = None) -> list[Path]:
    """Annotation files of a recording, by the pairing rules of the module docstring.

    Parameters
    ----------
    recording : Path
        The recording.
    siblings : sequence of Path, optional
        The files of its folder (listed when not given).

    Returns
    -------
    list of Path
        Sorted; empty when none (the recording's own EDF+ annotations are then used).

    Raises
    ------
    InputError
        When two Sleep-EDF style hypnograms match the recording.
    """
    from plm._util import stem_of  # lazy: batch imports nothing heavy
    from plm.events import InputError

    if siblings is None:
        siblings = [p for p in recording.parent.iterdir() if p.is_file()]
    stem = stem_of(recording)
    bases = {stem.lower()}
    m = re.match(r"^(.+?)[-_ ]psg$", stem, flags=re.IGNORECASE)
    if m:
        bases.add(m.group(1).lower())
    alts = "|".join(re.escape(b) for b in sorted(bases))
    named = re.compile(rf"^(?:{alts})(?:\.(?:tsv|csv|txt|xml)|[-_ ](?:hypnogram|events)\.[^.]+)$")
    picked: list[Path] = []
    for f in siblings:
        low = f.name.lower()
        if f == recording or _is_output(low):
            continue
        if named.match(low):
            picked.append(f)
    if not any("hypnogram" in f.name.lower() for f in picked) and len(stem) >= 7:
        prefix = stem[:7].lower()
        sleep_edf = [
            f
            for f in siblings
            if f != recording
            and f.name.lower().endswith("hypnogram.edf")
            and f.name[:7].lower() == prefix
            and f not in picked
        ]
        if len(sleep_edf) > 1:
            names = ", ".join(sorted(f.name for f in sleep_edf))
            raise InputError(f"ambiguous hypnogram files: {names}", source=str(recording))
        picked.extend(sleep_edf)
    return sorted(picked)


def unique_keys(recordings: Sequence[Path]) -> list[str]:
    """Output keys: the stems, prefixed with the folder name when shared, then ``_2``...

    Every key is a plain file name (:func:`plm._util.check_stem`): odd names
    (``...edf``, ``.hidden.edf``, control characters, very long names) are made safe by
    :func:`plm._util.safe_stem`, so ``OUT/<key>/<key>_...`` always stays inside ``OUT``.
    """
    from plm._util import MAX_STEM_BYTES, safe_stem, stem_of

    room = MAX_STEM_BYTES - 8  # for the _2, _3... of name clashes
    stems = [safe_stem(stem_of(r), room) for r in recordings]
    counts: dict[str, int] = {}
    for s in stems:
        counts[s.lower()] = counts.get(s.lower(), 0) + 1
    keys: list[str] = []
    used: set[str] = set()
    for rec, s in zip(recordings, stems, strict=True):
        key = s if counts[s.lower()] == 1 else safe_stem(f"{rec.parent.name}_{s}", room)
        base, k = key, 2
        while key.lower() in used:
            key, k = f"{base}_{k}", k + 1
        used.add(key.lower())
        keys.append(key)
    return keys
