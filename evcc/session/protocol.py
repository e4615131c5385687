"""What a protocol folder (din/, iso2/, iso20/) gives the session core.

A :class:`Dialect` turns bodies into V2GTP payloads and back and says what a response code
means; a :class:`State` is one request/response pair — in practice a module with ``NAME``,
``REQUEST``, ``RESPONSE``, ``build`` and ``handle``. State modules never import each other:
they name their successors by string, and the protocol's ``states`` table maps names to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from evcc.session.steps import Step
from evcc.session.timeouts import TimerTable
from evcc.v2gtp import PayloadType

__all__ = ["Context", "Dialect", "ProtocolSpec", "State", "StopRequest"]


class StopRequest(StrEnum):
    """What the car asked for; states read it and steer towards SessionStop."""

    TERMINATE = "terminate"
    PAUSE = "pause"


@dataclass
class Context:
    """What every protocol's session keeps; protocol contexts add their own fields."""

    session_id: bytes = b"\x00"
    evse_id: str = ""
    stop: StopRequest | None = None
    resumed: bool = False
    notes: list[str] = field(default_factory=list)


C = TypeVar("C", bound=Context)
C_contra = TypeVar("C_contra", bound=Context, contravariant=True)


class Dialect(Protocol):
    """Encoding and response-code rules of one protocol."""

    @property
    def name(self) -> str: ...

    @property
    def payload_type(self) -> PayloadType: ...

    @property
    def timers(self) -> TimerTable: ...

    @property
    def session_setup_response(self) -> type[object]:
        """The response whose header assigns the session id."""
        ...

    def encode(self, session_id: bytes, body: object) -> bytes:
        """A whole V2G_Message for ``body``; raises ``ExiEncodeError``."""
        ...

    def decode(self, payload: bytes) -> tuple[bytes, object]:
        """(header session id, body element); raises ``ExiDecodeError``."""
        ...

    def response_code(self, body: object) -> str:
        """The body's ResponseCode as its schema spells it."""
        ...


class State(Protocol[C_contra]):
    """One request/response pair (usually a module)."""

    @property
    def NAME(self) -> str: ...  # noqa: N802 - module constants

    @property
    def REQUEST(self) -> str: ...  # noqa: N802

    @property
    def RESPONSE(self) -> type[object]: ...  # noqa: N802

    def build(self, ctx: C_contra, now: float) -> object: ...

    def handle(self, ctx: C_contra, res: Any, now: float) -> Step: ...


@dataclass(frozen=True)
class ProtocolSpec(Generic[C]):
    """A protocol ready to run: its dialect, its states, the first one and a fresh context."""

    dialect: Dialect
    states: Mapping[str, State[C]]
    first: str
    context: C
