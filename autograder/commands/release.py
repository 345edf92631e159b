"""``autograder release``: the student bundle, as a folder and a zip.

The bundle holds the stubs and an answers.md template at its top (students work
there), the engine, the course kit with its weights, and the public checks, so that
``pip install .`` then ``autograder check`` works offline. It never holds the
reference, hidden checks or rubrics; the build refuses to finish if it finds any.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import yaml

from ..assignment import Assignment
from ..publish import hidden_checks, leaks, public_checks
from ..stubs import generate

ENGINE = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{name}-student-kit"
version = "{version}"
description = "{title}: stubs, course kit and self-check"
requires-python = ">=3.10"
dependencies = ["torch>=2.2", "torchaudio>=2.2", "numpy>=1.24", "pyyaml>=6", "click>=8.1",
                "rich>=13"]

[project.scripts]
autograder = "autograder.cli:main"

[tool.setuptools]
packages = {packages}

[tool.setuptools.package-dir]
{package_dir}

[tool.setuptools.package-data]
mmkit = ["weights/*", "README.md"]
"autograder.report" = ["templates/*.html.j2"]
"""

README = """\
# {title}

Your work goes in the files here: `ex11_*.py` ... and `answers.md`. Each stub's
docstring says what to write, with the shapes of inputs and outputs.

    pip install .              # once: the self-check and the course kit (`import mmkit`)
    autograder check           # the public checks on all your files
    autograder check -e ex13   # one exercise

Public checks tell you what was expected and what your code returned. When your work
is graded, hidden checks run too, on inputs drawn for that run, so passing every
public check is necessary but not sufficient. Pen-and-paper answers go in
`answers.md`, one `## Exercise N` section each.

If your course uses otter-grader, the same public checks are otter tests in `otter/tests`:

    otter check ex13_clip_loss.py -t otter/tests -q ex13

and `{notebook}` is the notebook otter grades: submit it with your files, unchanged.
"""


class LeakError(RuntimeError):
    pass


def _answers_template(assignment: Assignment) -> str:
    custom = assignment.root / "answers_template.md"
    if custom.exists():
        return custom.read_text(encoding="utf-8")
    parts = [f"# {assignment.title}: pen-and-paper answers\n"]
    for ex in assignment.select(kind="rubric"):
        parts.append(f"\n## Exercise {int(ex.id[2:])}\n<!-- {ex.title} -->\n\n")
    return "".join(parts)


def main(*, assignment: Assignment, output: Path) -> tuple[Path, Path]:
    output = Path(output)
    bundle = output / f"{assignment.name}-student"
    if bundle.exists():
        shutil.rmtree(bundle)
    bundle.mkdir(parents=True)

    stubs = generate(assignment.path("reference", "reference"), bundle)
    (bundle / "answers.md").write_text(_answers_template(assignment), encoding="utf-8")

    shutil.copytree(ENGINE, bundle / "autograder", ignore=IGNORE)
    target = bundle / "assignments" / assignment.name
    target.mkdir(parents=True)
    data = yaml.safe_load((assignment.root / "assignment.yaml").read_text(encoding="utf-8"))
    data["paths"] = {"checks": "checks"}
    release_opts = data.pop("release", {}) or {}
    (target / "assignment.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    hidden = []
    checks_dir = assignment.path("checks", "checks")
    (target / "checks").mkdir()
    for path in sorted(checks_dir.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        hidden += hidden_checks(source)
        (target / "checks" / path.name).write_text(public_checks(source), encoding="utf-8")

    kit = assignment.root / "mmkit"
    packages = sorted(".".join(p.parent.relative_to(ENGINE.parent).parts)
                      for p in ENGINE.rglob("__init__.py") if "__pycache__" not in p.parts)
    package_dir = ""
    if kit.is_dir():
        shutil.copytree(kit, target / "mmkit", ignore=IGNORE)
        packages += ["mmkit"] + [f"mmkit.{p.parent.relative_to(kit).as_posix().replace('/', '.')}"
                                 for p in sorted(kit.glob("*/**/__init__.py"))]
        package_dir = f'mmkit = "assignments/{assignment.name}/mmkit"'
    (bundle / "pyproject.toml").write_text(PYPROJECT.format(
        name=assignment.name, version=assignment.version.replace("-", "."),
        title=assignment.title, packages=packages, package_dir=package_dir), encoding="utf-8")
    # for students who check with otter: the public cases only, and otter's entry notebook
    from .otter import driver_name, driver_notebook, export

    (bundle / "README.md").write_text(
        README.format(title=assignment.title, notebook=driver_name(assignment)), encoding="utf-8")
    export(assignment, bundle / "otter" / "tests", hidden=False,
           exercises=[e.id for e in assignment.select(kind="code")])
    (bundle / driver_name(assignment)).write_text(driver_notebook(assignment), encoding="utf-8")

    allowed = release_opts.get("public_lines", [])
    problems = leaks(bundle, assignment.path("reference", "reference"), hidden,
                     public=sorted(kit.rglob("*.py")) if kit.is_dir() else (), allowed=allowed)
    if problems:
        raise LeakError("the student bundle would leak:\n" + "\n".join(problems))

    archive = output / f"{assignment.name}-student.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(bundle.rglob("*")):
            if path.is_file():
                zf.write(path, Path(bundle.name) / path.relative_to(bundle))
    return bundle, archive
