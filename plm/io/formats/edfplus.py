"""EDF+ annotations.

A PSG's own annotation channel, or an annotation-only file such as the Sleep-EDF
``*-Hypnogram.edf``.

The annotations are read by :func:`plm.io.edf.read_annotations` (onsets in s from the
file's start).  When a recording start is given and the file's own header start differs
(a separate hypnogram file), onsets are shifted to the recording start.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from plm.events import InputError
from plm.io.edf import read_annotations, read_header
from plm.io.formats._common import Clock, clock_offset, make_frame

__all__ = ["read_edf_annotations", "edf_annotation_frame"]

logger = logging.getLogger(__name__)


def read_edf_annotations(path: str | Path, start_datetime: datetime | None = None) -> pd.DataFrame:
    """Read the annotations of an EDF+ file into the intermediate annotation table.

    Parameters
    ----------
    path : str or Path
        EDF+ (or BDF+) file.
    start_datetime : datetime, optional
        Local start of the recording the events belong to.  When the file's header
        start differs, onsets are shifted by the difference.

    Returns
    -------
    DataFrame
        The intermediate table; ``attrs['t0']`` is the header start.
    """
    p = Path(path)
    header = read_header(p)
    try:
        raw = read_annotations(header)
    except InputError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read EDF+ annotations ({exc})", source=str(p)) from None
    return edf_annotation_frame(raw, header.start_datetime, str(p), start_datetime)


def edf_annotation_frame(
    raw: pd.DataFrame,
    file_start: datetime | None,
    source: str,
    start_datetime: datetime | None = None,
) -> pd.DataFrame:
    """The intermediate annotation table of EDF+ annotations already read.

    Parameters
    ----------
    raw : DataFrame
        ``onset`` (s from the file's header start), ``duration`` (s), ``description``, as
        :func:`plm.io.edf.read_annotations` returns.
    file_start : datetime or None
        The file's header start.
    source : str
        The file, for messages and the ``source`` column.
    start_datetime : datetime, optional
        Local start of the recording the events belong to (onsets are shifted when the
        file's own start differs).
    """
    p = Path(source)
    onsets = np.asarray(raw["onset"], dtype=float)
    durations = np.asarray(raw["duration"], dtype=float)
    durations = np.where(np.isnan(durations), 0.0, durations)
    descs = [str(d) for d in raw["description"]]
    warnings: list[str] = []
    t0 = Clock.from_datetime(file_start) if file_start is not None else None
    if start_datetime is not None:
        ref = Clock.from_datetime(start_datetime)
        if t0 is not None and file_start != start_datetime:
            shift, _ = clock_offset(t0, ref)
            if abs(shift) > 1.5 * 86400:  # anonymised date (01.01.85): use the clock time
                shift, _ = clock_offset(Clock(None, t0.seconds), Clock(None, ref.seconds))
            if not math.isclose(shift, 0.0, abs_tol=1e-6):
                onsets = onsets + shift
                warnings.append(
                    f"{p.name}: file starts at {file_start.isoformat()}, recording at "
                    f"{start_datetime.isoformat()}; onsets shifted by {shift:g} s"
                )
        t0 = ref
    return make_frame(
        onsets, durations, descs, None, source=source,
        t0=t0, warnings=warnings, fmt="edf",
    )  # fmt: skip
