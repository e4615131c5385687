"""One index, one owner namespace and one class name per schema type across grammar sets."""

from __future__ import annotations

from typing import Any

from tools.exigen.xsd import ComplexType, SimpleType


def simple_key(st: SimpleType, owner: str) -> tuple[Any, ...]:
    """Named simple types by qname; anonymous ones by owner namespace and facets (their
    code depends on nothing else)."""
    if st.qname is not None:
        return ("named", st.qname)
    return ("anon", owner, st.kind, st.builtin, st.min, st.max, st.length, st.min_length,
            st.max_length, tuple(st.enum) if st.enum else None)


def complex_key(ct: ComplexType) -> tuple[Any, ...]:
    """Named complex types by qname; anonymous ones by namespace and element name."""
    if ct.qname is not None:
        return ("named", ct.qname)
    return ("anon", ct.ns, ct.name_hint)


class Registry:
    """Indices shared by every grammar set, assigned in generation order (deterministic)."""

    def __init__(self) -> None:
        self.sindex: dict[tuple[Any, ...], int] = {}
        self.cindex: dict[tuple[Any, ...], int] = {}
        #: ("s"|"c", index) -> namespace of the schema that defines the type
        self.owner: dict[tuple[str, int], str] = {}
        #: ("s"|"c", index) -> class name (enums and complex types)
        self.names: dict[tuple[str, int], str] = {}

    def simple(self, st: SimpleType, owner: str) -> int:
        key = simple_key(st, owner)
        i = self.sindex.get(key)
        if i is None:
            i = self.sindex[key] = len(self.sindex)
            self.owner[("s", i)] = st.qname[0] if st.qname else owner
        return i

    def complex(self, ct: ComplexType) -> int:
        key = complex_key(ct)
        i = self.cindex.get(key)
        if i is None:
            i = self.cindex[key] = len(self.cindex)
            self.owner[("c", i)] = ct.qname[0] if ct.qname else ct.ns
        return i
