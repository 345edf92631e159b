"""``autograder otter ...``: this assignment for courses that run otter-grader.

    autograder otter export -o otter/tests      one otter test file per exercise
    autograder otter zip -o autograder.zip      otter's autograder (``otter run -a``,
                                                Gradescope), hidden tests hidden, seeded
    autograder otter pack SUBMISSION -o s.zip   a submission folder as otter grades it

The test files hold no check code: each case calls ``autograder.otterbridge``, which runs
the registered check through the engine ``autograder grade`` uses, so the scores agree
and a check is written once. A code exercise's cases are its checks (points, hidden,
our messages as otter's failure messages). A pen-and-paper exercise's cases are the
quarters of each rubric criterion, passing as the automatic score reaches them: otter
scores a case all or nothing, so a criterion's score is floored to a quarter of its
points there, and TA overrides (``autograder rubric override``) do not reach otter.
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import click
import yaml

from ..assignment import Assignment, AssignmentError
from ..otterbridge import QUARTERS
from .release import ENGINE, IGNORE

# what the grading image needs besides otter itself (Gradescope's setup.sh installs it)
REQUIREMENTS = ["torch>=2.2", "torchaudio>=2.2", "numpy>=1.24", "pyyaml>=6", "click>=8.1",
                "rich>=13"]

HEADER = '''\
"""otter-grader tests for {ex_id}: {title}.

Written by `autograder otter export` from the registered checks{origin}. Each case
runs our check through autograder.otterbridge, against the functions in your namespace.
Do not edit: export again."""
from otter.test_files import test_case

from autograder.otterbridge import {runner}

OK_FORMAT = False
name = {ex_id!r}
SETTINGS = {settings!r}
'''

CASE = '''

@test_case(name={name!r}, points={points!r}, hidden={hidden!r})
def {fn}(env):
    {call}
'''


def public_names(source: str) -> tuple[str, ...]:
    """Top-level functions and classes a stub asks for (``_private`` ones left out)."""
    import ast

    return tuple(node.name for node in ast.parse(source).body
                 if isinstance(node, (ast.FunctionDef, ast.ClassDef))
                 and not node.name.startswith("_"))


def _names(assignment: Assignment, ex_ids) -> dict[str, tuple[str, ...]]:
    template = assignment.path("template", "student_template")
    out = {}
    for ex_id in ex_ids:
        stub = template / assignment.exercises[ex_id].file
        if stub.is_file():
            out[ex_id] = public_names(stub.read_text(encoding="utf-8"))
    return out


def _identifier(text: str) -> str:
    fn = re.sub(r"\W", "_", text)
    return fn if fn[:1].isalpha() else f"case_{fn}"


def test_file(assignment: Assignment, ex_id: str, *, hidden: bool = True,
              seed: int | None = None) -> str:
    """The source of one otter test file for ``ex_id``."""
    ex = assignment.exercises[ex_id]
    settings = {"assignment": assignment.name, "version": assignment.version,
                "seed": seed, "hidden": hidden}
    cases = []
    if ex.kind == "code":
        settings["names"] = _names(assignment, assignment.with_dependencies([ex_id]))
        for spec in assignment.checks(ex_id):
            if spec.hidden and not hidden:
                continue
            cases.append(CASE.format(name=spec.id, points=float(spec.points),
                                     hidden=bool(spec.hidden),
                                     fn=_identifier(spec.id.split(".", 1)[1]),
                                     call=f"case(env, {spec.id!r}, SETTINGS)"))
        runner = "case"
    else:
        from ..rubric import load_rubrics

        rubric = load_rubrics(assignment)[ex_id]
        for criterion in rubric.criteria:
            cid = f"{ex_id}.{criterion.id}"
            for q in range(1, QUARTERS + 1):
                cases.append(CASE.format(
                    name=f"{cid} ({q}/{QUARTERS})", points=criterion.points / QUARTERS,
                    hidden=False, fn=_identifier(f"{criterion.id}_{q}"),
                    call=f"rubric_case(env, {cid!r}, {q}, SETTINGS)"))
        runner = "rubric_case"
    origin = f" of assignment {assignment.name} {assignment.version}"
    return HEADER.format(ex_id=ex_id, title=ex.title, origin=origin, runner=runner,
                         settings=settings) + "".join(cases)


def export(assignment: Assignment, out: Path, *, hidden: bool = True, seed: int | None = None,
           exercises=None) -> list[Path]:
    """Write one test file per selected exercise (and per exercise they build on, graded
    with them as ``autograder grade`` does) into ``out``; returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for ex in assignment.select(assignment.with_dependencies(exercises)):
        if ex.kind == "rubric" and not (assignment.path("rubrics", "rubrics")
                                        / f"{ex.id}.yaml").is_file():
            continue  # a bundle without rubrics (the student release) has no rubric tests
        path = out / f"{ex.id}.py"
        path.write_text(test_file(assignment, ex.id, hidden=hidden, seed=seed),
                        encoding="utf-8")
        written.append(path)
    return written


def driver_notebook(assignment: Assignment) -> str:
    """otter grades one notebook per submission: this one imports every exercise file
    beside it into the namespace otter's tests read."""
    import nbformat

    modules = [e.module for e in assignment.select(kind="code")]
    intro = (f"# {assignment.title}: otter's entry point\n\n"
             "Leave this notebook as it is, next to your `ex*.py` files and `answers.md`: "
             "otter runs it, and its tests grade the modules it imports.")
    code = ("import importlib\n\n"
            f"for _name in {modules!r}:\n"
            "    try:\n"
            "        globals()[_name] = importlib.import_module(_name)\n"
            "    except Exception as _e:  # graded as this exercise's import error\n"
            "        print(f\"{_name}: {type(_e).__name__}: {_e}\")")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(intro),
                                         nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    return nbformat.writes(nb)


