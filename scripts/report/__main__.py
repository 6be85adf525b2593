"""Allow `python -m scripts.report`."""

import sys

from scripts.report.cli import main

sys.exit(main())
