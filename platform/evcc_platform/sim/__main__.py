"""``python -m evcc_platform.sim``: run the powerline emulator between interfaces."""

import sys

from evcc_platform.sim.cli import main

sys.exit(main())
