"""What the demo steps share: a work directory, the time, randomness and handed-on facts."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass
class DemoContext:
    """What the steps share: a work directory, the time, randomness and handed-on facts."""

    workdir: Path
    now: datetime
    #: Monotonic seconds and a matching sleep; tests pass a virtual clock.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[int], bytes] = os.urandom
    #: Set by the PKI step, used by later steps (the vehicle's PCID).
    pcid: str | None = None
