"""``python -m benchmarks [--quick] [--out DIR] [--only NAME,...] [--cache DIR]``."""

import sys

from benchmarks.runner import main

sys.exit(main())
