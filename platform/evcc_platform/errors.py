"""Errors of the hardware platform layer (a branch of the ``evcc.errors`` family)."""

from __future__ import annotations

from evcc.errors import EvccError


class PlatformError(EvccError):
    """A platform device cannot be opened or does not behave."""


class BoardError(PlatformError, ValueError):
    """A board file that cannot be read or does not follow the board format."""


class ModemError(PlatformError):
    """The powerline modem cannot be reached or refused a request."""
