import sys

from scripts.validation.cli import main

sys.exit(main())