def driver_name(assignment: Assignment) -> str:
    return f"{assignment.name}_otter.ipynb"


def pack(assignment: Assignment, submission: Path, out: Path) -> Path:
    """A submission folder as one otter submission zip: its exercise files and
    answers.md at the top, with the driver notebook (otter wants exactly one)."""
    submission, out = Path(submission), Path(out)
    if not submission.is_dir():
        raise click.ClickException(f"{submission} is not a folder")
    wanted = {e.file for e in assignment.select(kind="code")} | {"answers.md"}
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(submission.iterdir()):
            if path.name in wanted and path.is_file() and not path.is_symlink():
                zf.write(path, path.name)
        zf.writestr(driver_name(assignment), driver_notebook(assignment))
    return out


def _grading_assignment(assignment: Assignment, target: Path) -> None:
    """The assignment as the grading image sees it: checks (hidden too), rubrics, kit and
    reference in one folder, with relative paths."""
    target.mkdir(parents=True)
    data = yaml.safe_load((assignment.root / "assignment.yaml").read_text(encoding="utf-8"))
    data["paths"] = {"checks": "checks", "rubrics": "rubrics", "reference": "reference",
                     "template": "student_template"}
    data.pop("release", None)
    (target / "assignment.yaml").write_text(yaml.safe_dump(data, sort_keys=False),
                                            encoding="utf-8")
    for key, default, name in [("checks", "checks", "checks"), ("rubrics", "rubrics", "rubrics"),
                               ("reference", "reference", "reference"),
                               ("template", "student_template", "student_template")]:
        src = assignment.path(key, default)
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=IGNORE)
    for extra in ["mmkit", "answers_template.md"]:
        src = assignment.root / extra
        if src.is_dir():
            shutil.copytree(src, target / extra, ignore=IGNORE)
        elif src.is_file():
            shutil.copyfile(src, target / extra)


def build_zip(assignment: Assignment, out: Path, *, seed: int | None = None, exercises=None,
              python_version: str | None = None) -> Path:
    """Run ``otter generate`` on the exported tests (hidden included, the run's seed fixed)
    with the engine and the whole assignment as support files."""
    out = Path(out).resolve()
    seed = secrets.randbits(31) if seed is None else int(seed)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        export(assignment, stage / "tests", hidden=True, seed=seed, exercises=exercises)
        shutil.copytree(ENGINE, stage / "autograder", ignore=IGNORE)
        _grading_assignment(assignment, stage / "assignments" / assignment.name)
        (stage / "requirements.txt").write_text("\n".join(REQUIREMENTS) + "\n")
        config = {"lang": "python", "seed": seed, "show_stdout": False,
                  "show_hidden": False}
        (stage / "otter_config.json").write_text(json.dumps(config, indent=2))
        cmd = [sys.executable, "-m", "otter", "generate", "-t", "tests",
               "-c", "otter_config.json", "-r", "requirements.txt", "-o", str(out),
               "autograder", "assignments"]
        # the grading image runs the Python this was built and tested with, unless told
        python_version = python_version or "{}.{}".format(*sys.version_info[:2])
        cmd[-2:-2] = ["--python-version", python_version]
        done = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
        if done.returncode != 0:
            raise click.ClickException(f"otter generate failed ({done.returncode}):\n"
                                       f"{done.stdout}{done.stderr}")
    return out


def _load(path) -> Assignment:
    try:
        return Assignment.load(path)
    except AssignmentError as e:
        raise click.ClickException(str(e)) from None


def _exercises(value: str | None):
    return [x.strip() for x in value.split(",") if x.strip()] if value else None


ASSIGNMENT = click.option("--assignment", type=click.Path(path_type=Path), default=None,
                          help="Assignment folder (holding assignment.yaml); found "
                               "automatically by default.")
EXERCISES = click.option("-e", "--exercises", default=None,
                         help="Comma-separated exercise ids (default: all).")


@click.group("otter")
def otter():
    """The same checks as otter-grader tests, an otter autograder zip, submissions."""


@otter.command("export")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("otter/tests"),
              show_default=True, help="Folder for the test files.")
@click.option("--public-only", is_flag=True, help="Leave hidden checks out (for students).")
@click.option("--seed", type=int, default=None,
              help="Fix the checks' seed (default: a fresh one every grading run).")
@EXERCISES
@ASSIGNMENT
def export_cmd(output, public_only, seed, exercises, assignment):
    """One otter test file per exercise, from the registered checks."""
    a = _load(assignment)
    written = export(a, output, hidden=not public_only, seed=seed,
                     exercises=_exercises(exercises))
    click.echo(f"wrote {len(written)} otter test file(s) to {output}")


@otter.command("zip")
@click.option("-o", "--output", type=click.Path(path_type=Path),
              default=Path("otter/autograder.zip"), show_default=True)
@click.option("--seed", type=int, default=None,
              help="The grading seed (default: drawn now, then fixed in the zip).")
@click.option("--python-version", default=None,
              help="Python of Gradescope's image (default: this one's).")
@EXERCISES
@ASSIGNMENT
def zip_cmd(output, seed, python_version, exercises, assignment):
    """otter's autograder zip (``otter run -a``, Gradescope): hidden tests hidden."""
    a = _load(assignment)
    path = build_zip(a, output, seed=seed, exercises=_exercises(exercises),
                     python_version=python_version)
    click.echo(f"wrote {path}")


@otter.command("pack")
@click.argument("submission", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The zip to write.")
@ASSIGNMENT
def pack_cmd(submission, output, assignment):
    """A submission folder as one otter submission zip (with otter's driver notebook)."""
    a = _load(assignment)
    click.echo(f"wrote {pack(a, submission, output)}")
