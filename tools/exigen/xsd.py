"""A small XSD reader: just the constructs the V2G and xmldsig schemas use."""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

XS = "http://www.w3.org/2001/XMLSchema"
_T = f"{{{XS}}}"

QName = tuple[str, str]  # (namespace, local)

# Built-in integer types: (min, max), None = unbounded.
INT_BOUNDS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None),
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-32768, 32767),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 65535),
    "unsignedByte": (0, 255),
}
STRING_TYPES = {
    "string", "normalizedString", "token", "anyURI", "ID", "IDREF", "IDREFS", "NCName",
    "Name", "NMTOKEN", "NMTOKENS", "language", "ENTITY", "ENTITIES", "QName", "NOTATION",
    "anySimpleType",
}


class SchemaError(Exception):
    """The schema uses a construct the generator does not support."""


@dataclass
class SimpleType:
    """A simple type reduced to what EXI needs."""

    qname: QName | None
    kind: str  # string | boolean | hexBinary | base64Binary | integer | decimal | float
    enum: list[str] | None = None
    min: int | None = None
    max: int | None = None
    length: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    builtin: str = "string"


@dataclass
class ElementDecl:
    qname: QName
    type: ComplexType | SimpleType | None = None
    type_name: QName | None = None
    is_global: bool = False
    abstract: bool = False
    nillable: bool = False
    subst_head: QName | None = None
    anon: ET.Element | None = None
    order: int = 0


@dataclass
class Wildcard:
    namespace: str  # ##any, ##other or a list of URIs
    target_ns: str


@dataclass
class Group:
    kind: str  # sequence | choice | all
    particles: list[Particle]


@dataclass
class Particle:
    term: ElementDecl | Group | Wildcard
    min: int = 1
    max: int | None = 1  # None = unbounded


@dataclass
class AttrUse:
    qname: QName
    type: SimpleType
    required: bool


@dataclass
class ComplexType:
    qname: QName | None
    attrs: list[AttrUse] = field(default_factory=list)
    any_attr: bool = False
    content: Particle | None = None
    simple: SimpleType | None = None
    mixed: bool = False
    abstract: bool = False
    name_hint: str = ""
    resolved: bool = False
    node: ET.Element | None = None
    ns: str = ""
    doc: SchemaDoc | None = None


@dataclass
class SchemaDoc:
    path: str
    tns: str
    qualified_elements: bool
    qualified_attrs: bool
    prefixes: dict[str, str]
    root: ET.Element


def _parse_with_prefixes(path: str) -> tuple[ET.Element, dict[str, str]]:
    prefixes: dict[str, str] = {}
    root: ET.Element | None = None
    for event, item in ET.iterparse(path, events=("start-ns", "start")):  # noqa: S314
        if event == "start-ns":
            prefix, uri = item
            prefixes.setdefault(prefix, uri)
        elif root is None:
            root = item
    assert root is not None
    # iterparse keeps building the tree; the root holds the full document at the end.
    return root, prefixes


