"""``python -m evcc`` runs the command line."""

import sys

from evcc.cli import main

sys.exit(main())
