"""Numbers in answers: expressions, results stated, arithmetic slips."""
import re

import pytest

from autograder.rubric.numbers import arithmetic
from autograder.rubric.text import normalise, strip_markdown

COUNTS = re.compile(r"(?:(?:patch|image|visual)\s+)?(?:tokens?|patch(?:es)?)\b")
PER_SIDE = re.compile(r"\s*(?:per|along|on|across)\s+(?:each|every|a|the)?\s*(?:side|row|column)")


def values(text):
    found = arithmetic(normalise(strip_markdown(text)), COUNTS, PER_SIDE)
    return found


@pytest.mark.parametrize("text", [
    "576", "24 x 24", "24×24", "24*24", "24 * 24", "(336/14)^2", "24^2", "24²", "24**2",
    "24 by 24", "(336/14)x(336/14)", "(336/14)×(336/14)", r"$\left(\frac{336}{14}\right)^2$",
    "336 ÷ 14 = 24, 24 times 24", "24 squared", "$24^{2}$", "(336 / 14) * (336 / 14)",
])
def test_equivalent_expressions_give_576(text):
    assert any(abs(e.value - 576) < 1e-9 for e in values(text).expressions), text


def test_claims_and_slips():
    got = values("336/14 = 22, so there are 22 x 22 = 484 tokens.")
    assert [(a.text, b.text) for a, b in got.slips] == [("336/14", "22")]
    assert {e.value for e in got.expressions if e.claim} == {22, 484}


def test_per_side_is_not_a_count():
    got = values("there are 24 patches per side")
    assert not any(e.claim for e in got.expressions)
    assert any(e.claim for e in values("so 576 patch tokens in total").expressions)


def test_words_and_hyphens_are_not_operators():
    got = values("a 336-px image with 14-px patches and 3 x 14 x 14 = 588 values per patch")
    assert [e.value for e in got.expressions] == [336, 14, 588, 588]
    assert not got.slips


def test_thousands_separators():
    assert values("112,896 pixels").expressions[0].value == 112896
    assert [e.value for e in values("24, 576").expressions] == [24, 576]


def test_no_eval_and_no_huge_powers():
    assert not [e for e in values("2^999999").expressions if e.value > 1e12]
    assert values("__import__('os')").expressions == []
