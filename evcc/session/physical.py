"""Physical values of DIN SPEC 70121 and ISO 15118-2: value x 10^multiplier, a 16-bit value."""

from __future__ import annotations

import math

__all__ = ["from_physical", "to_physical"]

_MIN_MULT, _MAX_MULT = -3, 3
_VALUE_MIN, _VALUE_MAX = -32768, 32767


def to_physical(
    value: float, *, finest: int = _MIN_MULT, saturate: bool = False
) -> tuple[int, int]:
    """(multiplier, value): the first multiplier from ``finest`` up that fits a signed 16-bit
    value, i.e. the most precision there is room for.

    Out of range: ``saturate`` gives the largest value of its sign, otherwise ``ValueError``
    (also for values that are not finite).
    """
    if not math.isfinite(value):
        raise ValueError(f"physical value {value!r} is not finite")
    for multiplier in range(max(finest, _MIN_MULT), _MAX_MULT + 1):
        scaled = round(value / 10**multiplier)
        if _VALUE_MIN <= scaled <= _VALUE_MAX:
            return multiplier, int(scaled)
    if saturate:
        return _MAX_MULT, _VALUE_MAX if value > 0 else -_VALUE_MAX
    raise ValueError(f"physical value {value!r} is out of range")


def from_physical(multiplier: int, value: int) -> float:
    """The float a (multiplier, value) pair stands for."""
    return float(value) * 10.0**multiplier
