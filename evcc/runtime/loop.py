"""The event loop the drivers run on, with timers precise to well under a millisecond.

asyncio's default selector on Linux (epoll) rounds every wait up to a whole millisecond.
SLAC paces its sounds 20 ms apart from the moment each timer fired, so that rounding adds
up to about a millisecond per frame. ``select(2)`` takes microseconds; the drivers watch a
handful of sockets, well below its descriptor limit.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def new_event_loop() -> asyncio.AbstractEventLoop:
    """An event loop on ``select(2)``."""
    return asyncio.SelectorEventLoop(selectors.SelectSelector())


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a fresh loop from :func:`new_event_loop`."""
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(main)
