"""Physical values of DIN SPEC 70121 and ISO 15118-2: value x 10^multiplier, a 16-bit value."""

from __future__ import annotations

import math

__all__ = ["from_physical", "to_physical"]

_MIN_MULT, _MAX_MULT = -3, 3
_VALUE_MIN, _VALUE_MAX = -32768, 32767


def to_physical(value: float) -> tuple[int, int]:
    """(multiplier, value) with the most precision that fits a signed 16-bit value.

    Raises ``ValueError`` for values that do not fit even at multiplier 3 or are not finite.
    """
    if not math.isfinite(value):
        raise ValueError(f"physical value {value!r} is not finite")
    for multiplier in range(_MIN_MULT, _MAX_MULT + 1):
        scaled = round(value / 10**multiplier)
        if _VALUE_MIN <= scaled <= _VALUE_MAX:
            return multiplier, int(scaled)
    raise ValueError(f"physical value {value!r} is out of range")


def from_physical(multiplier: int, value: int) -> float:
    """The float a (multiplier, value) pair stands for."""
    return float(value) * 10.0**multiplier
