"""`python -m app.cli`: the same as the `privfin` script."""

import sys

from app.cli import main

sys.exit(main())
