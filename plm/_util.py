"""Small helpers shared by every layer: atomic writes, file hashing, output stems and paths.

Every output file is named ``<out>/<stem><suffix>``.  :func:`check_stem` is the one rule
a stem must pass (a plain file name: no separator, no leading dot, no control character,
at most :data:`MAX_STEM_BYTES`), :func:`output_file` the one way writers join a stem to
their folder, and :func:`safe_stem` turns any file name into a stem that passes (default
stems and batch keys), so no output can land outside its folder.
:func:`check_output_dir` refuses, in one line, an output folder that cannot be one (an
existing file, ``/dev/null``, a path under a file, a name too long for the file system).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

__all__ = [
    "MAX_STEM_BYTES",
    "atomic_write",
    "check_output_dir",
    "check_stem",
    "make_output_dir",
    "output_file",
    "safe_stem",
    "sha256_file",
    "stem_of",
]

_KNOWN_SUFFIXES = (".edf", ".bdf", ".tsv", ".csv", ".txt", ".xml", ".json")

#: Longest output stem, in UTF-8 bytes.  The longest suffix written after a stem
#: (``_night10_multinight_report.html``, 31 bytes) and the decoration of
#: :func:`atomic_write`'s temporary name (``.`` + ``.XXXXXXXX.tmp``, 14 bytes) still fit
#: the 255-byte file names of common file systems.
MAX_STEM_BYTES = 160
#: File-name length assumed when the file system cannot be asked (bytes).
_NAME_MAX_BYTES = 255
#: Path length assumed when the file system cannot be asked (bytes).
_PATH_MAX_BYTES = 4096
_BAD_STEM_CHARS = re.compile(r"[/\\\x00-\x1f\x7f]")


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", **kwargs) -> Iterator[IO]:
    """Open a temporary file beside ``path`` and rename it over ``path`` on success.

    A crash or an exception inside the block leaves no partial file at ``path``
    (the rename is atomic on POSIX), and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # ".<name>.XXXXXXXX.tmp" must fit a file name too: a very long name is cut
    head = os.fsencode(path.name)[: _NAME_MAX_BYTES - 14].decode("utf-8", "ignore")
    fd, tmp = tempfile.mkstemp(prefix=f".{head}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs follow the umask
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def sha256_file(path: str | os.PathLike[str], chunk_bytes: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def stem_of(path: str | os.PathLike[str]) -> str:
    """A file's name without its extension (``night01.edf`` -> ``night01``).

    The default output stem of every command; a name that is only a known extension
    (``.tsv``) keeps it (as ``tsv``), so no output is ever named ``_summary.json``.
    The result always passes :func:`check_stem` (:func:`safe_stem` of the bare name), so
    a recording named ``...edf`` or ``.hidden.edf`` still gets a plain stem.
    """
    name = Path(path).name
    for suffix in _KNOWN_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return safe_stem(name[: -len(suffix)])
    return safe_stem(Path(name).stem)


def _stem_problem(stem: object) -> str | None:
    """Why ``stem`` is not a plain output stem, or None."""
    if not isinstance(stem, str) or not stem:
        return "empty output stem"
    if _BAD_STEM_CHARS.search(stem):
        return f"output stem {stem[:60]!r} holds a path separator or a control character"
    if stem.startswith("."):
        return f"output stem {stem[:60]!r} starts with a dot ('.', '..' or a hidden file)"
    if len(stem.encode("utf-8", "surrogateescape")) > MAX_STEM_BYTES:
        return f"output stem is longer than {MAX_STEM_BYTES} bytes"
    return None


def check_stem(stem: str, source: str | None = None) -> str:
    """Return ``stem`` when it is a plain file-name stem, else raise ``InputError``.

    A stem names files *inside* an output folder (``<stem>_summary.json``...): it must
    be non-empty, hold no slash, backslash or control character, not start with ``.``
    (which also excludes ``.`` and ``..``) and be at most :data:`MAX_STEM_BYTES` long
    in UTF-8.

    Parameters
    ----------
    stem : str
        The stem (``--stem``, a result's stem, a batch key).
    source : str, optional
        What the stem belongs to, for the message.

    Raises
    ------
    InputError
        When the stem could name a file outside its folder or one the file system refuses.
    """
    problem = _stem_problem(stem)
    if problem is not None:
        from plm.events import InputError

        raise InputError(problem + "; give a plain file name", source=source)
    return stem


def safe_stem(name: str, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A stem derived from any name that passes :func:`check_stem`.

    Path separators and control characters become ``_``, leading dots are dropped, an
    empty result becomes ``recording``; a name longer than ``max_bytes`` (UTF-8) is cut
    and ends with ``_`` + 8 hex digits of its SHA-1, so two long names stay apart.
    A name that already passes is returned unchanged.

    Parameters
    ----------
    name : str
        Any text (a file name without its extension, a folder name + stem...).
    max_bytes : int
        Longest result in UTF-8 bytes (at most :data:`MAX_STEM_BYTES`; at least 16).
    """
    max_bytes = max(16, min(int(max_bytes), MAX_STEM_BYTES))
    text = _BAD_STEM_CHARS.sub("_", str(name)).lstrip(".") or "recording"
    raw = text.encode("utf-8", "surrogateescape")
    if len(raw) > max_bytes:
        tag = hashlib.sha1(raw).hexdigest()[:8]
        head = raw[: max_bytes - len(tag) - 1].decode("utf-8", "ignore")
        text = f"{head}_{tag}"
    return text


def output_file(out_dir: str | os.PathLike[str], stem: str, suffix: str) -> Path:
    """``out_dir / (stem + suffix)``: the one way writers name a file of a stem.

    Raises
    ------
    InputError
        When ``stem`` fails :func:`check_stem` (the file would not be a plain name
        inside ``out_dir``).
    """
    check_stem(stem, source=str(out_dir))
    return Path(out_dir) / f"{stem}{suffix}"


def make_output_dir(out_dir: str | os.PathLike[str], stems: Iterable[str]) -> Path:
    """Check every stem a writer will use (:func:`check_stem`), then make ``out_dir``.

    Writers of several files call it first, so a bad stem writes nothing at all.

    Raises
    ------
    InputError
        For the first stem that is not a plain file name.
    """
    out = Path(out_dir)
    for stem in stems:
        check_stem(stem, source=str(out))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _limit(path: Path, name: str, default: int) -> int:
    """``os.pathconf`` of the nearest existing folder of ``path``, or ``default``."""
    probe = path
    while not os.path.isdir(probe) and probe != probe.parent:
        probe = probe.parent
    try:
        return int(os.pathconf(probe, name))
    except (OSError, ValueError, AttributeError):
        return default


def check_output_dir(
    path: str | os.PathLike[str], *, file_ok: bool = False, option: str = "--out"
) -> Path:
    """Refuse, with ``InputError``, an output folder that cannot be one; nothing is made.

    Parameters
    ----------
    path : path-like
        The output folder (or, with ``file_ok``, an output file or folder).
    file_ok : bool
        ``path`` may also be a regular file to write (``--out page.html``); it is then
        replaced.
    option : str
        The option, for the message.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        ``path`` exists and is not a folder (nor, with ``file_ok``, a regular file:
        ``/dev/null``); a part of it is a file (``notes.txt/sub``); a part is longer
        than the file system's file-name limit or the whole longer than its path limit;
        its nearest existing folder is not writable.
    """
    from plm.events import InputError

    p = Path(path)
    src = str(path)
    name_max = _limit(p, "PC_NAME_MAX", _NAME_MAX_BYTES)
    for part in p.parts:
        if len(os.fsencode(part)) > name_max:
            raise InputError(
                f"{option}: a name in this path is longer than the file system allows "
                f"({len(os.fsencode(part))} > {name_max} bytes)",
                source=src[:120] + ("..." if len(src) > 120 else ""),
            )
    path_max = _limit(p, "PC_PATH_MAX", _PATH_MAX_BYTES)
    if len(os.fsencode(os.path.abspath(p))) >= path_max:
        raise InputError(f"{option}: path longer than {path_max} bytes", source=src[:120] + "...")
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        mode = None
    except NotADirectoryError:
        mode = -1
    except OSError as exc:  # a symbolic-link loop, no permission to look...
        raise InputError(f"{option}: cannot use as output ({exc.strerror})", source=src) from None
    if mode is not None and mode != -1:
        if stat.S_ISDIR(mode) or (file_ok and stat.S_ISREG(mode)):
            return p
        kind = "a file" if stat.S_ISREG(mode) else "a device, FIFO or socket"
        want = "a folder or a regular file" if file_ok else "a folder"
        raise InputError(f"{option} must be {want}, and this is {kind}", source=src)
    parent = p.parent
    while True:  # the nearest existing ancestor must be a writable folder
        try:
            pmode = parent.stat().st_mode
        except FileNotFoundError:
            if parent == parent.parent:
                break
            parent = parent.parent
            continue
        except OSError as exc:
            raise InputError(
                f"{option}: cannot use as output ({exc.strerror})", source=src
            ) from None
        if not stat.S_ISDIR(pmode):
            raise InputError(f"{option} must be a folder, and {parent} is a file", source=src)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError(f"{option}: {parent} is not writable", source=src)
        break
    return p
