"""The answers.md parser: heading variants, missing/empty/extra sections, odd bytes."""
from pathlib import Path

import pytest
import yaml

from autograder.rubric import score_document
from autograder.rubric.parser import decode, match_heading, parse

DOCS = Path(__file__).resolve().parent / "corpus" / "documents"


@pytest.mark.parametrize("line, number", [
    ("# Exercise 3", 3), ("## Exercise 3", 3), ("Exercise 4:", 4), ("## Ex. 5", 5),
    ("**Exercise 6**", 6), ("exercise 7", 7), ("EXERCISE 8", 8), ("Exercise #9", 9),
    ("### Exercise 10 - Why a shared space", 10), ("## Exercise 2: Images as patch tokens", 2),
    ("__Exercise 1__", 1), ("*Exercise 1*", 1), ("Ex3", 3), ("Ex 3:", 3), ("Q4", 4), ("Q4.", 4),
    ("Question 5", 5), ("Problem 6)", 6), ("Task 7", 7), ("Answer 8:", 8), ("## 9.", 9),
    ("## 9) Audio", 9), ("### 10", 10), ("Exercise IV", 4), ("Exercise four", 4),
    ("Aufgabe 2", 2), ("**Exercise 8:** Each image becomes many tokens.", 8),
    ("Exercise 3 (position embeddings)", 3), ("  ## Exercise 3  ", 3), ("Exercise 1.", 1),
    ("Exercise 2 \u2014 patches", 2),
])
def test_heading_variants_are_recognised(line, number):
    heading = match_heading(line)
    assert heading is not None and heading.number == number


@pytest.mark.parametrize("line", [
    "Exercise 2 showed that images become tokens.", "1. The image is split into patches.",
    "A 2-D spectrogram is an image.", "Each image becomes many tokens (Exercise 2).",
    "Example 3: a dog", "Exercises 1-10 are pen and paper.", "", "Q: what is this?",
    "In exercise 3 we saw", "- Exercise 4 is about CLIP",
])
def test_prose_is_not_a_heading(line):
    assert match_heading(line) is None


def test_inline_answer_text_on_the_heading_line_is_kept():
    parsed = parse("Exercise 4: Matching pairs are pulled together.\n\n**Exercise 5:** CLIP is semantic.")
    assert parsed.sections[4].text == "Matching pairs are pulled together."
    assert parsed.sections[5].text == "CLIP is semantic."


def test_markdown_heading_title_is_not_answer_text():
    parsed = parse("## Exercise 3: Why position embeddings\n\nAttention is order-blind.")
    assert parsed.sections[3].text == "Attention is order-blind."


def test_an_inline_title_that_repeats_the_question_is_dropped():
    q = "Why do patch tokens need position embeddings? What goes wrong without them?"
    parsed = parse("Exercise 3: Why do patch tokens need position embeddings?\nBecause attention is "
                   "blind to order.", questions={3: q})
    assert parsed.sections[3].text == "Because attention is blind to order."


def test_quoted_question_comments_and_placeholders_are_not_answers():
    q = "Why do patch tokens need position embeddings? What goes wrong without them?"
    text = f"## Exercise 3\n\n> {q}\n\n<!-- write below -->\n_Your answer here._\n\n"
    parsed = parse(text, questions={3: q})
    assert parsed.sections[3].text == ""


def test_sub_headings_inside_an_answer_stay_in_it():
    parsed = parse("## Exercise 7\n\n### Stage 1\nOnly the projector.\n### Stage 2\nThe LLM too.\n"
                   "## Exercise 8\nTokens.")
    assert "Only the projector" in parsed.sections[7].text and "The LLM too" in parsed.sections[7].text
    assert parsed.sections[8].text == "Tokens."


def test_code_fences_do_not_start_sections():
    parsed = parse("## Exercise 2\n```\n## Exercise 3\n```\n(336/14)^2 = 576")
    assert set(parsed.sections) == {2}
    assert "576" in parsed.sections[2].text


def test_missing_empty_duplicate_and_extra_sections_are_reported():
    text = ("# Answers\n\n## Exercise 1\nTokens.\n\n## Exercise 2\n\n## Exercise 1\nMore.\n\n"
            "## Exercise 12\nCode notes.\n\n## Appendix\nStuff.\n")
    parsed = parse(text)
    assert parsed.sections[1].text == "Tokens.\n\nMore."
    assert parsed.sections[2].text == ""
    assert 3 not in parsed.sections
    assert parsed.duplicates == {1}
    problems = " ".join(parsed.problems)
    assert "two sections" in problems and "Exercise 12" in problems and "Appendix" in problems


def test_no_headings_is_fatal_with_a_reason():
    parsed = parse("Here are my answers. Attention is blind to order, so we add positions.")
    assert parsed.fatal and "no 'Exercise N' headings" in parsed.fatal


def test_empty_file_is_not_fatal():
    parsed = parse("")
    assert parsed.fatal is None and parsed.sections == {}


@pytest.mark.parametrize("data, encoding", [
    ("## Exercise 1\ncaf\u00e9 na\u00efve".encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf## Exercise 1\nhi", "utf-8"),
    ("## Exercise 1\ncaf\u00e9".encode("cp1252"), "cp1252"),
    ("## Exercise 1\ncaf\u00e9".encode("utf-16"), "utf-16"),
    ("## Exercise 1\ncaf\u00e9".encode("utf-16-le"), "utf-16"),
    (b"## Exercise 1\n\x81\x8d\x90 bytes", "cp1252"),
])
def test_bytes_are_decoded_and_odd_encodings_noted(data, encoding):
    text, got, problem = decode(data)
    assert got == encoding and text is not None and "Exercise 1" in text
    assert (problem is not None) == (encoding == "cp1252")


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.7 ...", "PDF"), (b"PK\x03\x04 word/document.xml", "Word"),
    (b"\x00\x01\x02\x03" * 100 + b"\x00" * 50, "NUL"),
])
def test_binary_files_are_errors_that_say_why(rubrics, data, words):
    results = score_document(data, rubrics, [("ex01", "t"), ("ex02", "t")])
    for r in results:
        assert {c.status for c in r.checks} == {"error"}
        assert words in r.checks[0].message and r.review["needed"]


def _documents():
    expected = yaml.safe_load((DOCS / "expected.yaml").read_text(encoding="utf-8"))
    for name, spec in expected.items():
        yield pytest.param(name, spec, id=name)


@pytest.mark.parametrize("name, spec", list(_documents()))
def test_whole_documents(rubrics, name, spec):
    results = {r.id: r for r in score_document((DOCS / name).read_bytes(), rubrics)}
    notes = " ".join(next(iter(results.values())).review.get("notes", []))
    for problem in spec.get("problems", []):
        assert problem in notes, notes
    for ex_id, want in spec["exercises"].items():
        r = results[ex_id]
        statuses = {c.status for c in r.checks}
        if want["status"] == "scored":
            assert statuses <= {"passed", "failed"}, (ex_id, statuses)
        else:
            assert statuses == {want["status"]}, (ex_id, statuses)
        assert abs(r.score - want["score"]) <= want.get("tolerance", 0) + 1e-9, \
            (ex_id, r.score, [(c.id, c.message) for c in r.checks])
        if "review" in want:
            assert r.review["needed"] is want["review"], (ex_id, r.review)
