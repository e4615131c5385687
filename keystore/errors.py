"""The :class:`KeystoreError` family: every failure the keystore raises on purpose.

Messages name the file, handle or spec involved and never contain key material.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evcc.errors import EvccError, X509Error, X509UnsupportedError


class KeystoreError(EvccError):
    """Base class of every keystore error."""


class StoreSpecError(KeystoreError, ValueError):
    """A store spec or TCTI string that cannot be understood."""


class StoreNotInitializedError(KeystoreError):
    """The store directory holds no keystore (run ``evcc keystore init``)."""


class StoreExistsError(KeystoreError):
    """``init`` on a directory that already holds a keystore."""


class StoreBackendMismatchError(KeystoreError):
    """A ``soft:`` spec for a TPM store or the other way round."""


class CorruptedFileError(KeystoreError):
    """A store file that cannot be parsed or fails its consistency checks."""


class TrustAnchorTamperedError(KeystoreError):
    """The trust-anchor file does not match its protection digest (TPM NV index or MAC)."""


class WrongPassphraseError(KeystoreError):
    """The software store's passphrase does not open its keys."""


class TpmUnavailableError(KeystoreError):
    """No TPM reachable through the TCTI (missing device, swtpm not running, no tpm2-pytss)."""


class TpmError(KeystoreError):
    """A TPM command failed; ``rc`` carries the TSS2 response code when there is one."""

    def __init__(self, message: str, rc: int = 0) -> None:
        super().__init__(message)
        self.rc = rc


class NvFullError(TpmError):
    """The TPM has no room left for another NV index or persistent object."""


class KeyNotFoundError(KeystoreError, LookupError):
    """No key, contract or root matches the reference given."""


class AmbiguousReferenceError(KeystoreError, LookupError):
    """A contract or root reference matches more than one entry."""


class KeyMismatchError(KeystoreError):
    """A private key that does not belong to the certificate it is installed with."""


class CertificateError(KeystoreError):
    """A certificate or chain that cannot be read or is unsuitable for its use."""


class UnsupportedError(KeystoreError):
    """An operation this backend or curve does not offer."""


class ContractValidityError(CertificateError):
    """A contract leaf that is expired or not yet valid at install time.

    ``state`` is ``expired`` or ``not-yet-valid``. A bench may install it anyway with
    ``allow_expired=True`` (CLI ``--allow-expired``), which the contract record keeps.
    """

    def __init__(self, message: str, state: str) -> None:
        super().__init__(message)
        self.state = state


class TpmAuthError(TpmError):
    """The TPM refused an authorization (e.g. a wrong owner authorization value)."""


@contextmanager
def keystore_errors() -> Iterator[None]:
    """Raise the certificate toolkit's errors as their keystore counterparts.

    The keystore's public methods wear it (as a decorator), so that callers see only the
    :class:`KeystoreError` family: :class:`UnsupportedError` for a curve or digest ISO 15118
    does not use, :class:`CertificateError` for any other certificate or key problem.
    """
    try:
        yield
    except X509UnsupportedError as exc:
        raise UnsupportedError(str(exc)) from exc
    except X509Error as exc:
        raise CertificateError(str(exc)) from exc
