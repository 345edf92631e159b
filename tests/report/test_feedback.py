"""Per-student feedback: public checks in full, hidden ones as the instructor chooses,
and a submission's text stays text in Markdown and HTML."""
import pytest

from autograder.report import feedback
from autograder.report.grades import columns, grade_all
from autograder.report.html import feedback_html
from autograder.report.policy import Policy
from autograder.report.safe import file_stem, md_code_block, md_text, term_text
from report_factory import HOSTILE_ID, HOSTILE_MESSAGE, small_result


def render(result, mode):
    cols = columns([result], [], Policy())
    (g,) = grade_all([result], cols, Policy())
    v = feedback.view(result, g, cols, "Chapter 30", mode)
    return feedback.markdown(v), feedback_html(v)


def secret_result():
    r = small_result("ann")
    r.exercises[1].checks[1].message = "SECRET expected 0.731 on the hidden batch"
    r.output = "printed: SECRET input tensor"
    return r


@pytest.mark.parametrize("mode", ["none", "names", "full"])
def test_hidden_checks_as_the_instructor_chooses(mode):
    md, page = render(secret_result(), mode)
    for text in (md, page):
        assert "ex11.a" in text and "ex01.y" in text and "partly" in text    # public: in full
        assert ("ex11.b" in text) == (mode != "none")
        assert ("SECRET" in text) == (mode == "full")                       # message and output
    if mode == "none":
        assert "hidden checks (1): 2 / 4 points" in md


def test_review_and_override_are_said():
    md, page = render(small_result("ann"), "none")
    assert "waits for a TA's review" in md and "waits for a TA's review" in page
    md, page = render(small_result("ann", override=3.0), "none")
    assert "TA override by ta: 3 (automatic score 2)" in md
    assert "changed by your TA: +1" in md and "TA override by ta" in page


def test_hostile_text_stays_text():
    r = small_result(HOSTILE_ID)
    r.exercises[0].checks[1].message = HOSTILE_MESSAGE
    r.output = HOSTILE_MESSAGE
    md, page = render(r, "full")
    assert "<script>" not in page and "<img" not in page and "\x1b" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "\x1b" not in md
    prose, fenced = md.split("````text\n")          # captured output: verbatim, in a fence
    assert "<script" not in prose and "<img" not in prose
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in prose
    assert fenced.startswith("<img src=x") and fenced.rstrip().endswith("````")
    assert "\\*\\*bold\\*\\*" in md and "\\| pipe" in md                   # no Markdown either


def test_markdown_helpers():
    assert md_text("a\nb [x](javascript:y)") == "a b \\[x\\]\\(javascript:y\\)"
    block = md_code_block("```\nbreak out\n````")
    fence = block.split("\n", 1)[0].rstrip("text")
    assert len(fence) == 5 and block.endswith("\n" + fence)


def test_terminal_text_has_no_markup_or_controls():
    shown = term_text("[bold red]x[/bold red]\x1b[2J\u202eevil")
    assert "\x1b" not in shown and "\u202e" not in shown and "\\[bold red]" in shown


def test_file_stems_are_safe_and_distinct():
    assert file_stem("alice") == "alice"
    weird = [file_stem(s) for s in ("../etc/passwd", "..-etc-passwd", "a b", "a_b", HOSTILE_ID)]
    assert len(set(weird)) == len(weird)
    assert all("/" not in s and not s.startswith(".") for s in weird)
