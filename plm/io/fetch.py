"""Download open polysomnography records (PhysioNet) with checksums, resume and a cache.

``plm fetch physionet capslpdb plm1 n1`` downloads every file of the records ``plm1`` and
``n1`` of the CAP Sleep Database into ``data/physionet/capslpdb/1.0.0/``.

Layout and rules
----------------
- Files live at ``{base}/{database}/{version}/{file}``, as on PhysioNet, where ``base`` is
  the ``/files`` root (``https://physionet.org/files`` by default).  A mirror with the same
  layout is chosen with ``base_url=`` (``--base-url``) or the environment variable
  ``PLMKIT_PHYSIONET_URL``; the argument wins over the environment.
- The files of a record are the entries of the database's ``SHA256SUMS.txt`` whose path or
  basename starts with ``RECORD.`` (``plm1`` -> ``plm1.edf``, ``plm1.txt``; not
  ``plm10.edf``).  ``SHA256SUMS.txt`` is fetched first and cached beside the data.
- Each file is streamed to ``<file>.part``.  An existing ``.part`` is resumed with a
  ``Range: bytes=N-`` request (appended on ``206``, restarted from zero on ``200``).  On
  completion the SHA-256 is checked and the ``.part`` renamed over the final name, so a
  final path only ever holds a complete, verified file.  A checksum mismatch deletes the
  ``.part`` and raises :class:`ChecksumError`.
- A final file that exists and matches its checksum is not downloaded again.
- Nothing hangs. Every request has a socket timeout (connect and each read); a transfer
  slower than ``min_rate_bytes_s`` averaged over ``stall_window_s`` is cut as stalled (a
  server trickling one byte a second), and a whole download, retries included, ends at
  ``max_time_s``. Connection errors, truncated or stalled transfers and HTTP 5xx/408/429 are
  retried (with exponential backoff) inside that deadline, each retry resuming from the
  ``.part``.
- Redirects are followed to ``http``/``https`` only (a redirect to ``ftp://``, ``file://``
  or anything else is refused at once). The checksum list is the root of trust, so it must
  come from the configured origin (scheme, host and port): a redirect elsewhere is refused,
  as is a list larger than :data:`MAX_SUMS_BYTES`. Data files may be redirected (to a
  mirror or a CDN) since their bytes are checked against that list.

Standard library only (``urllib.request``).
"""

from __future__ import annotations

import logging
import os
import re
import ssl
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path, PurePosixPath
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import (
    HTTPDefaultErrorHandler,
    HTTPErrorProcessor,
    HTTPHandler,
    HTTPRedirectHandler,
    HTTPSHandler,
    OpenerDirector,
    ProxyHandler,
    Request,
)

from plm._util import sha256_file
from plm._version import __version__
from plm.events import InputError

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "PHYSIONET_VERSIONS",
    "FetchError",
    "NotFoundError",
    "ChecksumError",
    "FetchedFile",
    "read_sha256sums",
    "record_files",
    "resolve_base_url",
    "resolve_version",
    "download",
    "iter_fetch_physionet",
    "fetch_physionet",
]

logger = logging.getLogger(__name__)

#: The PhysioNet ``/files`` root.
DEFAULT_BASE_URL = "https://physionet.org/files"
#: Environment variable naming a mirror of the ``/files`` root (``--base-url`` wins).
ENV_BASE_URL = "PLMKIT_PHYSIONET_URL"
#: Current version of the databases plmkit knows; others need an explicit version.
PHYSIONET_VERSIONS: dict[str, str] = {
    "capslpdb": "1.0.0",
    "slpdb": "1.0.0",
    "sleep-edfx": "1.0.0",
}
#: Name of the checksum list PhysioNet publishes at the root of each database version.
SHA256SUMS_NAME = "SHA256SUMS.txt"

