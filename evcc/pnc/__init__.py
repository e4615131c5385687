"""Plug & Charge: the decisions on contracts and certificates a session asks for.

Certificate parsing, chains and the ISO 15118 certificate profiles live in :mod:`evcc.x509`;
keys and contracts in :mod:`keystore`.
"""
