"""Trust anchors, OEM provisioning identity and contracts: TPM 2.0 and software backends.

Open a store with :func:`open_keystore` (``tpm:DIR`` + TCTI, or ``soft:DIR``); both
backends implement :class:`Keystore`. Private keys never leave the store: it signs and
does ECDH inside.
"""

from keystore.engine import TpmEncryptedPrivateKey
from keystore.errors import (
    AmbiguousReferenceError,
    CertificateError,
    ContractValidityError,
    CorruptedFileError,
    KeyMismatchError,
    KeyNotFoundError,
    KeystoreError,
    NvFullError,
    StoreBackendMismatchError,
    StoreExistsError,
    StoreNotInitializedError,
    StoreSpecError,
    TpmAuthError,
    TpmError,
    TpmUnavailableError,
    TrustAnchorTamperedError,
    UnsupportedError,
    WrongPassphraseError,
)
from keystore.model import (
    PROVISIONING,
    ContractInfo,
    ContractSource,
    KeyRef,
    Profile,
    ProvisioningInfo,
    RootCertificateId,
    RootInfo,
    RootKind,
    StoreStatus,
)
from keystore.protocol import Keystore
from keystore.soft import SoftKeystore
from keystore.spec import open_keystore, parse_spec
from keystore.tcti import DEFAULT_TCTI, resolve_tcti

__all__ = [
    "DEFAULT_TCTI",
    "PROVISIONING",
    "AmbiguousReferenceError",
    "CertificateError",
    "ContractInfo",
    "ContractSource",
    "ContractValidityError",
    "CorruptedFileError",
    "KeyMismatchError",
    "KeyNotFoundError",
    "KeyRef",
    "Keystore",
    "KeystoreError",
    "NvFullError",
    "Profile",
    "ProvisioningInfo",
    "RootCertificateId",
    "RootInfo",
    "RootKind",
    "SoftKeystore",
    "StoreBackendMismatchError",
    "StoreExistsError",
    "StoreNotInitializedError",
    "StoreSpecError",
    "StoreStatus",
    "TpmAuthError",
    "TpmEncryptedPrivateKey",
    "TpmError",
    "TpmUnavailableError",
    "TrustAnchorTamperedError",
    "UnsupportedError",
    "WrongPassphraseError",
    "open_keystore",
    "parse_spec",
    "resolve_tcti",
]


def __getattr__(name: str) -> object:
    # TpmKeystore pulls in tpm2-pytss; import it only when asked for.
    if name == "TpmKeystore":
        from keystore.tpm import TpmKeystore  # noqa: PLC0415

        return TpmKeystore
    raise AttributeError(name)