class SchemaSet:
    """All components of one root XSD and everything it imports."""

    def __init__(self, root_path: str) -> None:
        self.docs: list[SchemaDoc] = []
        self.files: list[str] = []
        self.types: dict[QName, ComplexType | SimpleType] = {}
        self.elements: dict[QName, ElementDecl] = {}
        self.all_elements: list[ElementDecl] = []
        self.attributes_seen: set[QName] = set()
        self._raw_types: dict[QName, tuple[ET.Element, SchemaDoc]] = {}
        self._order = 0
        self._load(os.path.abspath(root_path))
        for doc in self.docs:
            for child in doc.root:
                name = child.get("name")
                if child.tag in (_T + "complexType", _T + "simpleType") and name:
                    self._raw_types[(doc.tns, name)] = (child, doc)
        for doc in self.docs:
            for child in doc.root:
                if child.tag == _T + "element":
                    decl = self._element(child, doc, is_global=True)
                    self.elements[decl.qname] = decl
        # resolve every named type too (for xsi:type and string tables)
        for qn in sorted(self._raw_types):
            self.type_by_name(qn)
        done = 0
        while done < len(self.all_elements):
            for decl in self.all_elements[done:]:
                self._resolve_decl(decl)
                done += 1
        for t in list(self.types.values()):
            if isinstance(t, ComplexType):
                for d in iter_decls(t.content):
                    if d not in self.all_elements:
                        self.all_elements.append(d)
                        self._resolve_decl(d)

    # -- loading -------------------------------------------------------------
    def _load(self, path: str) -> None:
        if path in self.files:
            return
        self.files.append(path)
        root, prefixes = _parse_with_prefixes(path)
        doc = SchemaDoc(
            path=path,
            tns=root.get("targetNamespace", ""),
            qualified_elements=root.get("elementFormDefault") == "qualified",
            qualified_attrs=root.get("attributeFormDefault") == "qualified",
            prefixes=prefixes,
            root=root,
        )
        self.docs.append(doc)
        for child in root:
            if child.tag in (_T + "import", _T + "include"):
                loc = child.get("schemaLocation")
                if loc:
                    self._load(os.path.normpath(os.path.join(os.path.dirname(path), loc)))

    def file_hashes(self, base: str) -> list[tuple[str, str]]:
        out = []
        for path in sorted(self.files):
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
            out.append((os.path.relpath(path, base), digest))
        return out

    # -- names ---------------------------------------------------------------
    @staticmethod
    def _qname(text: str, doc: SchemaDoc) -> QName:
        if ":" in text:
            prefix, local = text.split(":", 1)
        else:
            prefix, local = "", text
        if prefix not in doc.prefixes:
            raise SchemaError(f"unknown prefix {prefix!r} in {doc.path}")
        return (doc.prefixes[prefix], local)

    # -- types ---------------------------------------------------------------
    def type_by_name(self, qn: QName) -> ComplexType | SimpleType:
        if qn in self.types:
            return self.types[qn]
        if qn[0] == XS:
            st = builtin_simple(qn[1])
            self.types[qn] = st
            return st
        if qn not in self._raw_types:
            raise SchemaError(f"unknown type {qn}")
        node, doc = self._raw_types[qn]
        if node.tag == _T + "simpleType":
            st = self._simple(node, doc, qn)
            self.types[qn] = st
            return st
        ct = ComplexType(qname=qn, node=node, ns=doc.tns, doc=doc, name_hint=qn[1])
        self.types[qn] = ct
        self._complex(ct)
        return ct

    def _simple(self, node: ET.Element, doc: SchemaDoc, qn: QName | None) -> SimpleType:
        restr = node.find(_T + "restriction")
        if restr is None:
            raise SchemaError(f"simple type {qn} without restriction (list/union unsupported)")
        base_name = restr.get("base")
        if base_name:
            base = self.type_by_name(self._qname(base_name, doc))
        else:
            inner = restr.find(_T + "simpleType")
            assert inner is not None
            base = self._simple(inner, doc, None)
        if not isinstance(base, SimpleType):
            raise SchemaError(f"simple type {qn} derives from complex type")
        st = SimpleType(
            qname=qn, kind=base.kind, enum=None, min=base.min, max=base.max,
            length=base.length, min_length=base.min_length, max_length=base.max_length,
            builtin=base.builtin,
        )
        enums = [e.get("value", "") for e in restr.findall(_T + "enumeration")]
        if enums:
            st.enum = enums
        for facet in restr:
            tag = facet.tag[len(_T):]
            val = facet.get("value", "")
            if tag == "minInclusive":
                st.min = int(val)
            elif tag == "maxInclusive":
                st.max = int(val)
            elif tag == "minExclusive":
                st.min = int(val) + 1
            elif tag == "maxExclusive":
                st.max = int(val) - 1
            elif tag == "length":
                st.length = int(val)
            elif tag == "minLength":
                st.min_length = int(val)
            elif tag == "maxLength":
                st.max_length = int(val)
        return st

    def _complex(self, ct: ComplexType) -> None:
        node, doc = ct.node, ct.doc
        assert node is not None and doc is not None
        ct.mixed = node.get("mixed") == "true"
        ct.abstract = node.get("abstract") == "true"
        attrs: dict[QName, AttrUse] = {}
        cc = node.find(_T + "complexContent")
        sc = node.find(_T + "simpleContent")
        if cc is not None:
            if cc.get("mixed") == "true":
                ct.mixed = True
            der = cc[0] if cc[0].tag != _T + "annotation" else cc[1]
            base = self.type_by_name(self._qname(der.get("base", ""), doc))
            if not isinstance(base, ComplexType):
                raise SchemaError("complexContent over simple type")
            own = self._content_particle(der, doc)
            if der.tag == _T + "extension":
                for a in base.attrs:
                    attrs[a.qname] = a
                ct.any_attr = base.any_attr
                if base.content is None:
                    ct.content = own
                elif own is None:
                    ct.content = base.content
                else:
                    ct.content = Particle(Group("sequence", [base.content, own]))
            else:
                for a in base.attrs:
                    attrs[a.qname] = a
                ct.content = own
            self._attrs(der, doc, attrs, ct)
        elif sc is not None:
            der = sc[0] if sc[0].tag != _T + "annotation" else sc[1]
            base = self.type_by_name(self._qname(der.get("base", ""), doc))
            if isinstance(base, ComplexType):
                if base.simple is None:
                    raise SchemaError("simpleContent over complex content")
                for a in base.attrs:
                    attrs[a.qname] = a
                ct.simple = base.simple
            else:
                ct.simple = base
            if der.tag == _T + "restriction":
                assert ct.simple is not None
                fake = ET.Element(_T + "simpleType")
                r = ET.SubElement(fake, _T + "restriction")
                for f in der:
                    r.append(f)
                # the restriction facets apply over the base simple type
                st = ct.simple
                tmp = self._simple_from(st, der, doc)
                ct.simple = tmp
            self._attrs(der, doc, attrs, ct)
        else:
            ct.content = self._content_particle(node, doc)
            self._attrs(node, doc, attrs, ct)
        ct.attrs = sorted(attrs.values(), key=lambda a: (a.qname[1], a.qname[0]))
        ct.resolved = True

    def _simple_from(self, base: SimpleType, restr: ET.Element, doc: SchemaDoc) -> SimpleType:
        st = SimpleType(qname=None, kind=base.kind, enum=base.enum, min=base.min, max=base.max,
                        length=base.length, min_length=base.min_length,
                        max_length=base.max_length, builtin=base.builtin)
        enums = [e.get("value", "") for e in restr.findall(_T + "enumeration")]
        if enums:
            st.enum = enums
        return st

    def _attrs(self, node: ET.Element, doc: SchemaDoc, attrs: dict[QName, AttrUse],
               ct: ComplexType) -> None:
        for a in node.findall(_T + "attribute"):
            if a.get("ref"):
                raise SchemaError("attribute refs unsupported")
            name = a.get("name", "")
            qn = (doc.tns if doc.qualified_attrs or a.get("form") == "qualified" else "", name)
            if a.get("type"):
                t = self.type_by_name(self._qname(a.get("type", ""), doc))
            else:
                inner = a.find(_T + "simpleType")
                t = self._simple(inner, doc, None) if inner is not None else builtin_simple(
                    "anySimpleType")
            assert isinstance(t, SimpleType)
            if a.get("use") == "prohibited":
                attrs.pop(qn, None)
                continue
            attrs[qn] = AttrUse(qn, t, a.get("use") == "required")
            self.attributes_seen.add(qn)
        if node.find(_T + "anyAttribute") is not None:
            ct.any_attr = True

    def _content_particle(self, node: ET.Element, doc: SchemaDoc) -> Particle | None:
        for child in node:
            if child.tag in (_T + "sequence", _T + "choice", _T + "all"):
                return self._particle(child, doc)
            if child.tag == _T + "group":
                raise SchemaError("model group refs unsupported")
        return None

    def _occurs(self, node: ET.Element) -> tuple[int, int | None]:
        mn = int(node.get("minOccurs", "1"))
        mx_s = node.get("maxOccurs", "1")
        return mn, None if mx_s == "unbounded" else int(mx_s)

    def _particle(self, node: ET.Element, doc: SchemaDoc) -> Particle:
        mn, mx = self._occurs(node)
        tag = node.tag[len(_T):]
        if tag in ("sequence", "choice", "all"):
            parts = [self._particle(c, doc) for c in node
                     if c.tag in (_T + "element", _T + "sequence", _T + "choice", _T + "any")]
            return Particle(Group(tag, parts), mn, mx)
        if tag == "element":
            if node.get("ref"):
                qn = self._qname(node.get("ref", ""), doc)
                decl = self.elements.get(qn)
                if decl is None:
                    decl = self._global_by_name(qn)
                return Particle(decl, mn, mx)
            return Particle(self._element(node, doc, is_global=False), mn, mx)
        if tag == "any":
            return Particle(Wildcard(node.get("namespace", "##any"), doc.tns), mn, mx)
        raise SchemaError(f"unsupported particle {tag}")

    def _global_by_name(self, qn: QName) -> ElementDecl:
        for doc in self.docs:
            if doc.tns != qn[0]:
                continue
            for child in doc.root:
                if child.tag == _T + "element" and child.get("name") == qn[1]:
                    decl = self._element(child, doc, is_global=True)
                    self.elements[qn] = decl
                    return decl
        raise SchemaError(f"unknown element {qn}")

    def _element(self, node: ET.Element, doc: SchemaDoc, is_global: bool) -> ElementDecl:
        name = node.get("name", "")
        qualified = is_global or doc.qualified_elements or node.get("form") == "qualified"
        qn = (doc.tns if qualified else "", name)
        if is_global and qn in self.elements:
            return self.elements[qn]
        decl = ElementDecl(qname=qn, is_global=is_global,
                           abstract=node.get("abstract") == "true",
                           nillable=node.get("nillable") == "true")
        self._order += 1
        decl.order = self._order
        if node.get("substitutionGroup"):
            decl.subst_head = self._qname(node.get("substitutionGroup", ""), doc)
        if node.get("type"):
            decl.type_name = self._qname(node.get("type", ""), doc)
        else:
            anon_c = node.find(_T + "complexType")
            anon_s = node.find(_T + "simpleType")
            if anon_c is not None:
                decl.anon = anon_c
                ct = ComplexType(qname=None, node=anon_c, ns=doc.tns, doc=doc, name_hint=name)
                decl.type = ct
            elif anon_s is not None:
                decl.type = self._simple(anon_s, doc, None)
            else:
                decl.type_name = (XS, "anyType")
        if is_global:
            self.elements[qn] = decl
        self.all_elements.append(decl)
        return decl

    def _resolve_decl(self, decl: ElementDecl) -> None:
        if decl.type is None:
            assert decl.type_name is not None
            if decl.type_name == (XS, "anyType"):
                decl.type = ComplexType(qname=(XS, "anyType"), any_attr=True, mixed=True,
                                        name_hint="anyType", resolved=True,
                                        content=Particle(Wildcard("##any", ""), 0, None))
            else:
                decl.type = self.type_by_name(decl.type_name)
        elif isinstance(decl.type, ComplexType) and not decl.type.resolved:
            self._complex(decl.type)
        t = decl.type
        if isinstance(t, ComplexType):
            for d in iter_decls(t.content):
                if d not in self.all_elements:
                    self.all_elements.append(d)
                if d.type is None or (isinstance(d.type, ComplexType) and not d.type.resolved):
                    self._resolve_decl(d)

    def substitutes(self, head: ElementDecl) -> list[ElementDecl]:
        """The head plus every element reaching it through substitutionGroup."""
        found = {head.qname: head}
        changed = True
        while changed:
            changed = False
            for decl in self.elements.values():
                if decl.subst_head in found and decl.qname not in found:
                    found[decl.qname] = decl
                    changed = True
        return sorted(found.values(), key=lambda d: (d.qname[1], d.qname[0]))


def iter_decls(p: Particle | None) -> list[ElementDecl]:
    out: list[ElementDecl] = []

    def walk(p: Particle) -> None:
        if isinstance(p.term, ElementDecl):
            out.append(p.term)
        elif isinstance(p.term, Group):
            for c in p.term.particles:
                walk(c)

    if p is not None:
        walk(p)
    return out


def builtin_simple(name: str) -> SimpleType:
    if name in INT_BOUNDS:
        lo, hi = INT_BOUNDS[name]
        return SimpleType(qname=(XS, name), kind="integer", min=lo, max=hi, builtin=name)
    if name in STRING_TYPES:
        return SimpleType(qname=(XS, name), kind="string", builtin=name)
    if name in ("boolean", "hexBinary", "base64Binary", "decimal", "float", "double"):
        return SimpleType(qname=(XS, name), kind=name, builtin=name)
    raise SchemaError(f"unsupported built-in type xs:{name}")
