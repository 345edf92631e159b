"""Terminal renderings of results (rich); every string from a submission is escaped."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .results import SubmissionResult

STYLE = {"passed": "green", "failed": "red", "error": "magenta", "timeout": "yellow",
         "blocked": "cyan", "missing": "dim"}
MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "timeout": "TIMEOUT",
        "blocked": "BLOCKED", "missing": "MISSING"}


def _clean(text: str) -> str:
    """Submission text as inert terminal text: no markup, no control sequences."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in str(text))
    return escape(text)


def print_result(result: SubmissionResult, console: Console | None = None,
                 verbose: bool = False) -> None:
    console = console or Console()
    table = Table(title=f"{_clean(result.submission)}: {result.score:g} / {result.max_score:g}",
                  show_lines=False, expand=False)
    table.add_column("check", no_wrap=True)
    table.add_column("points", justify="right")
    table.add_column("status")
    table.add_column("feedback", overflow="fold")
    for ex in result.exercises:
        table.add_row(f"[bold]{ex.id}[/bold] {_clean(ex.title)}", f"{ex.score:g}/{ex.max_score:g}",
                      "", "", end_section=False)
        for c in ex.checks:
            style = STYLE.get(c.status, "")
            msg = "" if c.status == "passed" and not verbose else _clean(c.message)
            table.add_row(f"  {c.id}" + (" (hidden)" if c.hidden else ""),
                          f"{c.score:g}/{c.max_score:g}",
                          f"[{style}]{MARK.get(c.status, c.status)}[/{style}]", msg)
    console.print(table)
    missing = [k for k, v in result.sandbox.items() if not v]
    if missing and verbose:
        console.print(f"[dim]sandbox layers not in force: {', '.join(missing)}[/dim]")


def print_summary(summary, output, console: Console | None = None) -> None:
    """The end of a batch: how many graded, skipped, with errors and timeouts; mean score."""
    console = console or Console()
    results = summary.results
    table = Table(title="batch summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("graded now", str(summary.graded))
    table.add_row("already graded (skipped)", str(summary.skipped))
    counts = summary.counts()
    for status in ("error", "timeout", "missing", "blocked"):
        hit = sum(1 for r in results if any(c.status == status for c in r.checks()))
        table.add_row(f"submissions with a check {status}", str(hit))
    if results:
        mean = sum(r.score for r in results) / len(results)
        table.add_row("mean score", f"{mean:.2f} / {results[0].max_score:g}")
    table.add_row("checks by status", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    console.print(table)
    console.print(f"results in {_clean(str(output))} (one JSON per submission, gradebook.db)")
