"""The bench charger: an SECC simulator (SDP, TCP/TLS 1.2, DIN SPEC 70121 DC, ISO 15118-2 AC/DC
EIM) with named faults, for tests and benches of the EV side.

:class:`~evcc.bench.secc.core.SeccCore` is the sans-IO session core; :mod:`.server` runs it
behind asyncio TCP/TLS and SDP servers.
"""

from evcc.bench.secc.config import ChargerConfig, EvseLimits
from evcc.bench.secc.core import SeccCore
from evcc.bench.secc.events import CloseReason, RequestReceived, SeccEvent, SessionClosed
from evcc.bench.secc.faults import Fault, FaultError, parse_fault

__all__ = [
    "ChargerConfig",
    "CloseReason",
    "EvseLimits",
    "Fault",
    "FaultError",
    "RequestReceived",
    "SeccCore",
    "SeccEvent",
    "SessionClosed",
    "parse_fault",
]
