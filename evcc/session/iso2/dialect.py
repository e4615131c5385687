"""The ISO 15118-2 dialect: V2G_Message framing, its timers, its session setup."""

from __future__ import annotations

from evcc.messages import iso2
from evcc.session import timeouts
from evcc.session.dialects import HeaderBodyDialect

__all__ = ["ISO2"]

ISO2 = HeaderBodyDialect("iso2", timeouts.ISO2, iso2)
