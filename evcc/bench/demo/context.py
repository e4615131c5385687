"""What the demo steps share: a work directory, the clock, randomness and handed-on facts."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from evcc.clock import SYSTEM_CLOCK, Clock


@dataclass
class DemoContext:
    """What the steps share: a work directory, the clock, randomness and handed-on facts."""

    workdir: Path
    #: Monotonic seconds for protocol timers, UTC for certificates; tests pass a FakeClock.
    clock: Clock = SYSTEM_CLOCK
    #: Waits on :attr:`clock`; tests pass one that advances their FakeClock.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: Callable[[int], bytes] = os.urandom
    #: Set by the PKI step, used by later steps (the vehicle's PCID).
    pcid: str | None = None

    @property
    def now(self) -> datetime:
        """The current UTC time of :attr:`clock`."""
        return self.clock.utc()
