"""``plm fetch``: download open PSG records (PhysioNet) into a local, verified cache.

Glue between the ``plm`` command line and :mod:`plm.io.fetch`: register the sub-command
with :func:`add_fetch_parser`; it sets ``handler=run_fetch``.
"""

from __future__ import annotations

import argparse
import logging
import sys

from plm.events import InputError
from plm.io.fetch import DEFAULT_BASE_URL, ENV_BASE_URL, FetchError, iter_fetch_physionet

__all__ = ["add_fetch_parser", "run_fetch"]

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
SOURCES = ("physionet",)


def add_fetch_parser(sub: argparse._SubParsersAction) -> None:
    """Add the ``fetch`` sub-command to ``sub`` (the ``plm`` sub-parsers).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What ``ArgumentParser.add_subparsers()`` returned.
    """
    p = sub.add_parser(
        "fetch",
        help="download PhysioNet records (checksummed, resumable, cached)",
        description=(
            "Download every file of the given records (e.g. `plm fetch physionet capslpdb "
            "plm1 n1`), verify it against the database's SHA256SUMS.txt and keep it under "
            "DEST/DATABASE/VERSION/. Files already present with the right checksum are not "
            "downloaded again; interrupted downloads are resumed."
        ),
    )
    p.add_argument("source", choices=SOURCES, help="where to download from")
    p.add_argument("database", help="database name, e.g. capslpdb, slpdb, sleep-edfx")
    p.add_argument("records", nargs="+", help="record name(s), e.g. plm1 n1")
    p.add_argument(
        "--dest",
        default="data/physionet",
        help="local root directory (default data/physionet)",
    )
    p.add_argument(
        "--version",
        dest="db_version",
        default=None,
        help="database version (default: the current one for known databases)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        help=f"mirror of the PhysioNet /files root (default ${ENV_BASE_URL}, else "
        f"{DEFAULT_BASE_URL})",
    )
    p.set_defaults(handler=run_fetch)


def run_fetch(args: argparse.Namespace) -> int:
    """Run ``plm fetch``; print one line per file, return the exit code.

    Returns
    -------
    int
        0 on success; 1 on a download error or checksum mismatch; 2 on a usage error
        (unknown database without ``--version``, unknown record, bad URL).  Errors are
        printed as one ``plm: error: ...`` line on stderr.
    """
    if args.source != "physionet":  # argparse choices already guard this
        print(f"plm: error: unknown source {args.source!r}", file=sys.stderr)
        return EXIT_USAGE
    try:
        for f in iter_fetch_physionet(
            args.database,
            args.records,
            dest=args.dest,
            version=_version_arg(args),
            base_url=args.base_url,
        ):
            print(f"{f.path}\t{f.size} bytes\t{f.status}")
    except FetchError as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except InputError as exc:
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # local disk problems: permissions, full disk
        print(f"plm: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _version_arg(args: argparse.Namespace) -> str | None:
    # ``--version`` is stored as ``db_version`` so that it cannot clash with the top-level
    # ``plm --version`` action; accept a plain ``version`` attribute from hand-made Namespaces.
    value = getattr(args, "db_version", None)
    if value is None:
        value = getattr(args, "version", None)
    return value
