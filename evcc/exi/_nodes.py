"""Values for content that the schema grammars do not describe by class."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Named:
    """An element whose name cannot be derived from its value's class."""

    qname: tuple[str, str]
    value: Any


@dataclass(slots=True)
class AnyElement:
    """Content that no schema declaration describes (schema deviations, wildcards)."""

    qname: tuple[str, str]
    attributes: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    children: list[Any] = field(default_factory=list)  # AnyElement | str
