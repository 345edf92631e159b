"""The ``autograder`` command: a thin click layer over ``autograder.commands``."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.console import Console

from .assignment import Assignment, AssignmentError
from .render import print_result, print_summary

console = Console()
err = Console(stderr=True)


def _load(assignment_path) -> Assignment:
    try:
        return Assignment.load(assignment_path)
    except AssignmentError as e:
        raise click.ClickException(str(e)) from None


assignment_option = click.option(
    "--assignment", "assignment_path", type=click.Path(path_type=Path), default=None,
    help="Assignment folder (holding assignment.yaml); found automatically by default.")
exercise_option = click.option(
    "-e", "--exercise", "exercises", multiple=True,
    help="Only this exercise (repeatable), e.g. -e ex13.")


@click.group()
@click.version_option(package_name="mmllm-autograder")
def main():
    """Grade the Chapter 30 (Multimodal LLMs) assignment: check, grade, validate, release."""
    import torch

    # The grader's own work is many tiny ops: a thread pool only adds contention,
    # and batch slots run side by side. Workers set their own threads.
    torch.set_num_threads(1)


@main.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path),
                default=".")
@exercise_option
@assignment_option
@click.option("--sandbox", is_flag=True, help="Run your code in a separate process, as grading does.")
@click.option("-v", "--verbose", is_flag=True, help="Show messages of passing checks too.")
def check(directory, exercises, assignment_path, sandbox, verbose):
    """Run the public checks on your work in DIRECTORY (default: here)."""
    from .commands import check as cmd

    assignment = _load(assignment_path)
    try:
        result = cmd.main(directory=directory, exercises=list(exercises) or None,
                          assignment=assignment, sandbox="process" if sandbox else "local")
    except AssignmentError as e:
        raise click.ClickException(str(e)) from None
    print_result(result, console, verbose=verbose)
    if not exercises or any(assignment.exercises.get(e) and assignment.exercises[e].kind == "rubric"
                            for e in exercises):
        for line in cmd.answers_status(directory, assignment):
            console.print(line, markup=False, highlight=False)
    failing = [c for c in result.checks() if c.status != "passed"]
    console.print(f"{len(failing)} of {sum(1 for _ in result.checks())} public checks not passing. "
                  "Hidden checks run when your work is graded.")
    sys.exit(1 if failing else 0)


@main.command()
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@exercise_option
@assignment_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write RESULT.json per submission and gradebook.db into this folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result document(s) as JSON.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1,
              help="Submissions graded in parallel (one sandboxed slot each).")
@click.option("--resume", is_flag=True,
              help="Skip submissions already graded with the same content and assignment version.")
@click.option("--require-sandbox", is_flag=True,
              help="Refuse to grade when an isolation layer cannot be put in force.")
@click.option("--budget", type=float, default=900.0, show_default=True,
              help="Seconds one submission may take in all.")
@click.option("--isolation", type=click.Choice(["sandbox", "process"]), default="sandbox",
              show_default=True, help="sandbox: forked from a zygote with every layer; "
                                      "process: a plain fresh interpreter.")
@click.option("--seed", type=int, default=None, help="Fix the run's secret seed (to reproduce a run).")
def grade(paths, exercises, assignment_path, output, as_json, jobs, resume, require_sandbox,
          budget, isolation, seed):
    """Grade submissions (folders or .zip files; or a folder of them), all checks, sandboxed."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    from .commands import grade as cmd
    from .runner import SandboxMissing

    assignment = _load(assignment_path)
    if resume and output is None:
        raise click.UsageError("--resume needs -o/--output (where earlier results are)")
    options = cmd.Options(exercises=list(exercises) or None, seed=seed, sandbox=isolation,
                          require_sandbox=require_sandbox, budget=budget)
    batch = output is not None and not as_json
    bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                   TimeRemainingColumn(), console=err, disable=not batch)
    task = bar.add_task("grading", total=None, rate="")
    started = time.monotonic()

    def show(result):
        if as_json:
            click.echo(result.to_json())
        elif not batch:
            print_result(result, console)

    def advance(done, total):
        rate = done / max(time.monotonic() - started, 1e-9) * 60
        bar.update(task, completed=done, total=total, rate=f"{rate:.1f}/min")

    try:
        with bar:
            summary = cmd.main(paths=paths, assignment=assignment, output=output, jobs=jobs,
                               resume=resume, options=options, on_result=show, progress=advance)
    except (AssignmentError, FileNotFoundError, ValueError, SandboxMissing) as e:
        raise click.ClickException(str(e)) from None
    if batch:
        print_summary(summary, output, console)


@main.command()
@exercise_option
@assignment_option
@click.option("--local", is_flag=True, help="Import submissions in-process (faster; our own code only).")
def validate(exercises, assignment_path, local):
    """Prove the graders: reference full, stubs zero, known-wrong submissions caught."""
    from .commands import validate as cmd

    assignment = _load(assignment_path)
    if not assignment.has_reference():
        raise click.ClickException("validate needs the reference solutions, which this copy lacks")
    report = cmd.main(assignment=assignment, exercises=list(exercises) or None,
                      sandbox="local" if local else "process",
                      progress=lambda name: err.print(f"[dim]graded {name}[/dim]"))
    for line in report.lines:
        console.print(line, markup=False)
    for p in report.problems:
        console.print(f"[red]PROBLEM[/red] {p}", highlight=False)
    console.print("[green]validate: all graders proved[/green]" if report.ok
                  else f"[red]validate: {len(report.problems)} problem(s)[/red]")
    sys.exit(0 if report.ok else 1)


@main.command()
@assignment_option
@click.option("--check", "check_only", is_flag=True, help="Only report stubs that drifted.")
def stubs(assignment_path, check_only):
    """Regenerate student_template/ from the reference's solution markers."""
    from .commands import stubs as cmd

    names = cmd.main(assignment=_load(assignment_path), check_only=check_only)
    if check_only:
        if names:
            raise click.ClickException("stubs drifted from the reference: " + ", ".join(names))
        console.print("stubs match the reference")
    else:
        console.print(f"wrote {len(names)} stub(s)")


@main.command()
@assignment_option
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("dist"))
def release(assignment_path, output):
    """Build the student bundle (folder and zip): stubs, kit, public checks; no reference."""
    from .commands import release as cmd

    folder, archive = cmd.main(assignment=_load(assignment_path), output=output)
    console.print(f"student bundle: {folder} and {archive}")


def _register_plugins():
    from .commands.otter import otter
    from .commands.report import report
    from .commands.rubric import rubric

    main.add_command(rubric)
    main.add_command(report)
    main.add_command(otter)


_register_plugins()

if __name__ == "__main__":
    main()
