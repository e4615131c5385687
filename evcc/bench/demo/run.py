"""The steps of ``evcc demo`` in order, and the runner that runs each for real and timed.

A step is an object with ``name``, ``title`` and ``run(ctx, report)``. It records what it
found in its :class:`StepReport` (facts for ``--json``, lines and tables for people) and
calls :meth:`StepReport.fail` when a check does not hold. An exception fails the step too;
:class:`StepSkipped` marks it skipped with a reason. :func:`run_steps` runs every step, also
after an earlier one failed, so one report shows everything that works and what does not.

Later parts of the product (EXI, SECC discovery, sessions) join by adding a step to
:func:`default_steps`; step modules import only ``context`` and ``report``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from evcc.bench.demo.context import DemoContext
from evcc.bench.demo.exi import ExiStep
from evcc.bench.demo.keystore import KeystoreStep
from evcc.bench.demo.pki import PkiStep
from evcc.bench.demo.report import StepReport, StepSkipped
from evcc.bench.demo.slac import SlacStep

__all__ = ["DemoStep", "default_steps", "demo_ok", "run_step", "run_steps"]


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
    return [
        PkiStep(use_openssl=use_openssl),
        KeystoreStep(prefer_tpm=not soft_keystore),
        SlacStep(evse_attenuations=tuple(evse_attenuations)),
        ExiStep(fixture_dir=fixture_dir),
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no message)"
