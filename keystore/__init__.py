"""Trust anchors, OEM provisioning identity and contracts: TPM 2.0 and software backends."""
