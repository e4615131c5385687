"""What a person types for a contract (an id prefix, an eMAID in any spelling) -> one contract.

This is the only fuzzy lookup, for command lines; key use takes an exact
:class:`keystore.model.KeyRef` and never comes here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from evcc.errors import IdentifierError
from evcc.x509.identifiers import Emaid, normalize_emaid
from keystore.errors import AmbiguousReferenceError, KeyNotFoundError
from keystore.model import ContractInfo


def find_contract(contracts: Sequence[ContractInfo], reference: str) -> ContractInfo:
    """The one contract that ``reference`` names: id, id prefix (>= 4 hex digits) or eMAID.

    The eMAID may have separators or not, any case, with or without its check digit; a
    shorter eMAID prefix (>= 4 characters) works too when it names one contract.
    :class:`KeyNotFoundError` if none matches, :class:`AmbiguousReferenceError` if several do.
    """
    text = reference.strip()
    exact = [c for c in contracts if c.id == text]
    if exact:
        return exact[0]
    compact = normalize_emaid(text)
    emaid_error = ""
    try:
        body: str | None = Emaid.parse(text).body
    except IdentifierError as exc:
        body, emaid_error = None, str(exc)
    if body is not None:
        matches = [c for c in contracts if _emaid_body(c.emaid) == body]
    else:
        id_prefix = text.lower() if re.fullmatch(r"[0-9a-fA-F]{4,16}", text) else None
        matches = [
            c
            for c in contracts
            if (id_prefix is not None and c.id.startswith(id_prefix))
            or (len(compact) >= 4 and _emaid_body(c.emaid).startswith(compact))
        ]
    if not matches:
        hint = f" ({emaid_error})" if emaid_error and len(compact) >= 14 else ""
        raise KeyNotFoundError(f"no contract matches {reference!r}{hint}")
    if len(matches) > 1:
        listed = ", ".join(f"{c.id} {c.emaid}" for c in matches[:5])
        more = ", ..." if len(matches) > 5 else ""
        raise AmbiguousReferenceError(
            f"{reference!r} matches {len(matches)} contracts ({listed}{more}); "
            "give more of the id or the whole eMAID"
        )
    return matches[0]


def _emaid_body(emaid: str) -> str:
    """The stored eMAID without separators and check digit (as far as it parses)."""
    try:
        return Emaid.parse(emaid).body
    except IdentifierError:
        return normalize_emaid(emaid)
