"""Drive pyslac 0.8.3's SlacEvseSession on one interface (run with pyslac's own venv).

Usage: python slac_pyslac_evse.py IFACE [SETTLE_S] [HOLD_S] [TIMEOUT_S]
Prints READY after CM_SET_KEY, MATCHED <pev mac> after the match, then holds the link.
"""

import asyncio
import sys

import pyslac.session as pyslac_session  # type: ignore[import-not-found]
from pyslac.environment import Config  # type: ignore[import-not-found]
from pyslac.session import (
    SlacEvseSession,
    SlacSessionController,
)


async def main(iface: str, settle: float, hold: float, timeout: float) -> int:
    pyslac_session.SLAC_SETTLE_TIME = settle
    config = Config()
    config.load_envs()
    session = SlacEvseSession("EVSE-1", iface, config)
    await session.evse_set_key()
    print("READY", flush=True)
    controller = SlacSessionController()
    await controller.process_cp_state(session, "B")
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while session.state != pyslac_session.STATE_MATCHED:
        if loop.time() > end:
            print("FAILED", flush=True)
            return 1
        await asyncio.sleep(0.02)
    print("MATCHED", session.pev_mac.hex(), flush=True)
    await asyncio.sleep(hold)
    await controller.process_cp_state(session, "A")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(
        asyncio.run(
            main(
                args[0],
                float(args[1]) if len(args) > 1 else 1.0,
                float(args[2]) if len(args) > 2 else 5.0,
                float(args[3]) if len(args) > 3 else 60.0,
            )
        )
    )
