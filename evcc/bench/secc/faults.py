"""Named faults of the bench charger: ``NAME[:ARG]``, as ``--fault`` and in the config.

Per-request faults name a request (``CurrentDemand`` or ``CurrentDemandReq``), optionally its
occurrence (``CurrentDemand@3``, default the first): ``stall``, ``close``, ``wrong_session_id``,
``malformed_exi``, ``garbage_v2gtp``, ``drip`` and ``failed`` (``failed:Authorization`` answers
``FAILED``; ``failed:Authorization=FAILED_SequenceError`` another code). Charge-loop faults take
the loop message number (default 3): ``notify_stop``, ``notify_renegotiate``,
``emergency_shutdown``. TLS faults have no argument: ``expired_cert``, ``foreign_root``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from evcc.errors import EvccError

__all__ = ["FAULT_NAMES", "Fault", "FaultError", "FaultSet", "parse_fault"]

REQUEST_FAULTS = frozenset({
    "stall", "close", "wrong_session_id", "malformed_exi", "garbage_v2gtp", "drip", "failed",
})
LOOP_FAULTS = frozenset({"notify_stop", "notify_renegotiate", "emergency_shutdown"})
TLS_FAULTS = frozenset({"expired_cert", "foreign_root"})
FAULT_NAMES = tuple(sorted(REQUEST_FAULTS | LOOP_FAULTS | TLS_FAULTS))
_DEFAULT_REQUEST = {"wrong_session_id": "ServiceDiscoveryReq"}
_DEFAULT_LOOP_MESSAGE = 3


class FaultError(EvccError, ValueError):
    """A fault specification that names no known fault or has a bad argument."""


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: its name, the request it hits (and which occurrence), or the loop message."""

    name: str
    request: str | None = None
    occurrence: int = 1
    code: str | None = None
    loop_message: int = 0

    def __str__(self) -> str:
        if self.request is not None:
            at = f"@{self.occurrence}" if self.occurrence != 1 else ""
            code = f"={self.code}" if self.code else ""
            return f"{self.name}:{self.request}{at}{code}"
        if self.loop_message:
            return f"{self.name}:{self.loop_message}"
        return self.name


def _request_name(text: str) -> str:
    name = text.strip()
    if not name or not name.isidentifier():
        raise FaultError(f"bad request name {text!r}")
    return name if name.endswith("Req") else name + "Req"


def parse_fault(spec: str) -> Fault:
    """Parse ``NAME[:ARG]`` (see the module docstring); FaultError when it makes no sense."""
    name, _, arg = spec.strip().partition(":")
    if name not in FAULT_NAMES:
        raise FaultError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
    if name in TLS_FAULTS:
        if arg:
            raise FaultError(f"fault {name} takes no argument")
        return Fault(name)
    if name in LOOP_FAULTS:
        if not arg:
            return Fault(name, loop_message=_DEFAULT_LOOP_MESSAGE)
        if not arg.isdigit() or int(arg) < 1:
            raise FaultError(f"fault {name} wants a loop message number >= 1, got {arg!r}")
        return Fault(name, loop_message=int(arg))
    if not arg:
        if name not in _DEFAULT_REQUEST:
            raise FaultError(f"fault {name} needs a request name, e.g. {name}:CurrentDemand")
        arg = _DEFAULT_REQUEST[name]
    arg, _, code = arg.partition("=")
    if code and name != "failed":
        raise FaultError(f"only the failed fault takes a response code, not {name}")
    if code and not code.startswith("FAILED"):
        raise FaultError(f"response code {code!r} of the failed fault must start with FAILED")
    request, _, at = arg.partition("@")
    if at and (not at.isdigit() or int(at) < 1):
        raise FaultError(f"occurrence {at!r} must be a number >= 1")
    return Fault(name, _request_name(request), int(at) if at else 1,
                 (code or "FAILED") if name == "failed" else None)


class FaultSet:
    """The faults of one charger, with the questions the core asks of them."""

    def __init__(self, faults: Iterable[Fault | str] = ()) -> None:
        self.faults = tuple(f if isinstance(f, Fault) else parse_fault(f) for f in faults)

    def at_request(self, request: str, occurrence: int) -> list[Fault]:
        """The per-request faults that hit this occurrence of ``request``."""
        return [f for f in self.faults
                if f.request == request and f.occurrence == occurrence]

    def at_loop(self, name: str, message: int) -> bool:
        """True when loop fault ``name`` is active at charge-loop message ``message`` (1-based).

        ``notify_renegotiate`` fires once; ``notify_stop`` and ``emergency_shutdown`` stay on.
        """
        for f in self.faults:
            if f.name != name:
                continue
            if message == f.loop_message or (name != "notify_renegotiate"
                                              and message > f.loop_message):
                return True
        return False

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.faults)
