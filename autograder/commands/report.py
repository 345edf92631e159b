"""``autograder report RESULTS_DIR -o OUT``: the instructor's report, LMS exports, feedback.

    autograder report results/ -o report/ [--submissions submissions/] [--timestamps lms.csv]
                      [--show-hidden none|names|full] [--roster canvas_export.csv]
                      [--canvas-id 123456] [--assignment assignments/ch30]

A thin click layer over ``autograder.report.main``; every student id printed here is
escaped (no markup, no control characters reach the terminal).
"""
from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ..assignment import Assignment, AssignmentError
from ..report import main as build
from ..report.safe import term_text
from ..report.timestamps import TimestampError


@click.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the report, CSVs, results.json files and feedback into.")
@click.option("--submissions", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The submissions that were graded (folders or zips): compare "
                                 "their code for similarity, read timestamp files and zip times.")
@click.option("--timestamps", "timestamps_csv", type=click.Path(exists=True, dir_okay=False,
              path_type=Path), default=None,
              help="CSV from the LMS with student,submitted_at (ISO 8601) for the late policy.")
@click.option("--show-hidden", type=click.Choice(["none", "names", "full"]), default="none",
              show_default=True, help="What feedback and Gradescope show of hidden checks.")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="A Canvas gradebook export: fills names, Canvas IDs and "
                                 "sections into the Canvas CSV.")
@click.option("--canvas-id", default=None, help="The Canvas assignment id (overrides "
                                                "assignment.yaml's canvas.assignment_id).")
@click.option("--assignment", "assignment_path", type=click.Path(path_type=Path), default=None,
              help="Assignment folder (holding assignment.yaml); found automatically by default.")
def report(results_dir, output, submissions, timestamps_csv, show_hidden, roster, canvas_id,
           assignment_path):
    """Report on graded RESULTS_DIR: HTML report, Canvas and generic CSV, Gradescope
    results.json, per-student feedback, similar-code leads."""
    console = Console()
    try:
        assignment = Assignment.load(assignment_path)
    except AssignmentError as e:
        if assignment_path is not None:
            raise click.ClickException(str(e)) from None
        assignment = None
        console.print("[yellow]no assignment found: exercises as the results name them, "
                      "no late policy, no similarity[/yellow]")
    try:
        summary = build(results_dir=results_dir, output=output, assignment=assignment,
                        submissions=submissions, timestamps_csv=timestamps_csv,
                        show_hidden=show_hidden, roster=roster, canvas_id=canvas_id)
    except (AssignmentError, TimestampError, ValueError, OSError) as e:
        raise click.ClickException(term_text(e)) from None
    _print(console, summary)


def _print(console: Console, summary) -> None:
    grades = summary.grades
    table = Table(title="report", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("students", str(summary.students))
    if grades:
        finals = sorted(g.final for g in grades)
        table.add_row("mean score", f"{sum(finals) / len(finals):.2f} / {grades[0].max_score:g}")
        table.add_row("median score", f"{finals[len(finals) // 2]:g}")
        table.add_row("late", str(sum(g.lateness.is_late for g in grades)))
        table.add_row("answers to review", str(sum(bool(g.review) for g in grades)))
    table.add_row("similar pairs (leads, not verdicts)", str(len(summary.pairs)))
    table.add_row("built in", f"{sum(summary.seconds.values()):.1f} s")
    console.print(table)
    for p in summary.pairs[:10]:
        console.print(f"  similar {term_text(p.exercise)}: {term_text(p.a)} and {term_text(p.b)} "
                      f"({p.score:.0%})", highlight=False)
    if summary.not_graded:
        console.print(f"[yellow]not graded in this batch: {', '.join(summary.not_graded)}[/yellow]")
    for problem in summary.problems[:20]:
        console.print(f"[yellow]{term_text(problem)}[/yellow]", highlight=False)
    console.print(f"report: {term_text(summary.index)}", highlight=False)
