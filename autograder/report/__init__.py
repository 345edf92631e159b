"""Instructor reports for a graded batch: ``autograder report results/ -o report/``.

One plain function, ``main(*, results_dir, output, ...)`` (in ``build``), over small
modules, each one concern:

    load        the results folder (JSON documents, gradebook.db overrides, read-only)
    policy      assignment.yaml's grading weights, late policy, Canvas ids
    timestamps  when each submission was handed in (LMS CSV, a stamp file, zip metadata)
    grades      totals per student, auto / rubric / overrides kept apart, late penalty
    exports     Canvas CSV, generic CSV, Gradescope results.json
    feedback    per-student feedback (Markdown here, HTML through a template)
    analysis    item analysis, failing messages grouped, errors, timing
    figures     matplotlib figures as data URIs
    similarity  MOSS-style winnowing over normalised tokens: leads, never verdicts
    html        the jinja2 renderings (templates/*.html.j2, autoescaped)
    safe        untrusted text as text: CSV cells, terminal, Markdown, file names
"""
from .build import Summary, main

__all__ = ["main", "Summary"]
