"""What a generated grammar module provides, and the cache of the loaded ones.

The generated modules (``evcc.exi._generated``) are checked against :class:`GrammarModule`
by the type checker where they are imported below, so the runtime reads typed tables and
never attributes looked up by name. The cache is the only mutable state of the package;
:func:`reset_cache` empties it (tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol, get_args

from evcc.errors import ExiError

if TYPE_CHECKING:
    from evcc.exi._bits import Reader, Writer

    QName = tuple[str, str]
    Decoder = Callable[[Reader], object]
    Encoder = Callable[[Writer, object], None]
    #: attribute values of the relaxed grammar land in AnyElement.attributes as decoded
    AttrDecoder = Callable[[Reader], Any]
    #: (field, kind, qname, is_list, spec): kind attr | value | elem | content
    MetaRow = tuple[str, str, Any, bool, Any]

GrammarName = Literal["app", "din", "iso2", "iso20-common", "iso20-ac", "iso20-dc",
                      "iso20-wpt", "iso20-acdp", "xmldsig"]
GRAMMAR_NAMES: tuple[GrammarName, ...] = get_args(GrammarName)


class GrammarModule(Protocol):
    """The tables of one generated grammar module (see ``tools/exigen/emit.py``)."""

    GRAMMAR: str
    #: document grammar: (qname, decoder, encoder) of each global element, sorted
    DOC_WIDTH: int
    DOC: tuple[tuple[QName, Decoder, Encoder], ...]
    #: fragment grammar: every element qname; decoder/encoder None = relaxed grammar
    FRAG_WIDTH: int
    FRAG: tuple[tuple[QName, Decoder | None, Encoder | None], ...]
    FRAG_ATTRS: tuple[tuple[QName, AttrDecoder | None, Encoder | None], ...]
    GLOBALS: dict[QName, Decoder]
    DOC_INDEX: dict[QName, int]
    FRAG_INDEX: dict[QName, int]
    TYPES: dict[QName, Decoder]
    ELEMENT_SPECS: dict[QName, str | None]
    ELEMENT_OF_CLASS: dict[str, QName]
    ELEMENT_OF_TYPE: dict[type, QName]
    CLASSES: dict[str, type]
    MESSAGE_TYPES: tuple[type, ...]
    URIS: tuple[str, ...]
    LOCAL_NAMES: tuple[tuple[str, ...], ...]
    META: dict[str, tuple[MetaRow, ...]]
    META_OF_TYPE: dict[type, tuple[MetaRow, ...]]


# one loader per grammar: a static import that the type checker verifies
def _app() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import app  # noqa: PLC0415 - on first use
    return app, app


def _din() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import din  # noqa: PLC0415 - on first use
    return din, din


def _iso2() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso2  # noqa: PLC0415 - on first use
    return iso2, iso2


def _iso20_common() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso20_common  # noqa: PLC0415 - on first use
    return iso20_common, iso20_common


def _iso20_ac() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso20_ac  # noqa: PLC0415 - on first use
    return iso20_ac, iso20_ac


def _iso20_dc() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso20_dc  # noqa: PLC0415 - on first use
    return iso20_dc, iso20_dc


def _iso20_wpt() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso20_wpt  # noqa: PLC0415 - on first use
    return iso20_wpt, iso20_wpt


def _iso20_acdp() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import iso20_acdp  # noqa: PLC0415 - on first use
    return iso20_acdp, iso20_acdp


def _xmldsig() -> tuple[ModuleType, GrammarModule]:
    from evcc.exi._generated import xmldsig  # noqa: PLC0415 - on first use
    return xmldsig, xmldsig


_LOADERS: dict[str, Callable[[], tuple[ModuleType, GrammarModule]]] = {
    "app": _app, "din": _din, "iso2": _iso2, "iso20-common": _iso20_common,
    "iso20-ac": _iso20_ac, "iso20-dc": _iso20_dc, "iso20-wpt": _iso20_wpt,
    "iso20-acdp": _iso20_acdp, "xmldsig": _xmldsig,
}


#: generated module -> the grammar set that loads it
_HOME: dict[str, str] = {
    "app": "app", "din": "din", "iso2": "iso2", "iso20_common": "iso20-common",
    "iso20_ac": "iso20-ac", "iso20_dc": "iso20-dc", "iso20_wpt": "iso20-wpt",
    "iso20_acdp": "iso20-acdp", "xmldsig": "xmldsig", "xmldsig_types": "xmldsig",
    "iso20_common_types": "iso20-common",
}


@dataclass(slots=True)
class Grammar:
    """A loaded grammar set: its module and the root event codes by class."""

    name: str
    module: GrammarModule
    #: the same module as a module object (its classes by attribute, for tools and tests)
    module_object: ModuleType
    #: class -> event code of the global element it names (document roots)
    doc_roots: dict[type, int] = field(default_factory=dict)

    @classmethod
    def of(cls, name: str, loaded: tuple[ModuleType, GrammarModule]) -> Grammar:
        obj, module = loaded
        roots = {c: module.DOC_INDEX[q] for c, q in module.ELEMENT_OF_TYPE.items()
                 if q in module.DOC_INDEX}
        return cls(name, module, obj, roots)


class GrammarCache:
    """Loaded grammar sets by name, and which loaded grammar describes a class."""

    __slots__ = ("_by_class", "loaded")

    def __init__(self) -> None:
        #: name -> loaded grammar (read directly on the hot path; use :meth:`get` to load)
        self.loaded: dict[str, Grammar] = {}
        self._by_class: dict[type, GrammarModule] = {}

    def get(self, name: str) -> Grammar:
        gr = self.loaded.get(name)
        if gr is not None:
            return gr
        loader = _LOADERS.get(name)
        if loader is None:
            raise ExiError(f"unknown grammar {name!r}; choose one of {', '.join(_LOADERS)}")
        gr = self.loaded[name] = Grammar.of(name, loader())
        for c in gr.module.CLASSES.values():
            self._by_class.setdefault(c, gr.module)
        return gr

    def module_of(self, cls: type) -> GrammarModule | None:
        """A grammar module whose tables describe ``cls`` (a class of a shared schema is
        described alike by every grammar module that uses it); loads the class's own
        grammar set if no loaded one describes it."""
        g = self._by_class.get(cls)
        if g is None:
            package, _, module = cls.__module__.rpartition(".")
            home = _HOME.get(module) if package == "evcc.exi._generated" else None
            if home is not None:
                g = self._by_class.get(cls, self.get(home).module)
        return g

    def element_spec(self, qname: tuple[str, str]) -> str | None:
        """The XML spec of an element qname in any loaded grammar module (qnames identify
        their standard, so every loaded module that knows the qname agrees)."""
        for gr in self.loaded.values():
            spec = gr.module.ELEMENT_SPECS.get(qname)
            if spec is not None:
                return spec
        return None

    def clear(self) -> None:
        self.loaded.clear()
        self._by_class.clear()


#: the import cache (the package's only module-level state)
CACHE = GrammarCache()


def load(name: str) -> Grammar:
    """A grammar set by name (its module is imported on first use)."""
    return CACHE.get(name)


def reset_cache() -> None:
    """Forget the loaded grammar sets (their modules stay imported)."""
    CACHE.clear()
