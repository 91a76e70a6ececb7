"""Recordings given as fsspec URLs: read in one stream, never copied to a local file.

``plm.score("s3://bucket/night.edf")``, ``https://...``, ``memory://...`` or
``file://...`` open the URL with :mod:`fsspec` (``pip install 'plmkit[remote]'``; S3
also needs ``s3fs``).  The header is read from the start of the stream and the data
records follow from the same open file, front to back, in the blocks of
:mod:`plm.io.edf.blocks`: each byte of the recording is fetched once (a read-ahead
cache of :data:`READ_BLOCK_BYTES` per request; no seek back, no local copy), so a
cluster reads a cohort from object storage at the rate the storage serves it.

Plain paths (``/data/night.edf``, a Windows drive path) are not URLs and keep the local
reader.
"""

from __future__ import annotations

import re
from typing import Any

from plm.events import InputError

__all__ = ["READ_BLOCK_BYTES", "is_url", "open_url", "url_name"]

#: Bytes fetched per request when streaming a remote file (fsspec's read-ahead block).
READ_BLOCK_BYTES = 8 << 20

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]+)://")


def is_url(path: Any) -> bool:
    """True for a string (not a ``Path``) starting with ``scheme://``, scheme ≥ 2 letters."""
    return isinstance(path, str) and _SCHEME.match(path) is not None


def url_name(url: str) -> str:
    """The file name at the end of a URL's path (``s3://b/x/night.edf?v=1`` → ``night.edf``)."""
    from urllib.parse import urlsplit

    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


def open_url(url: str) -> tuple[Any, int]:
    """Open ``url`` for reading with fsspec; return ``(file object, size in bytes)``.

    Parameters
    ----------
    url : str
        ``file://``, ``memory://``, ``http(s)://``, ``s3://`` or any protocol fsspec
        knows (its package installed).

    Returns
    -------
    fileobj : file-like
        Binary, positioned at byte 0; the caller closes it.
    size : int
        The file's size (bytes).

    Raises
    ------
    InputError
        When fsspec (or the protocol's package) is missing, or the URL cannot be opened.
    """
    try:
        import fsspec
    except ImportError:
        raise InputError("reading a URL needs fsspec: pip install 'plmkit[remote]'", url) from None
    try:
        fs, path = fsspec.core.url_to_fs(url)
        size = int(fs.size(path))
        kwargs: dict[str, Any] = {}
        if fs.protocol not in ("file", "local", "memory") and not (
            isinstance(fs.protocol, tuple) and {"file", "local", "memory"} & set(fs.protocol)
        ):
            kwargs = {"block_size": READ_BLOCK_BYTES, "cache_type": "readahead"}
        fh = fs.open(path, "rb", **kwargs)
    except ImportError as exc:
        raise InputError(f"reading this URL needs another package: {exc}", url) from None
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot open URL: {exc}", url) from None
    return fh, size
