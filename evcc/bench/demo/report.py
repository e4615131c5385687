"""What one demo step found: facts for ``--json``, lines and tables for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "failed", "skipped"]


class StepSkipped(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a step that cannot run here; the message says why."""


@dataclass(frozen=True)
class Table:
    """A small table for the human report."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class StepReport:
    """What one step found; filled in while it runs."""

    name: str
    title: str
    status: Status = "ok"
    seconds: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)
    #: (label, value) pairs for the human report, in order.
    lines: list[tuple[str, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    #: Shown prominently: fallbacks and other things the reader must not miss.
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def line(self, label: str, value: str) -> None:
        """Add a (label, value) line to the human report."""
        self.lines.append((label, value))

    def fail(self, problem: str) -> None:
        """Record a failed check; the step (and the demo) fails, the step goes on."""
        self.status = "failed"
        self.problems.append(problem)

    def check(self, condition: bool, problem: str) -> bool:
        """:meth:`fail` with ``problem`` unless ``condition``; returns ``condition``."""
        if not condition:
            self.fail(problem)
        return condition

    def to_json(self) -> dict[str, Any]:
        """The step as plain JSON data."""
        return {
            "name": self.name,
            "title": self.title,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "facts": self.facts,
            "warnings": list(self.warnings),
            "problems": list(self.problems),
        }
