"""Shared fixtures for the rubric tests: the Chapter 30 assignment and its rubrics."""
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.rubric import load_rubrics

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture(scope="session")
def assignment() -> Assignment:
    return Assignment.load(ROOT / "assignments" / "ch30")


@pytest.fixture(scope="session")
def rubrics(assignment):
    return load_rubrics(assignment)
