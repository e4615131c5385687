"""``evcc demo``: the bench walk-through of the product on simulated hardware and a software TPM.

The steps live in the :mod:`evcc.bench.demo` package; this module parses options, runs them
in a temporary work directory and prints the report (rich, or JSON with ``--json``). Exit
code 0 when no step failed, 1 otherwise.
"""

# Heavy modules are imported inside the handlers to keep `evcc --help` fast.
# ruff: noqa: PLC0415

from __future__ import annotations

import argparse
import json
import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from evcc.errors import EvccError

if TYPE_CHECKING:
    from rich.console import Console

    from evcc.bench.demo.report import StepReport


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``evcc demo``."""
    parser = subparsers.add_parser(
        "demo", help="bench walk-through: PKI, TPM keystore on swtpm, SLAC on the emulator",
        description="Run every part of the product that exists so far on simulated hardware "
                    "and a software TPM, check each result, and report what happened.")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="keep the work files (PKIs, keystore, TPM state) in DIR "
                             "(default: a temporary directory, removed at the end)")
    parser.add_argument("--no-openssl", action="store_true",
                        help="skip the cross-check of the PKI chains with `openssl verify`")
    parser.add_argument("--soft-keystore", action="store_true",
                        help="use a software keystore instead of swtpm (NOT FOR VEHICLES)")
    parser.add_argument("--evse", type=float, action="append", metavar="DB",
                        help="add a simulated EVSE at this attenuation (repeatable; "
                             "default: 45 and 12)")
    parser.add_argument("--skip", action="append", default=[], metavar="STEP",
                        help="leave out a step (pki, keystore, slac, exi; repeatable)")
    parser.add_argument("--json", action="store_true", help="machine-readable result")
    parser.set_defaults(func=_demo)


def _demo(args: argparse.Namespace) -> int:
    from evcc.bench.demo.context import DemoContext
    from evcc.bench.demo.run import default_steps, demo_ok, run_steps

    evses = args.evse if args.evse is not None else [45.0, 12.0]
    if any(not 0 <= db <= 255 for db in evses):
        raise EvccError("--evse attenuation must be 0..255 dB")
    steps = default_steps(use_openssl=not args.no_openssl, soft_keystore=args.soft_keystore,
                          evse_attenuations=evses)
    unknown = sorted(set(args.skip) - {s.name for s in steps})
    if unknown:
        raise EvccError(f"unknown step {', '.join(unknown)}; steps: "
                        + ", ".join(s.name for s in steps))
    steps = [s for s in steps if s.name not in args.skip]
    if args.out is not None:
        try:
            args.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EvccError(f"cannot use --out {args.out}: {exc.strerror or exc}") from None
    workdir = args.out if args.out is not None else Path(tempfile.mkdtemp(prefix="evcc-demo-"))
    console = None if args.json else _console()
    if console is not None:
        console.rule("[bold]evcc demo[/]: bench walk-through on simulated hardware")
    started = time.perf_counter()
    try:
        with _sigterm_as_exit():
            ctx = DemoContext(workdir=workdir)
            numbers = iter(range(1, len(steps) + 1))
            reports = run_steps(steps, ctx, None if console is None else (
                lambda r: _print_step(console, r, f"{next(numbers)}/{len(steps)}")))
    finally:
        if args.out is None:
            shutil.rmtree(workdir, ignore_errors=True)
    total = time.perf_counter() - started
    ok = demo_ok(reports)
    if console is None:
        print(json.dumps({
            "ok": ok, "seconds": round(total, 3),
            "workdir": str(args.out) if args.out is not None else None,
            "steps": [r.to_json() for r in reports],
        }, indent=2))
    else:
        _print_summary(console, reports, total, args.out)
    return 0 if ok else 1


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so that swtpm and the work files are cleaned up."""

    def handler(_sig: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signal.SIGTERM)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _console() -> Console:
    from rich.console import Console

    return Console(highlight=False)


_STATUS = {"ok": "[bold green]OK[/]", "failed": "[bold red]FAILED[/]",
           "skipped": "[bold yellow]SKIPPED[/]"}


def _print_step(console: Console, report: StepReport, number: str) -> None:
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table

    console.print()
    console.print(f"[bold]{number} {escape(report.title)}[/]  "
                  f"{_STATUS[report.status]} [dim]({report.seconds:.2f} s)[/]")
    for warning in report.warnings:
        console.print(f"  [bold red on yellow] ! {escape(warning)} [/]")
    if report.lines:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="cyan", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in report.lines:
            grid.add_row(escape(label), escape(value))
        console.print(Padding(grid, (0, 0, 0, 2)))
    for data in report.tables:
        table = Table(title=escape(data.title), title_justify="left", padding=(0, 1))
        for column in data.columns:
            table.add_column(escape(column), overflow="fold")
        for row in data.rows:
            table.add_row(*(escape(cell) for cell in row))
        console.print(table)
    style = "yellow" if report.status == "skipped" else "red"
    for problem in report.problems:
        console.print(f"  [{style}]✗ {escape(problem)}[/]")


def _print_summary(console: Console, reports: list[StepReport], total: float,
                   kept: Path | None) -> None:
    from rich.markup import escape

    counts = {s: sum(r.status == s for r in reports) for s in ("ok", "failed", "skipped")}
    console.print()
    verdict = ("[bold green]demo passed[/]" if not counts["failed"]
               else "[bold red]demo FAILED[/]")
    where = (f"work files kept in {escape(str(kept))}" if kept is not None
             else "work files removed (use --out DIR to keep them)")
    console.print(f"{verdict}: {counts['ok']} step(s) ok, {counts['failed']} failed, "
                  f"{counts['skipped']} skipped in {total:.1f} s; {where}")
    summary: dict[str, Any] = {r.name: f"{r.seconds:.2f} s" for r in reports}
    console.print("[dim]" + ", ".join(f"{k} {v}" for k, v in summary.items()) + "[/]")
