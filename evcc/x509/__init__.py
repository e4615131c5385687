"""The X.509 toolkit of the project: one place for certificates, below keystore and pnc.

- :mod:`~evcc.x509.parse`: PEM/DER certificates and CSRs in, DER and fingerprints out.
- :mod:`~evcc.x509.names`: subject/issuer text, CN and DC attributes.
- :mod:`~evcc.x509.extensions`: extension lookup, key identifiers, the CA flag.
- :mod:`~evcc.x509.keys`: ISO 15118 curves, EC public keys, peer points.
- :mod:`~evcc.x509.ecdsa`: digest -> hash, raw r||s <-> DER signatures.
- :mod:`~evcc.x509.chain`: chain ordering, link and anchor verification, roots.
- :mod:`~evcc.x509.identifiers`: eMAID and PCID (what contract and OEM CNs hold).
- :mod:`~evcc.x509.profile_roles`, :mod:`~evcc.x509.profile_rules`,
  :mod:`~evcc.x509.profile_checks`, :mod:`~evcc.x509.profile`: the ISO 15118-2/-20
  certificate profile: roles, rule names, per-certificate rules, certificate and chain checks.

It imports only the standard library, cryptography and :mod:`evcc.errors`; errors are
:class:`evcc.errors.X509Error` (or :class:`evcc.errors.IdentifierError`,
:class:`evcc.errors.PkiError` for profile and role names).
"""
