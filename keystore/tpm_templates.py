"""TPM 2.0 object templates and conversions between TPM structures and ``cryptography`` keys."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from tpm2_pytss import constants as c
from tpm2_pytss.types import (
    TPM2B_ECC_POINT,
    TPM2B_NV_PUBLIC,
    TPM2B_PUBLIC,
    TPM2B_SENSITIVE,
    TPMS_ECC_POINT,
    TPMS_NV_PUBLIC,
    TPMT_PUBLIC,
    TPMT_SENSITIVE,
    TPMT_SIG_SCHEME,
    TPMT_TK_HASHCHECK,
)

from evcc.x509.keys import CURVES, curve_of, curve_size
from keystore.errors import UnsupportedError


def _curve_id(curve: str) -> Any:
    ids = {"secp256r1": c.TPM2_ECC.NIST_P256, "secp521r1": c.TPM2_ECC.NIST_P521}
    if curve not in ids:
        raise UnsupportedError(f"curve {curve} not supported by the TPM store")
    return ids[curve]


def _ecc(curve: str, attributes: Any, name_alg: Any = None, aes_bits: int = 0) -> Any:
    area = TPMT_PUBLIC(
        type=c.TPM2_ALG.ECC,
        nameAlg=name_alg if name_alg is not None else c.TPM2_ALG.SHA256,
        objectAttributes=attributes,
    )
    detail = area.parameters.eccDetail
    detail.curveID = _curve_id(curve)
    detail.kdf.scheme = c.TPM2_ALG.NULL
    detail.scheme.scheme = c.TPM2_ALG.NULL
    if aes_bits:
        detail.symmetric.algorithm = c.TPM2_ALG.AES
        detail.symmetric.keyBits.aes = aes_bits
        detail.symmetric.mode.aes = c.TPM2_ALG.CFB
    else:
        detail.symmetric.algorithm = c.TPM2_ALG.NULL
    return TPM2B_PUBLIC(publicArea=area)


def _generated() -> Any:
    a = c.TPMA_OBJECT
    return a.FIXEDTPM | a.FIXEDPARENT | a.SENSITIVEDATAORIGIN | a.USERWITHAUTH


def srk() -> Any:
    """P-256 storage primary (restricted decrypt, AES-128-CFB, noDA)."""
    a = c.TPMA_OBJECT
    return _ecc("secp256r1", _generated() | a.RESTRICTED | a.DECRYPT | a.NODA, aes_bits=128)


def import_parent() -> Any:
    """P-521 / SHA-512 storage primary that ISO 15118-20 TPM-wrapped contract keys target."""
    a = c.TPMA_OBJECT
    return _ecc(
        "secp521r1",
        _generated() | a.RESTRICTED | a.DECRYPT | a.NODA,
        name_alg=c.TPM2_ALG.SHA512,
        aes_bits=256,
    )


def identity_key(curve: str) -> Any:
    """Sign + ECDH key generated in the TPM (scheme NULL: chosen per TPM2_Sign), noDA."""
    a = c.TPMA_OBJECT
    return _ecc(curve, _generated() | a.SIGN_ENCRYPT | a.DECRYPT | a.NODA)


def is_identity_key(public: Any) -> bool:
    """True if ``public`` (TPM2B_PUBLIC) has the :func:`identity_key` template (either curve)."""
    area = public.publicArea
    template = identity_key("secp256r1").publicArea
    return bool(
        area.type == c.TPM2_ALG.ECC
        and int(area.objectAttributes) == int(template.objectAttributes)
        and int(area.nameAlg) == int(template.nameAlg)
        and int(area.parameters.eccDetail.curveID) in {_curve_id(n) for n in CURVES}
    )


def imported_public(public_key: ec.EllipticCurvePublicKey) -> Any:
    """Public area of an imported sign + ECDH key (fixedTPM/fixedParent must be clear)."""
    a = c.TPMA_OBJECT
    curve = curve_of(public_key)
    tpl = _ecc(curve, a.USERWITHAUTH | a.SIGN_ENCRYPT | a.DECRYPT | a.NODA)
    nums = public_key.public_numbers()
    size = curve_size(curve)
    tpl.publicArea.unique.ecc.x = nums.x.to_bytes(size, "big")
    tpl.publicArea.unique.ecc.y = nums.y.to_bytes(size, "big")
    return tpl


def external_key(private_key: ec.EllipticCurvePrivateKey) -> tuple[Any, Any]:
    """(TPM2B_PUBLIC, TPM2B_SENSITIVE) of a software key, for ``tpm2_pytss.utils.wrap``."""
    curve = curve_of(private_key)
    public = imported_public(private_key.public_key())
    sensitive = TPM2B_SENSITIVE(sensitiveArea=TPMT_SENSITIVE(sensitiveType=c.TPM2_ALG.ECC))
    scalar = private_key.private_numbers().private_value.to_bytes(curve_size(curve), "big")
    sensitive.sensitiveArea.sensitive.ecc = scalar
    return public, sensitive


def public_key(public: Any) -> ec.EllipticCurvePublicKey:
    """``cryptography`` key from a TPM2B_PUBLIC (ECC)."""
    area = public.publicArea
    curves = {int(c.TPM2_ECC.NIST_P256): "secp256r1", int(c.TPM2_ECC.NIST_P521): "secp521r1"}
    curve = curves.get(int(area.parameters.eccDetail.curveID))
    if area.type != c.TPM2_ALG.ECC or curve is None:
        raise UnsupportedError("TPM key is not ECC P-256 or P-521")
    x = int.from_bytes(bytes(area.unique.ecc.x), "big")
    y = int.from_bytes(bytes(area.unique.ecc.y), "big")
    return ec.EllipticCurvePublicNumbers(x, y, CURVES[curve]).public_key()


def is_storage_key(public: Any) -> bool:
    """An ECC restricted-decrypt key (usable as SRK)."""
    a = c.TPMA_OBJECT
    area = public.publicArea
    attrs = int(area.objectAttributes)
    return area.type == c.TPM2_ALG.ECC and bool(attrs & a.RESTRICTED) and bool(attrs & a.DECRYPT)


def ecc_point(peer: ec.EllipticCurvePublicKey) -> Any:
    """TPM2B_ECC_POINT of a peer key."""
    nums = peer.public_numbers()
    size = curve_size(peer.curve.name)
    return TPM2B_ECC_POINT(
        point=TPMS_ECC_POINT(x=nums.x.to_bytes(size, "big"), y=nums.y.to_bytes(size, "big"))
    )


def ecdsa_scheme(digest_len: int) -> tuple[Any, Any]:
    """(TPMT_SIG_SCHEME, null hash-check ticket) for ECDSA over a digest of that length."""
    halg = {32: c.TPM2_ALG.SHA256, 48: c.TPM2_ALG.SHA384, 64: c.TPM2_ALG.SHA512}.get(digest_len)
    if halg is None:
        raise UnsupportedError(f"digest of {digest_len} bytes; expected 32, 48 or 64")
    scheme = TPMT_SIG_SCHEME(scheme=c.TPM2_ALG.ECDSA)
    scheme.details.any.hashAlg = halg
    ticket = TPMT_TK_HASHCHECK(tag=c.TPM2_ST.HASHCHECK, hierarchy=c.TPM2_RH.NULL)
    return scheme, ticket


def _roots_nv_attributes() -> Any:
    n = c.TPMA_NV
    return n.OWNERWRITE | n.OWNERREAD | n.AUTHREAD | n.NO_DA


def roots_nv(index: int) -> Any:
    """NV index holding the SHA-256 trust-anchor digest: only owner auth writes it."""
    return TPM2B_NV_PUBLIC(
        nvPublic=TPMS_NV_PUBLIC(
            nvIndex=index,
            nameAlg=c.TPM2_ALG.SHA256,
            attributes=_roots_nv_attributes(),
            dataSize=32,
        )
    )


def roots_nv_ok(public: Any, index: int) -> bool:
    """The NV index is ours in shape: right index, size and owner-only write."""
    n = c.TPMA_NV
    attrs = int(public.attributes)
    written_ok = attrs & ~int(n.WRITTEN) & 0xFFFFFFFF == int(_roots_nv_attributes())
    return int(public.nvIndex) == index and int(public.dataSize) == 32 and written_ok
