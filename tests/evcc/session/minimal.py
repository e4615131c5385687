"""A minimal DIN protocol (SessionSetup -> optional Ongoing loop -> SessionStop) and a scripted
SECC, to test the session core without the full state tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evcc import exi, v2gtp
from evcc.errors import ExiDecodeError
from evcc.messages import app, din
from evcc.session.core import SessionConfig, SessionCore
from evcc.session.din.dialect import DIN
from evcc.session.protocol import Context, ProtocolSpec
from evcc.session.steps import Finish, Guard, Next, Repeat, Step

SECC_SESSION = bytes.fromhex("40c664aef43feaf9")
EVCC_ID = bytes.fromhex("020000000e01")


@dataclass
class MiniContext(Context):
    ongoing_rounds: int = 0
    ongoing_answers: int = 0


class SessionSetup:
    NAME = "session_setup"
    REQUEST = "SessionSetupReq"
    RESPONSE = din.SessionSetupResType

    def build(self, ctx: MiniContext, now: float) -> object:
        return din.SessionSetupReqType(evccid=EVCC_ID)

    def handle(self, ctx: MiniContext, res: din.SessionSetupResType, now: float) -> Step:
        ctx.evse_id = res.evseid.hex()
        return Next("ongoing" if ctx.ongoing_rounds else "session_stop")


class Ongoing:
    """ContractAuthentication with EVSEProcessing=Ongoing, repeated under the Ongoing guard."""

    NAME = "ongoing"
    REQUEST = "ContractAuthenticationReq"
    RESPONSE = din.ContractAuthenticationResType

    def build(self, ctx: MiniContext, now: float) -> object:
        return din.ContractAuthenticationReqType()

    def handle(self, ctx: MiniContext, res: din.ContractAuthenticationResType, now: float) -> Step:
        ctx.ongoing_answers += 1
        if res.evse_processing is din.EVSEProcessingType.Ongoing:
            return Repeat(delay=0.5, guard=Guard.ONGOING)
        return Next("session_stop")


class SessionStop:
    NAME = "session_stop"
    REQUEST = "SessionStopReq"
    RESPONSE = din.SessionStopResType

    def build(self, ctx: MiniContext, now: float) -> object:
        return din.SessionStopType()

    def handle(self, ctx: MiniContext, res: din.SessionStopResType, now: float) -> Step:
        return Finish()


def mini_din(ongoing_rounds: int = 0) -> Callable[[], ProtocolSpec[Any]]:
    def make() -> ProtocolSpec[Any]:
        states = {s.NAME: s for s in (SessionSetup(), Ongoing(), SessionStop())}
        ctx = MiniContext(ongoing_rounds=ongoing_rounds)
        return ProtocolSpec(DIN, states, "session_setup", ctx)
    return make


def new_core(ongoing_rounds: int = 0, **config: Any) -> SessionCore:
    return SessionCore(SessionConfig(protocols=("din",), **config),
                       {"din": mini_din(ongoing_rounds)})


def sap_res(schema_id: int | None = 1,
            code: app.ResponseCodeType = app.ResponseCodeType.OK_SuccessfulNegotiation) -> bytes:
    res = app.SupportedAppProtocolRes(response_code=code, schema_id=schema_id)
    return v2gtp.frame(v2gtp.PayloadType.EXI, exi.encode(res, "app"))


def din_msg(body: object, session_id: bytes = SECC_SESSION) -> bytes:
    return v2gtp.frame(v2gtp.PayloadType.EXI, DIN.encode(session_id, body))


def setup_res(code: din.ResponseCodeType = din.ResponseCodeType.OK_NewSessionEstablished,
              session_id: bytes = SECC_SESSION) -> bytes:
    body = din.SessionSetupResType(response_code=code, evseid=b"\x49\xa8\x9a", date_time_now=1)
    return din_msg(body, session_id)


def auth_res(ongoing: bool) -> bytes:
    processing = din.EVSEProcessingType.Ongoing if ongoing else din.EVSEProcessingType.Finished
    return din_msg(din.ContractAuthenticationResType(
        response_code=din.ResponseCodeType.OK, evse_processing=processing))


def stop_res() -> bytes:
    return din_msg(din.SessionStopResType(response_code=din.ResponseCodeType.OK))


def requests_in(data: bytes) -> list[object]:
    """Decode what the EV sent: SupportedAppProtocolReq or DIN bodies."""
    out: list[object] = []
    for frame in v2gtp.StreamBuffer().feed(data):
        try:
            out.append(exi.decode(frame.payload, "app"))
        except ExiDecodeError:  # not the handshake, so a DIN message
            out.append(DIN.decode(frame.payload)[1])
    return out
