"""The DIN SPEC 70121 dialect: V2G_Message framing, its timers, its session setup."""

from __future__ import annotations

from evcc.messages import din
from evcc.session import timeouts
from evcc.session.dialects import HeaderBodyDialect

__all__ = ["DIN"]

DIN = HeaderBodyDialect("din", timeouts.DIN, din)
