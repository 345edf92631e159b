"""``autograder rubric ...``: pen-and-paper scoring, TA review and overrides.

    autograder rubric score answers.md           score one answers.md (tuning rubrics)
    autograder rubric review results/            answers flagged for a TA, with evidence
    autograder rubric override results/ --student alice --exercise ex03 [--criterion where_lost]
                                  --score 1 --by ta-bob --comment "said it in other words"
    autograder rubric export results/ -o overrides.csv
    autograder rubric import results/ overrides.csv

Overrides live in ``results/gradebook.db`` and are re-applied to ``results/<student>.json``
at once (atomically); grading applies them again after every re-run.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .. import overrides as ov
from ..assignment import Assignment, AssignmentError
from ..results import SubmissionResult

console = Console()


def _safe(text) -> str:
    """Student text as inert terminal text: no markup, no control sequences."""
    text = "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in str(text))
    return escape(text)


def _load_assignment(path) -> Assignment:
    try:
        return Assignment.load(path)
    except AssignmentError as e:
        raise click.ClickException(str(e)) from None


def _results(results_dir: Path) -> list[tuple[Path, SubmissionResult]]:
    out = []
    for path in sorted(Path(results_dir).glob("*.json")):
        try:
            out.append((path, SubmissionResult.from_json_file(path)))
        except (ValueError, KeyError, TypeError, json.JSONDecodeError) as e:
            console.print(f"[yellow]skipped {_safe(path.name)}: not a result document "
                          f"({_safe(e)})[/yellow]")
    return out


assignment_option = click.option(
    "--assignment", "assignment_path", type=click.Path(path_type=Path), default=None,
    help="Assignment folder (holding assignment.yaml); found automatically by default.")
results_argument = click.argument(
    "results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))


@click.group()
def rubric():
    """Pen-and-paper answers: score, review flagged answers, TA overrides (CSV too)."""


@rubric.command()
@results_argument
@click.option("--all", "show_all", is_flag=True, help="Every rubric answer, not only flagged ones.")
@click.option("--student", default=None, help="Only this student.")
@click.option("-e", "--exercise", "exercises", multiple=True, help="Only this exercise (repeatable).")
def review(results_dir, show_all, student, exercises):
    """List the answers flagged for TA review in RESULTS_DIR, with their evidence."""
    db = results_dir / "gradebook.db"
    flagged = 0
    seen = 0
    for _path, result in _results(results_dir):
        if student and result.submission != student:
            continue
        result = ov.apply_overrides(result, db) if db.exists() else result
        for ex in result.exercises:
            if exercises and ex.id not in exercises:
                continue
            if ex.kind != "rubric" and not ex.review:
                continue
            seen += 1
            rv = ex.review or {}
            if not (show_all or rv.get("needed")):
                continue
            flagged += rv.get("needed", False)
            _show(result.submission, ex, rv)
    if seen == 0:
        console.print("no rubric answers in these results")
    else:
        console.print(f"{flagged} answer(s) flagged for review out of {seen}. Decide with "
                      f"`autograder rubric override {_safe(results_dir)} --student S --exercise exNN "
                      f"[--criterion ID] --score X --by YOU --comment ...`")


def _show(student: str, ex, rv: dict) -> None:
    confidence = rv.get("confidence")
    state = "[red]REVIEW[/red]" if rv.get("needed") else "[green]ok[/green]"
    if ex.override:
        state += f" [cyan](overridden by {_safe(ex.override.get('by', '?'))})[/cyan]"
    title = (f"{_safe(student)} {ex.id} {_safe(ex.title)}: {ex.score:g}/{ex.max_score:g} "
             f"{state}" + (f" confidence {confidence:.2f}" if confidence is not None else ""))
    table = Table(title=title, title_justify="left", show_header=True, expand=False)
    table.add_column("criterion", no_wrap=True)
    table.add_column("points", justify="right")
    table.add_column("evidence / why", overflow="fold")
    for c in ex.checks:
        table.add_row(_safe(c.id), f"{c.score:g}/{c.max_score:g}", _safe(c.message))
    console.print(table)
    if rv.get("reason"):
        console.print(f"  reason: {_safe(rv['reason'])}")
    for note in rv.get("notes", []) or []:
        console.print(f"  note: {_safe(note)}")


@rubric.command()
@results_argument
@click.option("--student", required=True, help="The student (results/STUDENT.json).")
@click.option("--exercise", required=True, help="The exercise, e.g. ex03.")
@click.option("--criterion", default="", help="One criterion (e.g. where_lost); omit for the whole exercise.")
@click.option("--score", type=float, default=None, help="The score the TA decided.")
@click.option("--by", "by", default=None, help="Who decides (TA id).")
@click.option("--comment", default="", help="Why; shown in the student's feedback.")
@click.option("--clear", is_flag=True, help="Remove this override instead.")
def override(results_dir, student, exercise, criterion, score, by, comment, clear):
    """Store a TA override and re-apply it to RESULTS_DIR/STUDENT.json."""
    db = results_dir / "gradebook.db"
    if clear:
        if not ov.clear_override(db, student, exercise, criterion):
            raise click.ClickException(f"no override for {student} {exercise} "
                                       f"{criterion or '(whole exercise)'}")
    else:
        if score is None or not by:
            raise click.UsageError("--score and --by are required (or --clear)")
        try:
            o = ov.validated(results_dir, student, exercise, criterion, score, by, comment)
        except ov.OverrideError as e:
            raise click.ClickException(str(e)) from None
        ov.set_override(db, o.student, o.exercise, o.criterion, o.score, o.by, o.comment)
    written = ov.reapply(results_dir, [student])
    if not written:
        console.print(f"[yellow]stored, but there is no {_safe(student)}.json to update[/yellow]")
        return
    result = SubmissionResult.from_json_file(written[0])
    ex = next((e for e in result.exercises if e.id == exercise), None)
    what = "cleared" if clear else "stored"
    console.print(f"{what}; {_safe(student)} {exercise} now {ex.score:g}/{ex.max_score:g}, total "
                  f"{result.score:g}/{result.max_score:g} ({_safe(written[0])})")


@rubric.command("export")
@results_argument
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV file to write.")
@click.option("--all-kinds", is_flag=True, help="Code exercises too, not only rubric ones.")
def export_cmd(results_dir, output, all_kinds):
    """Write auto scores, evidence and overrides of RESULTS_DIR as CSV (for spreadsheets)."""
    text = ov.export_csv(results_dir, output, kinds=("rubric", "code") if all_kinds else ("rubric",))
    rows = max(0, text.count("\n") - 1)
    console.print(f"wrote {rows} row(s) to {_safe(output)}; fill override_score, by and comment, "
                  f"then `autograder rubric import {_safe(results_dir)} {_safe(output)}`")


@rubric.command("import")
@results_argument
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "by", default=None, help="TA id for rows whose 'by' is empty.")
@click.option("--dry-run", is_flag=True, help="Validate only; store nothing.")
def import_cmd(results_dir, csv_file, by, dry_run):
    """Store the overrides of CSV_FILE (as `rubric export` writes it); all rows or none."""
    try:
        report = ov.import_csv(results_dir, csv_file, default_by=by, dry_run=dry_run)
    except ov.OverrideError as e:
        raise click.ClickException(str(e)) from None
    verb = "would store" if dry_run else "stored"
    console.print(f"{verb} {len(report.stored)} override(s), cleared {len(report.cleared)}, "
                  f"{report.unchanged} unchanged; students updated: "
                  f"{_safe(', '.join(sorted(report.students))) or 'none'}")


@rubric.command()
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("-e", "--exercise", "exercises", multiple=True, help="Only this exercise (repeatable).")
@assignment_option
@click.option("--json", "as_json", is_flag=True, help="Print the result document as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="Only the table; no evidence for passing criteria.")
def score(path, exercises, assignment_path, as_json, quiet):
    """Score one answers.md (PATH: the file, or the folder holding it) and print the table."""
    from ..render import print_result
    from ..rubric import RubricError, find_answers, load_rubrics, score_answers, score_document

    assignment = _load_assignment(assignment_path)
    try:
        if path.is_dir():
            found = score_answers(path, assignment, list(exercises) or None)
            name = path.resolve().name
        else:
            rubrics = load_rubrics(assignment)
            chosen = [(e.id, e.title) for e in assignment.select(list(exercises) or None,
                                                                  kind="rubric")]
            found = score_document(path.read_bytes(), rubrics, chosen,
                                   template=_template(assignment))
            name = path.resolve().parent.name
    except (RubricError, AssignmentError) as e:
        raise click.ClickException(str(e)) from None
    result = SubmissionResult(submission=name, exercises=found, assignment=assignment.name,
                              assignment_version=assignment.version)
    if as_json:
        click.echo(result.to_json())
        return
    print_result(result, console, verbose=not quiet)
    for ex in found:
        rv = ex.review or {}
        mark = "[red]REVIEW[/red]" if rv.get("needed") else "ok"
        console.print(f"{ex.id}: {ex.score:g}/{ex.max_score:g} confidence "
                      f"{rv.get('confidence', 0):.2f} {mark} {_safe(rv.get('reason', ''))}")
    if path.is_dir() and find_answers(path) is None:
        console.print(f"[yellow]no answers.md in {_safe(path)}[/yellow]")


def _template(assignment: Assignment) -> str | None:
    p = assignment.root / "answers_template.md"
    return p.read_text(encoding="utf-8") if p.is_file() else None
