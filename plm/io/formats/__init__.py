"""Per-format annotation readers.

Each returns the intermediate annotation table (see :mod:`plm.io.formats._common`).
Use :func:`plm.io.annotations.read_annotation_file` rather than these modules directly.
"""
