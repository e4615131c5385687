"""One class per schema type: shared schemas (xmldsig, -20 CommonTypes) are emitted once."""

from __future__ import annotations

import importlib
import pkgutil
import re
from types import ModuleType

import evcc.exi._generated as generated
from evcc import exi

_QNAME = re.compile(r"^(?:Complex type|Enumeration) (\{[^}]*\}\S+?)(?: \(anonymous[^)]*\))?\.$")


def _modules() -> list[ModuleType]:
    return [importlib.import_module(f"{generated.__name__}.{info.name}")
            for info in pkgutil.iter_modules(generated.__path__)]


def _schema_type(cls: type) -> str:
    m = _QNAME.match((cls.__doc__ or "").strip())
    assert m is not None, f"{cls.__qualname__}: no schema type in {cls.__doc__!r}"
    return m[1] + (" (anonymous)" if "anonymous" in (cls.__doc__ or "") else "")


def test_every_schema_type_has_one_class() -> None:
    owner: dict[str, str] = {}
    defined = 0
    for mod in _modules():
        for value in vars(mod).values():
            if not isinstance(value, type) or value.__module__ != mod.__name__:
                continue
            key = _schema_type(value)
            assert key not in owner, f"{key} is defined in {owner[key]} and {mod.__name__}"
            owner[key] = mod.__name__
            defined += 1
    assert defined > 400
    assert owner["{http://www.w3.org/2000/09/xmldsig#}SignatureType"].endswith(".xmldsig_types")
    assert owner["{urn:iso:std:iso:15118:-20:CommonTypes}RationalNumberType"].endswith(
        ".iso20_common_types")


def test_shared_classes_are_the_same_objects() -> None:
    iso2 = exi.grammar_module("iso2")
    din = exi.grammar_module("din")
    xmldsig = exi.grammar_module("xmldsig")
    common = exi.grammar_module("iso20-common")
    dc = exi.grammar_module("iso20-dc")
    assert iso2.SignatureType is xmldsig.SignatureType is din.SignatureType
    assert dc.RationalNumberType is common.RationalNumberType
    assert dc.RationalNumberType(exponent=0, value=1) == common.RationalNumberType(
        exponent=0, value=1)
    assert dc.ResponseCodeType is common.ResponseCodeType
    # same local names in other namespaces stay distinct classes
    assert iso2.ResponseCodeType is not din.ResponseCodeType


def test_a_signature_moves_between_grammars_unchanged() -> None:
    iso2 = exi.grammar_module("iso2")
    info = iso2.SignedInfoType(
        canonicalization_method=iso2.CanonicalizationMethodType(algorithm="urn:c"),
        signature_method=iso2.SignatureMethodType(algorithm="urn:s"),
        reference=[iso2.ReferenceType(uri="#id1", digest_method=iso2.DigestMethodType(
            algorithm="urn:d"), digest_value=b"\x01" * 32)])
    data = exi.encode(info, "xmldsig", fragment=True)
    assert data[:2] == b"\x80\x81"  # SignedInfo = 32 of 6 bits in the xmldsig grammar
    assert exi.decode(data, "xmldsig", fragment=True) == info
