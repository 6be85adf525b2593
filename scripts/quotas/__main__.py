"""Entry point for ``python -m scripts.quotas``."""

import sys

from scripts.quotas.cli import main

sys.exit(main())
