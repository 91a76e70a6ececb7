"""``python -m plm.keys > docs/outputs.md``: write the data dictionary."""

import sys

from plm.keys import data_dictionary

sys.stdout.write(data_dictionary())
