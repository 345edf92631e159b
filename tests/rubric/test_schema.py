"""Rubric files are validated on load; errors name the file, the line and the key."""
import re
from pathlib import Path

import pytest

from autograder.rubric import RubricError, load_rubric

GOOD = """\
schema: 1
exercise: ex03
question: "Why?"
concepts:
  attention: ['attention', 'transformers?']
  order: ['order\\\\w*', 'positions?']
criteria:
  - id: order_blind
    points: 2
    description: "attention is blind to order"
    match:
      - {all: [attention, order], near: 8, polarity: negated}
  - id: count
    points: 1
    description: "576"
    number: {value: 576, givens: [336, 14]}
deductions:
  - id: knows_order
    points: 1
    applies_to: order_blind
    message: "attention does not know the order"
    match:
      - {regex: '{attention} already knows'}
"""


def _write(tmp_path, text, name="ex03.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_rubric_loads(tmp_path):
    rubric = load_rubric(_write(tmp_path, GOOD), "ex03", 3)
    assert rubric.points == 3 and [c.id for c in rubric.criteria] == ["order_blind", "count"]
    assert rubric.criteria[0].alternatives[0].polarity == "negated"
    assert rubric.deductions[0].alternatives[0].regex.search("attention already knows")


@pytest.mark.parametrize("old, new, line, key, words", [
    ("  - id: order_blind\n    points: 2", "  - id: order_blind\n    points: two", 9,
     "criteria[0].points", "expected a number"),
    ("all: [attention, order]", "all: [attention, ordr]", 12, "criteria[0].match[0].all[1]",
     "unknown concept 'ordr'"),
    ("near: 8,", "near: 8, nearr: 3,", 12, "criteria[0].match[0].nearr", "unknown key"),
    ("polarity: negated", "polarity: negative", 12, "criteria[0].match[0].polarity",
     "expected one of affirmed, negated, any"),
    ("['attention', 'transformers?']", "['attention', 'transformers(']", 5, "concepts.attention[1]",
     "not a valid regular expression"),
    ("exercise: ex03", "exercise: ex04", 2, "exercise", "the file is for 'ex03'"),
    ("applies_to: order_blind", "applies_to: nothing", 20, "deductions[0].applies_to",
     "names no criterion"),
    ("  - id: count", "  - id: order_blind", 13, "criteria[1].id", "duplicate criterion id"),
    ("{regex: '{attention} already knows'}", "{regex: '{atention} already knows'}", 23,
     "deductions[0].match[0].regex", "unknown concept {atention}"),
    ("schema: 1", "schema: 2", 1, "schema", "expected 1"),
    ("number: {value: 576, givens: [336, 14]}", "number: {value: '576'}", 16,
     "criteria[1].number.value", "expected a number"),
    ("    number: {value: 576, givens: [336, 14]}\n",
     "    number: {value: 576}\n    match: [{all: [order]}]\n", 13, "criteria[1]",
     "exactly one of 'match'"),
])
def test_errors_name_file_line_and_key(tmp_path, old, new, line, key, words):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RubricError) as err:
        load_rubric(path, "ex03", 3)
    message = str(err.value)
    assert message.startswith(f"ex03.yaml:{line}: {key}: "), message
    assert words in message, message


def test_points_must_add_up_to_the_assignment(tmp_path):
    with pytest.raises(RubricError, match=r"ex03.yaml:\d+: criteria: criteria points add up to 3, "
                                          r"but assignment.yaml gives ex03 4 points"):
        load_rubric(_write(tmp_path, GOOD), "ex03", 4)


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(RubricError, match=r"^ex03.yaml:6: not valid YAML: expected ','"):
        load_rubric(_write(tmp_path, GOOD.replace("concepts:\n", "concepts: [\n", 1)), "ex03", 3)


def test_duplicate_keys_are_errors(tmp_path):
    text = GOOD.replace("question: \"Why?\"\n", "question: \"Why?\"\nquestion: \"Again?\"\n")
    with pytest.raises(RubricError, match=r"^ex03.yaml:4: question: duplicate key"):
        load_rubric(_write(tmp_path, text), "ex03", 3)


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(RubricError, match="no such rubric file"):
        load_rubric(tmp_path / "ex03.yaml", "ex03", 3)


def test_the_schema_document_covers_every_key():
    from autograder.rubric import schema
    doc = (Path(__file__).resolve().parents[2] / "assignments/ch30/rubrics/SCHEMA.md").read_text()
    for key in (schema.TOP_KEYS | schema.CRITERION_KEYS | schema.DEDUCTION_KEYS
                | (schema.ALT_KEYS - {"note"}) | schema.NUMBER_KEYS):
        assert re.search(rf"`{key}`|\b{key}:", doc), key
