"""The bench walk-through behind ``evcc demo``: a list of steps, each run for real and timed.

A step is an object with ``name``, ``title`` and ``run(ctx, report)``. It records what it
found in its :class:`StepReport` (facts for ``--json``, lines and tables for people) and
calls :meth:`StepReport.fail` when a check does not hold. An exception fails the step too;
:class:`StepSkipped` marks it skipped with a reason. :func:`run_steps` runs every step, also
after an earlier one failed, so one report shows everything that works and what does not.

Later parts of the product (EXI, SECC discovery, sessions) join by adding a step to
:func:`default_steps`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, Protocol

Status = Literal["ok", "failed", "skipped"]


class StepSkipped(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a step that cannot run here; the message says why."""


@dataclass
class DemoContext:
    """What the steps share: a work directory, the time, randomness and handed-on facts."""

    workdir: Path
    now: datetime
    #: Monotonic seconds and a matching sleep; tests pass a virtual clock.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: Callable[[int], bytes] = os.urandom
    #: Set by the PKI step, used by later steps (the vehicle's PCID).
    pcid: str | None = None


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


class DemoStep(Protocol):
    """One step of the walk-through."""

    @property
    def name(self) -> str:
        """Short id (``pki``, ``keystore``, ...), used by ``--skip`` and in JSON."""
        ...

    @property
    def title(self) -> str:
        """Heading in the human report."""
        ...

    def run(self, ctx: DemoContext, report: StepReport) -> None:
        """Do the step for real and record the results in ``report``."""
        ...


def run_step(step: DemoStep, ctx: DemoContext) -> StepReport:
    """Run one step, timed; exceptions (except Ctrl-C) become a failed step."""
    report = StepReport(step.name, step.title)
    start = time.perf_counter()
    try:
        step.run(ctx, report)
    except StepSkipped as exc:
        report.status = "skipped"
        report.problems.append(str(exc))
    except Exception as exc:  # any error fails the step, with its reason
        report.fail(f"{type(exc).__name__}: {_one_line(str(exc))}")
    finally:
        report.seconds = time.perf_counter() - start
    return report


def run_steps(steps: Sequence[DemoStep], ctx: DemoContext,
              on_report: Callable[[StepReport], None] | None = None) -> list[StepReport]:
    """Run every step in order; ``on_report`` sees each report as soon as it is done."""
    reports = []
    for step in steps:
        report = run_step(step, ctx)
        reports.append(report)
        if on_report is not None:
            on_report(report)
    return reports


def demo_ok(reports: Sequence[StepReport]) -> bool:
    """True when no step failed (skipped steps do not fail the demo)."""
    return all(r.status != "failed" for r in reports)


def default_steps(*, use_openssl: bool = True, soft_keystore: bool = False,
                  evse_attenuations: Sequence[float] = (45.0, 12.0),
                  fixture_dir: Path | None = None) -> list[DemoStep]:
    """The walk-through in order. New product parts add their step here."""
    # steps load their dependencies lazily
    from evcc.bench.demo_exi import ExiStep  # noqa: PLC0415
    from evcc.bench.demo_keystore import KeystoreStep  # noqa: PLC0415
    from evcc.bench.demo_pki import PkiStep  # noqa: PLC0415
    from evcc.bench.demo_slac import SlacStep  # noqa: PLC0415

    return [
        PkiStep(use_openssl=use_openssl),
        KeystoreStep(prefer_tpm=not soft_keystore),
        SlacStep(evse_attenuations=tuple(evse_attenuations)),
        ExiStep(fixture_dir=fixture_dir),
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"
