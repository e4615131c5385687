"""evcc.messages re-exports the generated classes under stable module names."""

from __future__ import annotations

import dataclasses
import importlib

import pytest

from evcc import exi


@pytest.mark.parametrize("grammar", exi.GRAMMAR_NAMES)
def test_messages_modules_export_the_generated_classes(grammar: str) -> None:
    g = exi.grammar_module(grammar)
    mod = importlib.import_module("evcc.messages." + grammar.replace("-", "_"))
    assert mod.__all__ == g.__all__
    for name in mod.__all__:
        assert getattr(mod, name) is getattr(g, name)


def test_classes_are_slots_dataclasses_with_enums() -> None:
    from evcc.messages import iso2

    pv = iso2.PhysicalValueType(multiplier=0, unit=iso2.UnitSymbolType.V, value=400)
    assert dataclasses.is_dataclass(pv)
    assert [f.name for f in dataclasses.fields(pv)] == ["multiplier", "unit", "value"]
    assert not hasattr(pv, "__dict__")
    assert dataclasses.replace(pv, value=401).value == 401
    assert pv == iso2.PhysicalValueType(multiplier=0, unit=iso2.UnitSymbolType.V, value=400)
    assert iso2.UnitSymbolType("V") is iso2.UnitSymbolType.V
    with pytest.raises(TypeError):
        iso2.PhysicalValueType(0, iso2.UnitSymbolType.V, 400)  # type: ignore[call-arg]
