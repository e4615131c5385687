"""Physical values: most precision that fits a short, a coarsest-first option, saturation."""

from __future__ import annotations

import math

import pytest

from evcc.session.physical import from_physical, to_physical


def test_most_precision_that_fits() -> None:
    assert to_physical(1.5) == (-3, 1500)
    assert to_physical(400.0) == (-1, 4000)
    assert to_physical(50_000.0) == (1, 5000)
    assert from_physical(1, 5000) == 50_000.0


def test_finest_and_saturation() -> None:
    assert to_physical(400.0, finest=0) == (0, 400)
    assert to_physical(1e9, saturate=True) == (3, 32767)
    assert to_physical(-1e9, saturate=True) == (3, -32767)
    with pytest.raises(ValueError, match="out of range"):
        to_physical(1e9)
    with pytest.raises(ValueError, match="not finite"):
        to_physical(math.nan, saturate=True)
