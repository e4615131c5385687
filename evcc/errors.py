"""Typed errors raised by the protocol application.

Every parser and decoder in ``evcc`` raises a subclass of :class:`EvccError`; nothing else
escapes on bad input.
"""

from __future__ import annotations


class EvccError(Exception):
    """Base class of every error the ``evcc`` package raises on purpose."""


class IdentifierError(EvccError, ValueError):
    """An eMAID or PCID that does not follow ISO 15118-2 Annex H."""


class PkiError(EvccError):
    """A certificate or chain that cannot be built, read or verified."""


class ExiError(EvccError):
    """Base class of the EXI codec errors."""


class ExiDecodeError(ExiError):
    """The EXI stream does not match the grammar; ``bit_position`` says where."""

    def __init__(self, message: str, bit_position: int = -1) -> None:
        super().__init__(f"{message} (at bit {bit_position})" if bit_position >= 0 else message)
        self.bit_position = bit_position


class ExiEncodeError(ExiError):
    """A message value violates its schema (facet, range, length, enumeration, structure)."""


class FrameError(EvccError):
    """A binary frame (SLAC MME, V2GTP, SDP) that is truncated or malformed."""


class SlacError(EvccError):
    """SLAC matching failed; the message says why."""


class ExiSignatureError(ExiError):
    """An XMLDSig-over-EXI signature that is malformed, mismatched or does not verify."""


class V2gtpError(FrameError):
    """A V2GTP header that is truncated or wrong (version, payload type, length)."""


class SdpError(FrameError):
    """An SDP request or response payload that is malformed."""


class X509Error(PkiError):
    """A certificate, chain or key that cannot be read or does not fit its use (evcc.x509)."""


class X509UnsupportedError(X509Error):
    """A curve, key type or digest length that ISO 15118 does not use."""