DEFAULT_TIMEOUT_S = 20.0
DEFAULT_RETRIES = 3
DEFAULT_BACKOFF_S = 1.0
DEFAULT_CHUNK_BYTES = 1 << 16
#: Slowest acceptable transfer, bytes/s averaged over :data:`DEFAULT_STALL_WINDOW_S`.
DEFAULT_MIN_RATE_BYTES_S = 1024.0
DEFAULT_STALL_WINDOW_S = 30.0
#: Deadline of one file's download, retries included (6 h: a 10 GB cohort file at 0.5 MB/s).
DEFAULT_MAX_TIME_S = 6 * 3600.0
#: Largest checksum list accepted (PhysioNet's largest lists are a few MB).
MAX_SUMS_BYTES = 16 << 20

_USER_AGENT = f"plmkit/{__version__} (python-urllib)"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SUM_LINE_RE = re.compile(r"^([0-9A-Fa-f]{64})\s[ *]?(.+)$")
_CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_UNSATISFIED_RANGE_RE = re.compile(r"^\s*bytes\s+\*/(\d+)\s*$", re.IGNORECASE)
_RETRY_STATUS = frozenset({408, 429})

#: ``progress(path, done_bytes, total_bytes_or_None)``, called after every chunk written.
ProgressCallback = Callable[[Path, int, "int | None"], None]


class FetchError(InputError):
    """A download failed (HTTP error, network error, checksum mismatch); one line, names the URL.

    A subclass of :class:`plm.events.InputError` so that command-line front ends report it
    as a one-line error.
    """

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.source = url


class NotFoundError(FetchError):
    """The server answered 404/410 for a URL."""


class ChecksumError(FetchError):
    """A downloaded file does not match its published SHA-256."""


class _TransientError(Exception):
    """A problem worth retrying (connection error, truncated transfer, 5xx)."""


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


class _RedirectRefused(FetchError):
    """A redirect to a scheme or origin this download does not accept."""


