"""The dialect of protocols whose messages are one V2G_Message(Header, Body): DIN and ISO-2.

Each protocol package makes its instance (``evcc.session.din.dialect.DIN``,
``evcc.session.iso2.dialect.ISO2``), so a session loads only the grammar it speaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import ModuleType
from typing import Literal

from evcc import exi
from evcc.errors import ExiDecodeError
from evcc.session.timeouts import TimerTable
from evcc.v2gtp import PayloadType

__all__ = ["HeaderBodyDialect"]


@dataclass(frozen=True)
class HeaderBodyDialect:
    """A V2G_Message grammar: the header carries the session id, the body one element."""

    name: Literal["din", "iso2"]
    timers: TimerTable
    messages: ModuleType  # evcc.messages.din or evcc.messages.iso2
    payload_type: PayloadType = PayloadType.EXI

    @property
    def session_setup_response(self) -> type[object]:
        response: type[object] = self.messages.SessionSetupResType
        return response

    def encode(self, session_id: bytes, body: object) -> bytes:
        module = self.messages
        message = module.V2G_Message(
            header=module.MessageHeaderType(session_id=session_id),
            body=module.BodyType(body_element=body),
        )
        return exi.encode(message, self.name)

    def decode(self, payload: bytes) -> tuple[bytes, object]:
        message = exi.decode(payload, self.name)
        if not isinstance(message, self.messages.V2G_Message):
            raise ExiDecodeError(f"{type(message).__name__} is not a V2G_Message")
        # Non-strict EXI lets required children go missing (deviations): check what is used.
        header, body = getattr(message, "header", None), getattr(message, "body", None)
        session_id = getattr(header, "session_id", None)
        element = getattr(body, "body_element", None)
        if not isinstance(session_id, bytes):
            raise ExiDecodeError("V2G_Message without a SessionID")
        if element is None:
            raise ExiDecodeError("V2G_Message with an empty Body")
        return session_id, element

    def response_code(self, body: object) -> str:
        code = getattr(body, "response_code", None)
        if not isinstance(code, Enum):
            raise ValueError(f"{type(body).__name__} has no ResponseCode")
        return str(code.value)

