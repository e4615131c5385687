"""XMLDSig over EXI (ISO 15118-2/-20): digests of signed elements and SignedInfo bytes.

* A signed element is digested as an EXI **fragment** of the message grammar set, header
  ``0x80`` included (``element_fragment``).
* ``SignedInfo`` is signed as a fragment of the **standalone xmldsig** grammar
  (``signed_info_bytes``); the MsgDef fragment grammar gives other bytes.
* Keys stay outside: ``sign_elements`` takes ``signer(data) -> signature`` and
  ``verify_signature`` takes ``verifier(data, signature) -> bool``. ISO 15118 uses raw r||s
  ECDSA signatures over the SignedInfo bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from evcc.errors import ExiSignatureError
from evcc.exi._api import encode
from evcc.exi._generated import xmldsig_types as ds
from evcc.exi._grammar import load
from evcc.exi._nodes import Named

CANONICAL_EXI = "http://www.w3.org/TR/canonical-exi/"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"
_DIGESTS = {SHA256: "sha256", SHA512: "sha512"}

Signer = Callable[[bytes], bytes]
Verifier = Callable[[bytes, bytes], bool]


def element_fragment(element: Named | Any, grammar: str) -> bytes:
    """EXI fragment of one element in a message grammar set (the digest input)."""
    return encode(element, grammar, fragment=True, validate=False)


def element_digest(element: Named | Any, grammar: str, algorithm: str = SHA256) -> bytes:
    """Digest of an element's EXI fragment (``algorithm`` is the DigestMethod URI)."""
    name = _DIGESTS.get(algorithm)
    if name is None:
        raise ExiSignatureError(f"unsupported digest method {algorithm}")
    return hashlib.new(name, element_fragment(element, grammar)).digest()


def signed_info_bytes(signed_info: ds.SignedInfoType | Named) -> bytes:
    """SignedInfo as an EXI fragment of the standalone xmldsig grammar: the signed bytes.

    The xmldsig classes are one set for every grammar module, so a SignedInfo taken from
    any message encodes as it is.
    """
    value = signed_info.value if isinstance(signed_info, Named) else signed_info
    return encode(value, "xmldsig", fragment=True, validate=False)


def find_ids(root: Any, grammar: str) -> dict[str, Named]:
    """Every element below ``root`` that carries an ``Id`` attribute, by Id value."""
    g = load(grammar).module
    found: dict[str, Named] = {}

    def walk(value: Any, qname: Any) -> None:
        if isinstance(value, Named):
            walk(value.value, tuple(value.qname))
            return
        meta = g.META_OF_TYPE.get(type(value))
        if meta is None:
            return
        ident = getattr(value, "id", None)
        if isinstance(ident, str) and qname is not None:
            if ident in found:
                raise ExiSignatureError(f"duplicate Id {ident!r}")
            found[ident] = Named(qname, value)
        for name, kind, fq, is_list, spec in meta:
            if kind != "elem":
                continue
            child = getattr(value, name)
            for item in (child if is_list else [child]):
                if item is None:
                    continue
                walk(item, _member_qname(item, fq, spec))

    walk(root, g.ELEMENT_OF_TYPE.get(type(root)))
    return found


def _member_qname(item: Any, fq: Any, spec: Mapping[Any, str]) -> Any:
    want = "class:" + type(item).__name__
    if len(spec) == 1:
        return fq
    for q, s in spec.items():
        if s == want:
            return q
    return fq


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """Result of :func:`verify_signature`: the Ids whose digests matched."""

    references: tuple[str, ...]
    signature_method: str


def verify_signature(message: object, grammar: str, verifier: Verifier,
                     signature: ds.SignatureType | None = None) -> VerifiedSignature:
    """Check every Reference digest and the SignatureValue of a decoded message.

    ``signature`` defaults to ``message.header.signature``. A Reference whose Id is absent
    from the message fails (the body must not count as signed). ``verifier(data, sig)``
    gets the SignedInfo bytes and the raw SignatureValue.
    """
    if signature is None:
        header = getattr(message, "header", None)
        signature = getattr(header, "signature", None)
    if signature is None:
        raise ExiSignatureError("message carries no Signature")
    si = signature.signed_info
    ids = find_ids(message, grammar)
    matched = []
    for ref in si.reference:
        uri = ref.uri or ""
        if not uri.startswith("#"):
            raise ExiSignatureError(f"Reference URI {uri!r} is not a same-document Id")
        target = ids.get(uri[1:])
        if target is None:
            raise ExiSignatureError(f"Reference {uri} points to no element of the message")
        for t in (ref.transforms.transform if ref.transforms is not None else []):
            if t.algorithm != CANONICAL_EXI:
                raise ExiSignatureError(f"unsupported transform {t.algorithm}")
        digest = element_digest(target, grammar, ref.digest_method.algorithm)
        if digest != ref.digest_value:
            raise ExiSignatureError(f"digest of {uri} does not match")
        matched.append(uri[1:])
    if si.canonicalization_method.algorithm != CANONICAL_EXI:
        raise ExiSignatureError("unsupported canonicalization method")
    if not verifier(signed_info_bytes(si), signature.signature_value.value):
        raise ExiSignatureError("SignatureValue does not verify over SignedInfo")
    return VerifiedSignature(tuple(matched), si.signature_method.algorithm)


def build_signed_info(digests: Iterable[tuple[str, bytes]],
                      signature_method: str = ECDSA_SHA256,
                      digest_method: str = SHA256) -> ds.SignedInfoType:
    """A SignedInfo with one Reference per (Id, digest)."""
    refs = [
        ds.ReferenceType(
            uri=f"#{ident}",
            transforms=ds.TransformsType(
                transform=[ds.TransformType(algorithm=CANONICAL_EXI, content=[])]),
            digest_method=ds.DigestMethodType(algorithm=digest_method, content=[]),
            digest_value=digest,
        )
        for ident, digest in digests
    ]
    if not refs:
        raise ExiSignatureError("nothing to sign")
    return ds.SignedInfoType(
        canonicalization_method=ds.CanonicalizationMethodType(algorithm=CANONICAL_EXI,
                                                              content=[]),
        signature_method=ds.SignatureMethodType(algorithm=signature_method, content=[]),
        reference=refs,
    )


def sign_elements(elements: Iterable[Named], grammar: str, signer: Signer,
                  signature_method: str = ECDSA_SHA256,
                  digest_method: str = SHA256) -> ds.SignatureType:
    """A Signature over elements of a ``grammar`` message that carry an ``id``."""
    digests = []
    for el in elements:
        ident = getattr(el.value, "id", None)
        if not isinstance(ident, str) or not ident:
            raise ExiSignatureError(f"element {el.qname} has no Id to reference")
        digests.append((ident, element_digest(el, grammar, digest_method)))
    si = build_signed_info(digests, signature_method, digest_method)
    value = signer(signed_info_bytes(si))
    return ds.SignatureType(signed_info=si, signature_value=ds.SignatureValueType(value=value))
