"""What the SECC core reports to its driver."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CloseReason", "RequestReceived", "SeccEvent", "SessionClosed"]


class CloseReason(StrEnum):
    """Why the SECC ended a connection."""

    SESSION_STOP = "session_stop"  # SessionStopReq (Terminate) answered
    PAUSED = "paused"  # SessionStopReq (Pause) answered; the session id is kept
    EV_CLOSED = "ev_closed"
    BAD_FRAMING = "v2gtp_error"
    BAD_EXI = "exi_decode_error"
    NO_COMMON_PROTOCOL = "no_common_protocol"
    SEQUENCE_ERROR = "sequence_error"
    UNKNOWN_SESSION = "unknown_session"
    FAILED_SENT = "failed_response"  # a FAILED response code was sent (request refused)
    FAULT = "fault"  # a named fault closed the connection
    TIMEOUT = "sequence_timeout"
    INTERNAL_ERROR = "internal_error"


@dataclass(frozen=True, slots=True)
class RequestReceived:
    """A request decoded (name as the schema spells it, e.g. ``CurrentDemandReq``)."""

    name: str


@dataclass(frozen=True, slots=True)
class SessionClosed:
    """The SECC is done with this connection; the driver closes it once output is flushed."""

    reason: CloseReason
    detail: str = ""


SeccEvent = RequestReceived | SessionClosed