class _GuardedRedirects(HTTPRedirectHandler):
    """Follow redirects to http(s) only; with ``origin`` set, only within that origin."""

    def __init__(self, origin: tuple[str, str, int | None] | None) -> None:
        super().__init__()
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        scheme = urlsplit(newurl).scheme.lower()
        if scheme not in ("http", "https"):
            raise _RedirectRefused(
                f"redirect to a {scheme or 'relative'!r} URL refused: {req.full_url} -> {newurl}",
                req.full_url,
            )
        if self.origin is not None and _origin(newurl) != self.origin:
            raise _RedirectRefused(
                f"redirect to another origin refused (the checksum list must come from the "
                f"configured server): {req.full_url} -> {newurl}",
                req.full_url,
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(same_origin_as: str | None) -> OpenerDirector:
    """An opener with HTTP(S) only (no ftp/file/data handlers) and guarded redirects."""
    opener = OpenerDirector()
    origin = _origin(same_origin_as) if same_origin_as else None
    for handler in (
        ProxyHandler(),
        HTTPHandler(),
        HTTPSHandler(),
        HTTPDefaultErrorHandler(),
        _GuardedRedirects(origin),
        HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


@dataclass(frozen=True)
class FetchedFile:
    """One local file produced by :func:`download`.

    Attributes
    ----------
    path : Path
        The final local path.
    url : str
        Where it was (or would have been) downloaded from.
    size : int
        Size in bytes.
    sha256 : str
        Hex SHA-256 of the local file.
    status : str
        ``'downloaded'`` or ``'cached'`` (already present with the right checksum).
    """

    path: Path
    url: str
    size: int
    sha256: str
    status: str


# --------------------------------------------------------------------------- resolution


def resolve_base_url(base_url: str | None = None) -> str:
    """Return the ``/files`` root to download from, without a trailing slash.

    Parameters
    ----------
    base_url : str, optional
        Explicit root (``--base-url``); wins over the environment.

    Returns
    -------
    str
        ``base_url`` if given, else ``$PLMKIT_PHYSIONET_URL`` if set and non-empty, else
        :data:`DEFAULT_BASE_URL`.

    Raises
    ------
    InputError
        If the URL is not ``http://`` or ``https://``.
    """
    if base_url:
        chosen, origin = base_url, "--base-url"
    elif os.environ.get(ENV_BASE_URL, "").strip():
        chosen, origin = os.environ[ENV_BASE_URL].strip(), ENV_BASE_URL
    else:
        chosen, origin = DEFAULT_BASE_URL, "default"
    parts = urlsplit(chosen)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(f"base URL {chosen!r} ({origin}) is not an http:// or https:// URL")
    return chosen.rstrip("/")


def resolve_version(database: str, version: str | None = None) -> str:
    """Return the database version to fetch: ``version`` if given, else the known current one.

    Raises
    ------
    InputError
        If ``database`` is not in :data:`PHYSIONET_VERSIONS` and no version is given, or
        if either name is not a plain path segment.
    """
    _check_segment(database, "database name")
    if version:
        _check_segment(version, "version")
        return version
    try:
        return PHYSIONET_VERSIONS[database]
    except KeyError:
        known = ", ".join(sorted(PHYSIONET_VERSIONS))
        raise InputError(
            f"unknown PhysioNet database {database!r}: give its version with --version "
            f"(versions are known for {known})"
        ) from None


def _check_segment(value: str, what: str) -> None:
    if not isinstance(value, str) or not _NAME_RE.match(value) or value in (".", ".."):
        raise InputError(f"invalid {what} {value!r}: use letters, digits, '.', '_' or '-'")


# --------------------------------------------------------------------------- checksums


def read_sha256sums(text: str, source: str | None = None) -> dict[str, str]:
    """Parse a ``SHA256SUMS.txt`` as PhysioNet publishes it.

    Each line is ``<64 hex digits>  <relative path>`` (``sha256sum`` format; a ``*``
    binary marker before the path is accepted).  Blank lines and ``#`` comments are skipped.

    Parameters
    ----------
    text : str
        The file contents.
    source : str, optional
        File name or URL, used in error messages.

    Returns
    -------
    dict
        Relative POSIX path -> lower-case hex digest, in file order.

    Raises
    ------
    InputError
        On a malformed line, a path that is absolute or climbs out with ``..``, or the
        same path listed with two different digests.
    """
    sums: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _SUM_LINE_RE.match(line)
        if m is None:
            raise InputError(
                f"line {lineno} is not '<sha256>  <path>': {line[:80]!r}", source=source
            )
        digest, rel = m.group(1).lower(), _normalise_relpath(m.group(2).strip(), source, lineno)
        if sums.get(rel, digest) != digest:
            raise InputError(f"{rel!r} listed twice with different checksums", source=source)
        sums[rel] = digest
    return sums


def _normalise_relpath(rel: str, source: str | None, lineno: int) -> str:
    path = PurePosixPath(rel.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts or rel.endswith("/"):
        raise InputError(f"line {lineno}: unsafe or empty path {rel!r}", source=source)
    return path.as_posix()


def record_files(sums: dict[str, str] | Iterable[str], record: str) -> list[str]:
    """Return the paths of ``sums`` that belong to ``record``, sorted.

    A path belongs to the record if the path itself or its basename starts with
    ``record + '.'``: ``plm1`` owns ``plm1.edf`` and ``plm1.txt`` but not ``plm10.edf``;
    ``sub/x1`` owns ``sub/x1.edf``.
    """
    prefix = f"{record}."
    return sorted(
        p for p in sums if p.startswith(prefix) or PurePosixPath(p).name.startswith(prefix)
    )


def _check_record(record: str) -> str:
    if not isinstance(record, str) or not record.strip():
        raise InputError(f"invalid record name {record!r}")
    path = PurePosixPath(record.strip())
    if path.is_absolute() or ".." in path.parts:
        raise InputError(f"invalid record name {record!r}: must be a relative name")
    return path.as_posix()


# --------------------------------------------------------------------------- download


def download(
    url: str,
    dest_path: str | os.PathLike[str],
    sha256: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    progress: ProgressCallback | None = None,
    max_time_s: float = DEFAULT_MAX_TIME_S,
    min_rate_bytes_s: float = DEFAULT_MIN_RATE_BYTES_S,
    stall_window_s: float = DEFAULT_STALL_WINDOW_S,
    max_bytes: int | None = None,
    same_origin: bool = False,
) -> FetchedFile:
    """Download ``url`` to ``dest_path`` with resume, retries and checksum verification.

    The body is streamed to ``dest_path + '.part'``; an existing ``.part`` is resumed with
    a ``Range`` request.  Only a complete (and, with ``sha256``, verified) file is renamed
    to ``dest_path``.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` URL.
    dest_path : path-like
        Final local path; parent directories are created.
    sha256 : str, optional
        Expected hex SHA-256.  If given and ``dest_path`` already holds a matching file, it
        is not downloaded again (``status='cached'``); a non-matching existing file is
        deleted and downloaded again.  Without it an existing file is always re-downloaded.
    timeout : float
        Socket timeout of each request, seconds (connect and each read).
    retries : int
        Further attempts after a connection error, a truncated transfer or HTTP
        5xx/408/429; each resumes from the ``.part``.
    backoff_s : float
        Wait before retry ``k`` is ``backoff_s * 2 ** (k - 1)`` seconds.
    chunk_bytes : int
        Read size.
    progress : callable, optional
        ``progress(dest_path, done_bytes, total_bytes_or_None)`` after every chunk.
    max_time_s : float
        Deadline of the whole download, retries and backoff included, seconds.
    min_rate_bytes_s, stall_window_s : float
        A transfer averaging fewer than ``min_rate_bytes_s`` bytes/s over the last
        ``stall_window_s`` seconds is cut as stalled (and retried, resuming).
    max_bytes : int, optional
        Refuse a body larger than this many bytes (announced or received).
    same_origin : bool
        Refuse redirects to another scheme, host or port than ``url``'s.

    Returns
    -------
    FetchedFile
        The local file, its size, digest and whether it was ``downloaded`` or ``cached``.

    Raises
    ------
    NotFoundError
        HTTP 404/410 (``not found: URL``).
    ChecksumError
        The downloaded bytes do not match ``sha256``; nothing is left at ``dest_path``
        and the ``.part`` is deleted.
    FetchError
        Other HTTP errors, a refused redirect, a body over ``max_bytes``, the deadline
        passed, or retries exhausted.
    """
    dest = Path(dest_path)
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"unsupported URL scheme {scheme!r}: {url}", url)
    if retries < 0 or timeout <= 0 or chunk_bytes <= 0 or max_time_s <= 0:
        raise ValueError("download: retries must be >= 0, timeout, chunk_bytes and max_time_s > 0")
    limits = _Limits(
        deadline=time.monotonic() + max_time_s,
        max_time_s=max_time_s,
        timeout_s=timeout,
        min_rate_bytes_s=min_rate_bytes_s,
        stall_window_s=stall_window_s,
        max_bytes=max_bytes,
        opener=_opener(url if same_origin else None),
    )
    expected = sha256.lower() if sha256 else None

    if dest.is_file():
        if expected is not None:
            actual = sha256_file(dest)
            if actual == expected:
                logger.info("cached, checksum OK: %s", dest)
                return FetchedFile(dest, url, dest.stat().st_size, actual, "cached")
            logger.warning("%s: checksum does not match %s; downloading it again", dest, url)
            dest.unlink()
        else:
            logger.info("%s exists but no checksum is known; downloading it again", dest)

    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    attempt = 0
    restarted_after_mismatch = False
    while True:
        attempt += 1
        try:
            resumed = _transfer(url, part, dest, limits, chunk_bytes, progress)
        except _DeadlineError as exc:
            raise FetchError(f"download failed: {url}: {exc}", url) from None
        except _TransientError as exc:
            if attempt > retries:
                raise FetchError(
                    f"download failed after {attempt} attempt(s): {url}: {exc}", url
                ) from None
            wait = backoff_s * 2 ** (attempt - 1)
            if time.monotonic() + wait >= limits.deadline:
                raise FetchError(
                    f"download failed: deadline of {max_time_s:g} s reached: {url}: {exc}", url
                ) from None
            logger.warning(
                "%s: %s; retry %d/%d in %.1f s (resuming from the .part)",
                url,
                exc,
                attempt,
                retries,
                wait,
            )
            time.sleep(wait)
            continue
        actual = sha256_file(part)
        if expected is not None and actual != expected:
            part.unlink(missing_ok=True)
            if resumed and not restarted_after_mismatch:
                # The resumed bytes may come from a stale or foreign .part: one clean try.
                restarted_after_mismatch = True
                logger.warning("%s: checksum mismatch after resuming; restarting from zero", url)
                continue
            raise ChecksumError(
                f"checksum mismatch for {url}: expected sha256 {expected}, got {actual}; "
                f"file refused",
                url,
            )
        os.replace(part, dest)
        size = dest.stat().st_size
        logger.info("downloaded %s (%d bytes) -> %s", url, size, dest)
        return FetchedFile(dest, url, size, actual, "downloaded")


@dataclass(frozen=True)
class _Limits:
    """The bounds of one download (see :func:`download`)."""

    deadline: float  # time.monotonic() value
    max_time_s: float
    timeout_s: float
    min_rate_bytes_s: float
    stall_window_s: float
    max_bytes: int | None
    opener: OpenerDirector

    def socket_timeout(self) -> float:
        """The per-request socket timeout, never past the deadline."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise _DeadlineError(f"deadline of {self.max_time_s:g} s reached")
        return min(self.timeout_s, left)


class _DeadlineError(_TransientError):
    """The download's total deadline passed (not retried: the caller stops)."""


def _transfer(
    url: str,
    part: Path,
    dest: Path,
    limits: _Limits,
    chunk_bytes: int,
    progress: ProgressCallback | None,
) -> bool:
    """Make one request and append/write the body to ``part``.

    Returns whether the finished ``part`` holds bytes from an earlier response (resumed).
    Raises :class:`_TransientError` for retryable problems, :class:`FetchError` otherwise.
    """
    offset = part.stat().st_size if part.is_file() else 0
    headers = {"User-Agent": _USER_AGENT, "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        logger.info("resuming %s at byte %d", url, offset)
    try:
        resp = limits.opener.open(Request(url, headers=headers), timeout=limits.socket_timeout())
    except FetchError:
        raise
    except HTTPError as exc:
        code, content_range = exc.code, exc.headers.get("Content-Range") if exc.headers else None
        exc.close()
        if code == 416 and offset:
            m = _UNSATISFIED_RANGE_RE.match(content_range or "")
            if m and int(m.group(1)) == offset:
                return True  # the .part already holds the whole file
            part.unlink(missing_ok=True)
            raise _TransientError(
                f"server refused resuming at byte {offset}; restarting from zero"
            ) from None
        if code in (404, 410):
            raise NotFoundError(f"not found: {url}", url) from None
        if code >= 500 or code in _RETRY_STATUS:
            raise _TransientError(f"HTTP {code} {exc.reason}") from None
        raise FetchError(f"HTTP {code} {exc.reason}: {url}", url) from None
    except (URLError, OSError, HTTPException) as exc:
        reason = exc.reason if isinstance(exc, URLError) else exc
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise FetchError(f"TLS certificate not trusted for {url}: {reason}", url) from None
        raise _TransientError(f"connection error: {reason or type(exc).__name__}") from None

    with resp:
        status = resp.status
        length_header = resp.headers.get("Content-Length")
        body_len = int(length_header) if length_header and length_header.isdigit() else None
        if status == 206:
            m = _CONTENT_RANGE_RE.match(resp.headers.get("Content-Range") or "")
            if m is None or int(m.group(1)) != offset:
                part.unlink(missing_ok=True)
                raise _TransientError(
                    f"server answered 206 with Content-Range "
                    f"{resp.headers.get('Content-Range')!r} for a request at byte {offset}; "
                    "restarting from zero"
                )
            total = int(m.group(3)) if m.group(3) != "*" else None
            mode, start = "ab", offset
        elif status == 200:
            if offset:
                logger.info("%s: server ignored the Range request; restarting from zero", url)
            total = body_len
            mode, start = "wb", 0
        else:
            raise FetchError(f"unexpected HTTP {status} for {url}", url)
        if limits.max_bytes is not None and total is not None and total > limits.max_bytes:
            part.unlink(missing_ok=True)
            raise FetchError(
                f"{url} is {total} bytes, more than the {limits.max_bytes} accepted", url
            )

        received = 0
        # (time, bytes) marks for the low-speed limit: the average over the last window
        window_start_t, window_start_bytes = time.monotonic(), 0
        with open(part, mode) as fh:
            while True:
                try:
                    # one recv (keeps what arrived), bounded by the socket timeout, which
                    # was set no later than the deadline when the request was made
                    chunk = resp.read1(chunk_bytes)
                except (OSError, HTTPException) as exc:
                    raise _TransientError(
                        f"transfer interrupted after {start + received} bytes "
                        f"({type(exc).__name__}: {exc})"
                    ) from None
                if not chunk:
                    break
                fh.write(chunk)
                received += len(chunk)
                if limits.max_bytes is not None and start + received > limits.max_bytes:
                    fh.close()
                    part.unlink(missing_ok=True)
                    raise FetchError(
                        f"{url} is larger than the {limits.max_bytes} bytes accepted", url
                    )
                if progress is not None:
                    progress(dest, start + received, total)
                now = time.monotonic()
                if now >= limits.deadline:
                    raise _DeadlineError(f"deadline of {limits.max_time_s:g} s reached")
                if now - window_start_t >= limits.stall_window_s:
                    rate = (received - window_start_bytes) / (now - window_start_t)
                    if rate < limits.min_rate_bytes_s:
                        raise _TransientError(
                            f"transfer stalled: {rate:.0f} bytes/s over the last "
                            f"{now - window_start_t:.0f} s (minimum {limits.min_rate_bytes_s:g})"
                        )
                    window_start_t, window_start_bytes = now, received
            fh.flush()
            os.fsync(fh.fileno())

    if body_len is not None and received < body_len:
        raise _TransientError(
            f"connection closed after {start + received} of {start + body_len} bytes"
        )
    if total is not None and start + received != total:
        raise _TransientError(f"received {start + received} bytes, expected {total}")
    return start > 0


# --------------------------------------------------------------------------- PhysioNet


def _load_sums(db_url: str, root: Path, refresh: bool, **dl_kwargs) -> tuple[dict[str, str], bool]:
    """Return (checksums, from_cache) for one database version, caching the list in ``root``."""
    path = root / SHA256SUMS_NAME
    url = f"{db_url}/{SHA256SUMS_NAME}"
    if path.is_file() and not refresh:
        try:
            sums = read_sha256sums(path.read_text(encoding="utf-8"), source=str(path))
        except (InputError, UnicodeDecodeError) as exc:
            logger.warning("cached %s is unreadable (%s); downloading it again", path, exc)
        else:
            if sums:
                logger.info("using cached %s", path)
                return sums, True
    # the root of trust: from the configured origin only, and of a sane size
    download(url, path, **dl_kwargs, same_origin=True, max_bytes=MAX_SUMS_BYTES)
    try:
        sums = read_sha256sums(path.read_text(encoding="utf-8"), source=url)
        if not sums:
            raise InputError("checksum list is empty", source=url)
    except UnicodeDecodeError:
        path.unlink(missing_ok=True)
        raise InputError("checksum list is not UTF-8 text", source=url) from None
    except InputError:
        path.unlink(missing_ok=True)
        raise
    return sums, False


def iter_fetch_physionet(
    database: str,
    records: str | Iterable[str],
    dest: str | os.PathLike[str] = "data/physionet",
    version: str | None = None,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
) -> Iterator[FetchedFile]:
    """Fetch the files of PhysioNet records, yielding each local file as it is ready.

    Same parameters as :func:`fetch_physionet`.  All records are checked against the
    checksum list before anything is downloaded.
    """
    version = resolve_version(database, version)
    base = resolve_base_url(base_url)
    names = [records] if isinstance(records, str) else list(records)
    if not names:
        raise InputError("no record given")
    names = [_check_record(r) for r in names]
    root = Path(dest) / database / version
    db_url = f"{base}/{quote(database)}/{quote(version)}"
    dl = {"timeout": timeout, "retries": retries, "backoff_s": backoff_s}

    sums, from_cache = _load_sums(db_url, root, refresh=False, **dl)
    missing = [r for r in names if not record_files(sums, r)]
    if missing and from_cache:
        logger.info("record(s) %s not in the cached checksum list; refreshing it", missing)
        sums, _ = _load_sums(db_url, root, refresh=True, **dl)
        missing = [r for r in names if not record_files(sums, r)]
    if missing:
        raise InputError(
            f"record(s) {', '.join(missing)} have no files in the checksum list of "
            f"{database} {version}",
            source=f"{db_url}/{SHA256SUMS_NAME}",
        )

    planned: dict[str, None] = {}
    for r in names:
        planned.update(dict.fromkeys(record_files(sums, r)))
    for rel in planned:
        url = f"{db_url}/{quote(rel)}"
        yield download(url, root / rel, sums[rel], progress=progress, **dl)


def fetch_physionet(
    database: str,
    records: str | Iterable[str],
    dest: str | os.PathLike[str] = "data/physionet",
    version: str | None = None,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    backoff_s: float = DEFAULT_BACKOFF_S,
) -> list[Path]:
    """Download (or find in the cache) every file of the given PhysioNet records.

    Parameters
    ----------
    database : str
        PhysioNet database slug, e.g. ``'capslpdb'``.
    records : str or iterable of str
        Record names, e.g. ``['plm1', 'n1']``; a record owns the files of the checksum
        list whose path or basename starts with ``RECORD.``.
    dest : path-like
        Local root; files go to ``dest/database/version/<path>``.
    version : str, optional
        Database version; default the current one from :data:`PHYSIONET_VERSIONS`.
    base_url : str, optional
        Mirror of the PhysioNet ``/files`` root; default ``$PLMKIT_PHYSIONET_URL``, else
        :data:`DEFAULT_BASE_URL`.
    progress : callable, optional
        ``progress(path, done_bytes, total_bytes_or_None)`` after every chunk.
    timeout, retries, backoff_s
        Per-request timeout (s), further attempts on transient errors, initial backoff (s).

    Returns
    -------
    list of Path
        Local paths of all files of those records (downloaded or cached), each verified.

    Raises
    ------
    InputError
        Unknown database without a version, invalid names, or a record with no files.
    NotFoundError, ChecksumError, FetchError
        Download problems (see :func:`download`).
    """
    return [
        f.path
        for f in iter_fetch_physionet(
            database,
            records,
            dest,
            version,
            base_url,
            progress,
            timeout=timeout,
            retries=retries,
            backoff_s=backoff_s,
        )
    ]
