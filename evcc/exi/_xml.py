"""XML text <-> message objects, driven by the generated ``META`` tables."""

from __future__ import annotations

import base64
import binascii
import enum
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from evcc.errors import ExiEncodeError, ExiError
from evcc.exi._grammar import CACHE
from evcc.exi._nodes import AnyElement, Named

if TYPE_CHECKING:
    from evcc.exi._grammar import GrammarModule

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def lexical(v: Any, spec: str) -> str:
    """XML text of a simple value."""
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray)):
        if spec == "b64":
            return base64.b64encode(v).decode("ascii")
        return bytes(v).hex().upper()
    return str(v)


def _module_of(obj: Any) -> GrammarModule | None:
    """A grammar module that describes the class of ``obj``."""
    return CACHE.module_of(type(obj))


class _Out:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.prefixes: dict[str, str] = {}

    def prefix(self, ns: str) -> str:
        if not ns:
            return ""
        p = self.prefixes.get(ns)
        if p is None:
            p = f"ns{len(self.prefixes) + 1}"
            self.prefixes[ns] = p
        return p + ":"


def _esc(text: str, attr: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if attr:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
        text = text.replace("\t", "&#9;")
    else:
        text = text.replace("\r", "&#13;")
    return text


def to_xml(msg: Any) -> str:
    """Serialise a message object, :class:`Named`, :class:`AnyElement` or a list of them."""
    items = msg if isinstance(msg, list) else [msg]
    out = _Out()
    body: list[str] = []
    for item in items:
        out.parts = []
        if isinstance(item, Named):
            _element(out, tuple(item.qname), item.value, None, _spec_for(tuple(item.qname)))
        elif isinstance(item, AnyElement):
            _any(out, item)
        else:
            g = _module_of(item)
            qn = g.ELEMENT_OF_TYPE.get(type(item)) if g is not None else None
            if qn is None:
                raise ExiError(f"{type(item).__name__}: element name unknown; use Named")
            _element(out, qn, item, g, "class:" + type(item).__name__)
        body.append("".join(out.parts))
    decl = "".join(
        f' xmlns:{p}="{_esc(ns, True)}"' for ns, p in out.prefixes.items()
    )
    decl += f' xmlns:xsi="{XSI}"' if XSI not in out.prefixes else ""
    # put the namespace declarations on each top-level element
    result = []
    for text in body:
        end = text.index(">")
        if text[end - 1] == "/":
            end -= 1
        result.append(text[:end] + decl + text[end:])
    return "".join(result)


def _open(out: _Out, qn: Any, attrs: list[Any]) -> str:
    tag: str = out.prefix(qn[0]) + qn[1]
    a = "".join(f' {out.prefix(aq[0])}{aq[1]}="{_esc(av, True)}"' for aq, av in attrs)
    out.parts.append(f"<{tag}{a}")
    return tag


def _element(out: _Out, qn: Any, value: Any, g: GrammarModule | None,
             spec: str | None) -> None:
    if isinstance(value, Named):
        _element(out, tuple(value.qname), value.value, g, _spec_for(tuple(value.qname)))
        return
    if isinstance(value, AnyElement):
        _any(out, value, qn)
        return
    if spec is None or spec.startswith("class:") or not _is_simple(value):
        if _is_simple(value):
            spec = "str"
        else:
            g = _module_of(value) or g
            if g is None:
                raise ExiError(f"{type(value).__name__} is not a message class")
            _object(out, qn, value, g)
            return
    tag = _open(out, qn, [])
    text = lexical(value, spec or "str")
    if text == "":
        out.parts.append("/>")
    else:
        out.parts.append(f">{_esc(text)}</{tag}>")


def _spec_for(qn: tuple[str, ...]) -> str | None:
    """The XML spec of an element qname in any loaded grammar module."""
    return CACHE.element_spec((qn[0], qn[1]))


def _is_simple(v: Any) -> bool:
    return isinstance(v, (str, bytes, bytearray, int, bool, enum.Enum))


def _object(out: _Out, qn: tuple[str, str], obj: Any, g: GrammarModule) -> None:
    meta = g.META_OF_TYPE.get(type(obj))
    if meta is None:
        raise ExiError(f"{type(obj).__name__} is not a message class of {g.GRAMMAR}")
    attrs = []
    for name, kind, aq, _is_list, spec in meta:
        if kind == "attr":
            v = getattr(obj, name)
            if v is not None:
                attrs.append((aq, lexical(v, spec)))
    tag = _open(out, qn, attrs)
    mark = len(out.parts)
    out.parts.append(">")
    empty = True
    for name, kind, fq, is_list, spec in meta:
        if kind == "attr":
            continue
        v = getattr(obj, name)
        if v is None:
            continue
        if kind == "value":
            text = lexical(v, spec)
            if text:
                out.parts.append(_esc(text))
                empty = False
        elif kind == "elem":
            for item in (v if is_list else [v]):
                cq, cspec = _member(item, fq, spec)
                _element(out, cq, item, g, cspec)
                empty = False
        else:
            for nm, item in v:
                if nm == "#text":
                    out.parts.append(_esc(item))
                else:
                    cq = _unclark(nm)
                    _element(out, cq, item, g, spec.get(cq))
                empty = False
    if empty:
        out.parts[mark] = "/>"
    else:
        out.parts.append(f"</{tag}>")


def _member(item: Any, fq: tuple[str, str], specs: dict[Any, str]) -> tuple[Any, str | None]:
    if isinstance(item, Named):
        return tuple(item.qname), specs.get(tuple(item.qname))
    if len(specs) == 1:
        return fq, specs[fq]
    want = "class:" + type(item).__name__
    for q, s in specs.items():
        if s == want:
            return q, s
    if fq in specs:
        return fq, specs[fq]
    raise ExiError(f"{type(item).__name__} fits no element allowed here")


def _any(out: _Out, el: AnyElement, qn: tuple[str, str] | None = None) -> None:
    attrs = []
    for aq, raw in el.attributes:
        av = raw
        if tuple(aq) == (XSI, "type") and isinstance(av, str) and av.startswith("{"):
            tns, tl = _unclark(av)
            av = out.prefix(tns) + tl
        attrs.append((tuple(aq), lexical(av, "str")))
    tag = _open(out, qn or tuple(el.qname), attrs)
    if not el.children:
        out.parts.append("/>")
        return
    out.parts.append(">")
    for child in el.children:
        if isinstance(child, str):
            out.parts.append(_esc(child))
        elif isinstance(child, AnyElement):
            _any(out, child)
        elif isinstance(child, Named):
            _element(out, tuple(child.qname), child.value, _module_of(child.value), None)
        else:  # typed content after xsi:type: render its fields inside this element
            g = _module_of(child)
            if g is None:
                raise ExiError("unsupported content in an untyped element")
            inner = _Out()
            inner.prefixes = out.prefixes
            _object(inner, ("", "x"), child, g)
            text = "".join(inner.parts)
            start = text.index(">") + 1 if not text.endswith("/>") else len(text)
            out.parts.append(text[start:len(text) - len("</x>")] if start < len(text) else "")
    out.parts.append(f"</{tag}>")


def _unclark(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, local = name[1:].split("}", 1)
        return ns, local
    return "", name


def _split_tag(tag: str) -> tuple[str, str]:
    return _unclark(tag)


# ------------------------------------------------------------------ XML -> objects

def from_xml(xml: str, g: GrammarModule, fragment: bool) -> Any:
    """Build message objects from XML text (the inverse of :func:`to_xml`)."""
    try:
        root = ET.fromstring(xml)  # noqa: S314 - expat, no external entities are fetched
    except ET.ParseError as exc:
        raise ExiEncodeError(f"XML: {exc}") from None
    try:
        return _root(root, g, fragment)
    except ExiError:
        raise
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise ExiEncodeError(f"XML does not fit grammar {g.GRAMMAR}: {exc}") from None
    except RecursionError:
        raise ExiEncodeError("XML nested too deep") from None
    except Exception as exc:  # the API promises typed errors only
        raise ExiEncodeError(f"XML does not fit grammar {g.GRAMMAR} "
                             f"({exc.__class__.__name__})") from None


def _root(el: ET.Element, g: GrammarModule, fragment: bool) -> Any:
    qn = _split_tag(el.tag)
    table = g.FRAG if fragment else g.DOC
    if fragment and not any(row[0] == qn for row in table):
        return _to_any(el)
    if not any(row[0] == qn for row in table):
        raise ExiEncodeError(f"{{{qn[0]}}}{qn[1]} is not a root element of {g.GRAMMAR}")
    spec = g.ELEMENT_SPECS.get(qn)
    if spec is None:
        return _to_any(el)
    value = _value(el, spec, g)
    if spec.startswith("class:") and g.ELEMENT_OF_CLASS.get(spec[6:]) == qn:
        return value
    return Named(qn, value)


def _to_any(el: ET.Element) -> AnyElement:
    out = AnyElement(_split_tag(el.tag))
    for k, v in el.attrib.items():
        out.attributes.append((_split_tag(k), v))
    if el.text:
        out.children.append(el.text)
    for c in el:
        out.children.append(Named(_split_tag(c.tag), c.text or ""))
        if c.tail and c.tail.strip():
            out.children.append(c.tail)
    return out


def _value(el: ET.Element, spec: str, g: GrammarModule) -> Any:
    if not spec.startswith("class:"):
        if len(el):
            raise ExiEncodeError(f"{el.tag}: simple value with child elements")
        return parse_lexical(el.text or "", spec, g)
    cname = spec[6:]
    meta = g.META[cname]
    cls = g.CLASSES[cname]
    kwargs: dict[str, Any] = {}
    known_attrs = set()
    for name, kind, aq, _is_list, fspec in meta:
        if kind == "attr":
            key = f"{{{aq[0]}}}{aq[1]}" if aq[0] else aq[1]
            known_attrs.add(key)
            raw = el.get(key)
            kwargs[name] = None if raw is None else parse_lexical(raw, fspec, g)
    for key in el.attrib:
        if key not in known_attrs and not key.startswith(f"{{{XSI}}}"):
            raise ExiEncodeError(f"{cname}: unexpected attribute {key}")
    children = list(el)
    used = 0
    for name, kind, _fq, is_list, fspec in meta:
        if kind == "attr":
            continue
        if kind == "value":
            if children:
                raise ExiEncodeError(f"{cname}: simple content with child elements")
            kwargs[name] = parse_lexical(el.text or "", fspec, g)
        elif kind == "elem":
            vals = []
            while used < len(children):
                cq = _split_tag(children[used].tag)
                if cq not in fspec:
                    break
                v = _value(children[used], fspec[cq], g)
                if (fspec[cq].startswith("class:") and len(fspec) > 1 and any(
                    s == fspec[cq] for q, s in fspec.items() if q != cq
                )) or (not fspec[cq].startswith("class:") and len(fspec) > 1):
                    v = Named(cq, v)
                vals.append(v)
                used += 1
                if not is_list:
                    break
            kwargs[name] = vals if is_list else (vals[0] if vals else None)
        else:
            items: list[Any] = []
            if el.text and el.text.strip():
                items.append(("#text", el.text))
            for c in children:
                cq = _split_tag(c.tag)
                cs = fspec.get(cq)
                nm = f"{{{cq[0]}}}{cq[1]}" if cq[0] else cq[1]
                items.append((nm, _value(c, cs, g) if cs else _to_any(c)))
                if c.tail and c.tail.strip():
                    items.append(("#text", c.tail))
            used = len(children)
            kwargs[name] = items
    if used != len(children):
        raise ExiEncodeError(f"{cname}: unexpected element {children[used].tag}")
    return cls(**kwargs)


def parse_lexical(text: str, spec: str, g: GrammarModule) -> Any:
    """A simple value from its XML text."""
    if spec == "str":
        return text
    t = text.strip()
    if t == "":
        return b"" if spec in ("hex", "b64") else ""
    if spec == "int":
        return int(t)
    if spec == "bool":
        if t in ("true", "1"):
            return True
        if t in ("false", "0"):
            return False
        raise ValueError(f"invalid boolean {t!r}")
    if spec == "hex":
        return bytes.fromhex(t)
    if spec == "b64":
        return base64.b64decode("".join(t.split()), validate=True)
    if spec.startswith("enum:"):
        return g.CLASSES[spec[5:]](t)
    return text
