"""Benchmark suite of plmkit: ``python -m benchmarks [--quick] [--out DIR] [--only NAME,...]``.

The suite generates its own inputs with :mod:`plm.simulate` (cached in ``benchmarks/.cache``),
times every case, prints the tables and writes one JSON file.  See ``benchmarks/README.md``.
Nothing here asserts a timing: targets are reported, never enforced.
"""

#: Version of the JSON layout written by the runner.
SCHEMA_VERSION = 1
