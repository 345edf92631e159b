"""Scoring one answer against its rubric, with evidence and a confidence.

A criterion is matched when one of its alternatives is found in a sentence (or two
adjacent ones): all of its concepts present, within ``near`` words, in ``order`` if
asked, with the right polarity (a negation cue such as "not", "no", "without", "n't"
between or just before the concepts makes the statement *negated*), and none of its
``unless`` concepts in the sentence. The credit is the best alternative's ``credit``
times the criterion's points; the sentence that matched is the evidence.

Detectors withhold credit and send the answer to a TA instead of guessing:
* keyword list: most of the answer is terms separated by commas or one per line, with
  hardly any function words: credit from such sentences is cut to a quarter;
* question echo: the answer adds (almost) nothing to the question's own words: no credit;
* another language: no credit (provisional), always flagged;
* looks like another exercise's answer (swapped sections): flagged.

Confidence is in [0, 1]: the points-weighted mean of the criteria's certainties (a
clean match or a clean miss is certain; a near miss, a partial credit, a match across
two sentences, a number that conflicts, or a deduction is not), capped by the detectors.
Below the rubric's ``review_threshold`` (0.6 by default) the answer is marked for review.
"""
from __future__ import annotations

import functools
import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from . import numbers
from .schema import Alternative, Criterion, Rubric
from .text import (Sentence, Vocabulary, content_words, guess_language, is_fragment,
                   sentences_of, strip_markdown, words_of)

LISTY_CREDIT = 0.25      # credit kept from a sentence that is a list of terms
MAX_COMBOS = 4000        # occurrence combinations tried per alternative and sentence
EVIDENCE_CHARS = 300

# certainty of a criterion's verdict
SURE = 0.95
ACROSS_SENTENCES = 0.8
PARTIAL = 0.7
NEAR_MISS = 0.5
HALF_MISS = 0.75


@dataclass
class Match:
    credit: float
    sentences: tuple[int, ...]
    certainty: float
    listy: bool = False
    span: int = 0


@dataclass
class CriterionScore:
    criterion: Criterion
    score: float
    credit: float
    evidence: str
    message: str
    certainty: float
    deducted: float = 0.0
    conflict: str = ""        # e.g. the right number and a wrong one both stated

    @property
    def status(self) -> str:
        return "passed" if self.score >= self.criterion.points - 1e-9 else "failed"


@dataclass
class AnswerScore:
    exercise: str
    criteria: list[CriterionScore]
    confidence: float
    reasons: list[str]
    flags: set[str]
    words: int = 0

    @property
    def score(self) -> float:
        return round(sum(c.score for c in self.criteria), 4)

    @property
    def max_score(self) -> float:
        return round(sum(c.criterion.points for c in self.criteria), 4)


# -- analysing an answer ------------------------------------------------------------------------------

@dataclass
class Answer:
    text: str
    sentences: list[Sentence]
    words: list[str]
    listy_share: float
    question_novelty: int         # content words of the answer that the question lacks
    novelty_share: float
    novel: dict[int, int] = field(default_factory=dict)   # per sentence
    truncated: bool = False


MAX_WORDS = 3000         # an answer longer than this is scored on its start (and flagged)


@dataclass(frozen=True)
class _Base:
    text: str
    sentences: tuple
    words: tuple
    listy_share: float
    content: tuple                  # stemmed content words of the whole answer
    per_sentence: tuple             # the same, per sentence
    truncated: bool = False


@functools.lru_cache(maxsize=256)
def _base(text: str, vocabulary: Vocabulary | None = None) -> _Base:
    """The question-independent analysis (shared by every rubric an answer is tried on)."""
    clean = strip_markdown(text)
    words = words_of(clean)
    truncated = len(words) > MAX_WORDS
    if truncated:
        cut = [m.start() for m in re.finditer(r"\S+", clean)][MAX_WORDS]
        clean = clean[:cut]
        words = words[:MAX_WORDS]
    sentences = tuple(Sentence(i, s, vocabulary) for i, s in enumerate(sentences_of(clean)))
    listy_words = sum(len(words_of(s.display)) for s in sentences
                      if s.listy or is_fragment(s.display))
    return _Base(clean, sentences, tuple(words),
                 listy_words / len(words) if words else 0.0,
                 tuple(content_words(clean)),
                 tuple(tuple(content_words(s.display)) for s in sentences), truncated)


def analyse(text: str, question: str, vocabulary: Vocabulary | None = None) -> Answer:
    base = _base(text, vocabulary)
    q = set(content_words(question)) | GENERIC
    mine = [w for w in base.content if w not in GENERIC]
    novel_words = {w for w in mine if w not in q}
    novel = {s.index: len({w for w in words if w not in q})
             for s, words in zip(base.sentences, base.per_sentence)}
    return Answer(text=base.text, sentences=list(base.sentences), words=list(base.words),
                  listy_share=base.listy_share,
                  question_novelty=len(novel_words),
                  novelty_share=len(novel_words) / max(1, len(set(mine))),
                  novel=novel, truncated=base.truncated)


GENERIC = set(content_words("""because answer question thing things something reason reasons
    way ways use used make makes made need needs also really important exercise example
    basically simply just like well good better bad lot lots therefore hence going get gets
    happen happens done called know known think""")) - set()


# -- matching ---------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=65536)
def _hits(pattern: re.Pattern, norm: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in pattern.finditer(norm))


@functools.lru_cache(maxsize=4096)
def _starts(norm: str) -> tuple[int, ...]:
    """Character offsets where the words of ``norm`` start."""
    return tuple(m.start() for m in re.finditer(r"\S+", norm))


@functools.lru_cache(maxsize=4096)
def _negation_spans(norm: str) -> tuple[tuple[int, int], ...]:
    return tuple(m.span() for m in _NEG_SOURCE.finditer(norm))


def _negated(norm: str, negations: list[tuple[int, int]], start: int, end: int,
             inside: list[tuple[int, int]]) -> bool:
    """Is the statement between ``start`` and ``end`` negated?

    A negation cue counts when it stands within the five words before one of the
    matched concepts (``attention does NOT know the order``), or in the three words
    before the first one in the same clause (``WITHOUT position embeddings, ...``);
    cues that are part of a matched concept (``no notion of order``) do not count.
    """
    hits = sorted(inside) if inside else [(start, end)]
    words = _starts(norm)
    for a, b in negations:
        if any(x <= a < y for x, y in inside):
            continue
        if not (start - 60 <= a < end):
            continue
        if not inside and start <= a:
            return True                  # a regex match with a cue inside it
        for k, (hs, _) in enumerate(hits):
            if a >= hs:
                continue
            i = bisect_left(words, hs)
            limit = 3 if k == 0 else 5
            lo = words[max(0, i - limit)] if words else 0
            if a >= lo:
                if k == 0:
                    head = norm[a:hs]
                    if re.search(r"[,;:.]| but | while | whereas ", head):
                        continue
                return True
    return False


@dataclass
class _Try:
    ok: bool
    present: float      # share of the alternative's concepts present (near-miss measure)
    polarity_miss: bool = False
    span: int = 0


def _try_alternative(alt: Alternative, rubric: Rubric, norm: str, sentence: Sentence) -> _Try:
    negations = _negation_spans(norm)
    for name in alt.unless:
        if rubric.concepts[name].search(norm):
            return _Try(False, 0.5)
    if alt.regex is not None:
        best_miss = False
        for m in alt.regex.finditer(norm):
            neg = _negated(norm, negations, m.start(), m.end(), [])
            if _polarity_ok(alt.polarity, neg):
                return _Try(True, 1.0, span=len(norm[m.start():m.end()].split()))
            best_miss = True
        return _Try(False, 0.5 if best_miss else 0.0, polarity_miss=best_miss)

    hits = {c: _hits(rubric.concepts[c], norm) for c in alt.concepts}
    present = [c for c in alt.concepts if hits[c]]
    need = alt.least or len(alt.concepts)
    share = len(present) / len(alt.concepts)
    if len(present) < need:
        return _Try(False, share)
    word_of = _word_index(norm)
    polarity_miss = False
    best: int | None = None
    subsets = [tuple(present)] if need >= len(present) else \
        [s for k in range(len(present), need - 1, -1) for s in itertools.combinations(present, k)]
    tried = 0
    for subset in subsets:
        for combo in itertools.product(*(hits[c] for c in subset)):
            tried += 1
            if tried > MAX_COMBOS:
                break
            if alt.order and any(combo[i][0] >= combo[i + 1][0] for i in range(len(combo) - 1)):
                continue
            spans = sorted(combo)
            if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
                continue                     # the same words counted for two concepts
            start, end = min(a for a, _ in combo), max(b for _, b in combo)
            width = word_of(end - 1) - word_of(start)
            if alt.near is not None and width > alt.near:
                continue
            if alt.scope and not _in_one_scope(alt, rubric, norm, subset, combo, word_of):
                continue
            neg = _negated(norm, negations, start, end, list(combo))
            if not _polarity_ok(alt.polarity, neg):
                polarity_miss = True
                continue
            if best is None or width < best:
                best = width
        if best is not None:
            return _Try(True, 1.0, span=best)
    return _Try(False, share if not polarity_miss else max(share, 0.75),
                polarity_miss=polarity_miss)


def _in_one_scope(alt: Alternative, rubric: Rubric, norm: str, names, combo, word_of) -> bool:
    """Each matched concept belongs to its nearest scope marker (``stage 1`` / ``then``):
    all of them must belong to the same kind of marker, and to the alternative's own
    marker concept when it names one."""
    markers = sorted((a, name) for name in alt.scope
                     for a, _ in _hits(rubric.concepts[name], norm))
    if not markers:
        return True

    def distance(a: int, b: int) -> int:
        lo, hi = min(a, b), max(a, b)
        words = abs(word_of(a) - word_of(b))
        return words + (6 if re.search(r"[,;:(|]| while | whereas | but ", norm[lo:hi]) else 0)

    own = {n for n in names if n in alt.scope}
    kinds = set(own)
    for name, (a, _) in zip(names, combo):
        if name in alt.scope:
            continue
        nearest = min(markers, key=lambda m: (distance(m[0], a), m[0] > a))
        kinds.add(nearest[1])
    return len(kinds) <= 1


_NEG_SOURCE = re.compile(
    r"\b(?:not|no|never|cannot|nor|neither|none|nothing|nobody|nowhere|without|lacks?|"
    r"lacking|unable|fails?\s+to|instead\s+of|rather\s+than|w/o|dont|doesnt|cant|isnt|arent|"
    r"wont|wouldnt|couldnt|shouldnt|didnt|hasnt|havent)\b|n't\b")


def _polarity_ok(polarity: str, negated: bool) -> bool:
    return polarity == "any" or (polarity == "negated") == negated


def _word_index(norm: str):
    starts = _starts(norm)

    def index(char: int) -> int:
        return max(0, bisect_right(starts, char) - 1)
    return index


def find(alternatives: list[Alternative], rubric: Rubric, answer: Answer) -> tuple[Match | None, float]:
    """The best match of any alternative, and (when none) how near the nearest miss came."""
    best: Match | None = None
    near = 0.0
    sents = answer.sentences
    for alt in alternatives:
        units = [(s,) for s in sents]
        if alt.window == 2:
            units += [(a, b) for a, b in zip(sents, sents[1:])]
        for unit in units:
            if all(answer.novel.get(s.index, 1) == 0 for s in unit):
                continue                      # a sentence that only restates the question
            norm = " | ".join(s.norm for s in unit)
            tried = _try_alternative(alt, rubric, norm, unit[0])
            if not tried.ok:
                near = max(near, tried.present if not tried.polarity_miss else 0.75)
                continue
            listy = any(s.listy or is_fragment(s.display) for s in unit)
            credit = alt.credit * (LISTY_CREDIT if listy else 1.0)
            certainty = SURE if len(unit) == 1 else ACROSS_SENTENCES
            if alt.credit < 1:
                certainty = min(certainty, PARTIAL)
            m = Match(credit, tuple(s.index for s in unit), certainty, listy, tried.span)
            if best is None or (m.credit, -len(m.sentences), m.certainty, -m.span) > \
                    (best.credit, -len(best.sentences), best.certainty, -best.span):
                best = m
    return best, near


def _evidence(answer: Answer, indices: tuple[int, ...]) -> str:
    text = " ".join(answer.sentences[i].display for i in indices)
    return text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS - 3] + "..."


# -- numbers ------------------------------------------------------------------------------------------

def score_number(criterion: Criterion, rubric: Rubric, answer: Answer) -> CriterionScore:
    spec = criterion.number
    counts = rubric.concepts[spec.counts] if spec.counts else None
    per_side = rubric.concepts[spec.per_side] if spec.per_side else None
    if per_side is not None:
        per_side = re.compile(r"\s*(?:" + rubric.concept_sources[spec.per_side] + ")")
    if counts is not None:
        counts = re.compile(rubric.concept_sources[spec.counts])
    right, wrong, slips, partial = [], [], [], []
    for s in answer.sentences:
        if answer.novel.get(s.index, 1) == 0:
            continue
        found = numbers.arithmetic(s.norm, counts, per_side)
        for e in found.expressions:
            ok = numbers.matches(e.value, spec.value, spec.tolerance) or any(
                numbers.matches(e.value, v, spec.tolerance)
                and (c is None or rubric.concepts[c].search(s.norm)) for v, c in spec.also)
            if ok:
                right.append((s, e))
            elif e.claim and not any(numbers.matches(e.value, g, 1e-9) for g in spec.givens) \
                    and not any(numbers.matches(e.value, v, spec.tolerance) for v, _ in spec.also):
                wrong.append((s, e))
            for value, credit in spec.partial:
                if e.computed and numbers.matches(e.value, value, spec.tolerance):
                    partial.append((s, e, credit))
        slips += [(s, a, b) for a, b in found.slips]
    pts = criterion.points
    listy = lambda s: s.listy or is_fragment(s.display)  # noqa: E731
    if right and not wrong and not slips:
        s, e = max(right, key=lambda r: (not listy(r[0]), r[1].claim))
        credit = LISTY_CREDIT if listy(s) else 1.0
        return _cs(criterion, credit, _evidence(answer, (s.index,)), SURE + 0.03)
    if right:
        s, e = right[0]
        bad = wrong[0][1].text if wrong else f"{slips[0][1].text} = {slips[0][2].text}"
        cs = _cs(criterion, 0.5, _evidence(answer, (s.index,)), 0.45,
                 note=f"but the answer also states {bad!r}, which is not right")
        cs.conflict = f"{criterion.id}: the right value and a wrong one ({bad}) are both stated"
        return cs
    if wrong or slips:
        s, bad = (wrong[0][0], wrong[0][1].text) if wrong else \
            (slips[0][0], f"{slips[0][1].text} = {slips[0][2].text}")
        msg = (f"the number stated ({bad}) is not right: \"{_evidence(answer, (s.index,))}\""
               + (f" ({criterion.hint})" if criterion.hint else ""))
        return CriterionScore(criterion, 0.0, 0.0, "", msg, 0.9)
    if partial:
        s, e, credit = max(partial, key=lambda p: p[2])
        return _cs(criterion, credit, _evidence(answer, (s.index,)), PARTIAL,
                   note="a step towards the result, not the result")
    return CriterionScore(criterion, 0.0, 0.0, "", _missing(criterion), SURE)


def _missing(criterion: Criterion) -> str:
    msg = f"not found: {criterion.description}"
    return msg + (f" ({criterion.hint})" if criterion.hint else "")


def _cs(criterion: Criterion, credit: float, evidence: str, certainty: float,
        note: str = "") -> CriterionScore:
    score = round(criterion.points * credit, 4)
    if credit >= 1:
        msg = f'found: "{evidence}"'
    else:
        msg = f'partly ({score:g} of {criterion.points:g}): "{evidence}"'
        if note:
            msg += f" - {note}"
        msg += f"; full credit needs: {criterion.description}"
    return CriterionScore(criterion, score, credit, evidence, msg, certainty)


# -- the whole answer -----------------------------------------------------------------------------------

def score_criteria(rubric: Rubric, answer: Answer) -> list[CriterionScore]:
    out = []
    for criterion in rubric.criteria:
        if criterion.number is not None:
            out.append(score_number(criterion, rubric, answer))
            continue
        match, near = find(criterion.alternatives, rubric, answer)
        if match is None:
            certainty = NEAR_MISS if near >= 0.66 else HALF_MISS if near >= 0.5 else SURE
            out.append(CriterionScore(criterion, 0.0, 0.0, "", _missing(criterion), certainty))
            continue
        note = "stated as a list of terms, not as a claim" if match.listy else ""
        cs = _cs(criterion, match.credit, _evidence(answer, match.sentences), match.certainty,
                 note=note)
        out.append(cs)
    return out


def apply_deductions(rubric: Rubric, answer: Answer, scores: list[CriterionScore]) -> list[str]:
    """Take points off for misconceptions, bounded so that no score goes below zero."""
    notes = []
    by_id = {cs.criterion.id: cs for cs in scores}
    for d in rubric.deductions:
        match, _ = find(d.alternatives, rubric, answer)
        if match is None:
            continue
        evidence = _evidence(answer, match.sentences)
        left = d.points
        order = [by_id[d.applies_to]] + sorted(
            (cs for cs in scores if cs.criterion.id != d.applies_to), key=lambda cs: -cs.score)
        for cs in order:
            take = min(left, cs.score)
            if take > 0:
                cs.score = round(cs.score - take, 4)
                cs.deducted += take
                cs.message += f' - deducted {take:g}: {d.message}: "{evidence}"'
                left -= take
            if cs.criterion.id == d.applies_to:
                cs.certainty = min(cs.certainty, 0.6)
                if take <= 0:
                    cs.message += f' (misconception noted: {d.message}: "{evidence}")'
            if left <= 1e-9:
                break
        notes.append(f"misconception {d.id!r}: \"{evidence}\"")
    return notes


def score_text(text: str, rubric: Rubric, others: dict[str, Rubric] | None = None) -> AnswerScore:
    """Score one answer's text. ``others``: the other exercises' rubrics, to notice an
    answer that belongs to another exercise."""
    vocabulary = vocabulary_of(rubric, others)
    answer = analyse(text, rubric.question, vocabulary)
    flags, reasons, caps = set(), [], []

    language = guess_language(answer.text)
    if language:
        scores = [CriterionScore(c, 0.0, 0.0, "", f"not scored: the answer appears to be in "
                                                  f"{language}; a TA grades it", 0.1)
                  for c in rubric.criteria]
        return AnswerScore(rubric.exercise, scores, 0.1,
                           [f"the answer appears to be in {language}: score 0 is provisional, "
                            f"a TA must grade it"], {"language"}, len(answer.words))

    scores = score_criteria(rubric, answer)
    notes = apply_deductions(rubric, answer, scores)
    if notes:
        reasons += notes

    if (answer.question_novelty <= 3 and answer.novelty_share < 0.3) or \
            (answer.novelty_share < 0.2 and answer.question_novelty < 6):
        flags.add("echo")
        for cs in scores:
            if cs.score > 0:
                cs.message = f"withheld (the answer only restates the question): {cs.message}"
            cs.score, cs.certainty = 0.0, 0.3
        reasons.append("the answer mostly repeats the question's words; no credit given")
        caps.append(0.3)
    elif answer.listy_share >= 0.6 and len(answer.words) >= 3:
        flags.add("keyword_list")
        reasons.append("the answer is a list of terms without claims; credit cut to a quarter")
        caps.append(0.3)

    if answer.truncated:
        reasons.append(f"the answer is longer than {MAX_WORDS} words; only its start was scored")
        caps.append(0.5)
    for cs in scores:
        if cs.conflict:
            reasons.append(cs.conflict)
            caps.append(0.5)
    total = sum(cs.score for cs in scores)
    possible = sum(cs.criterion.points for cs in scores) or 1.0
    coverage = _coverage(rubric, answer)
    if not flags and total / possible <= 0.5 and coverage >= 0.5 and len(answer.words) >= 25:
        reasons.append(f"the answer uses many of the exercise's terms ({coverage:.0%} of its "
                       f"concepts) but few criteria matched clearly")
        caps.append(0.55)

    if others and not flags and total / possible <= 0.34:
        best_other, best_score = None, 0.0
        for ex_id, other in others.items():
            if ex_id == rubric.exercise:
                continue
            got = sum(cs.score for cs in score_criteria(other, analyse(text, other.question,
                                                                        vocabulary)))
            if got > best_score:
                best_other, best_score = ex_id, got
        if best_other and best_score >= 0.6 * other_points(others[best_other]):
            reasons.append(f"reads like an answer to {best_other} "
                           f"({best_score:g}/{other_points(others[best_other]):g} by its rubric); "
                           f"sections swapped?")
            flags.add("other_exercise")
            caps.append(0.4)

    weights = sum(cs.criterion.points for cs in scores)
    confidence = sum(cs.certainty * cs.criterion.points for cs in scores) / weights
    if caps:
        confidence = min(confidence, *caps)
    unsure = [cs.criterion.id for cs in scores if cs.certainty < 0.6]
    if unsure and confidence < rubric.review_threshold and not flags:
        reasons.append("unclear: " + ", ".join(unsure))
    return AnswerScore(rubric.exercise, scores, round(confidence, 2), reasons, flags,
                       len(answer.words))


_VOCABULARIES: dict = {}


def vocabulary_of(rubric: Rubric, others: dict[str, Rubric] | None) -> Vocabulary:
    """One vocabulary for a set of rubrics (cached), so an answer's analysis is shared."""
    rubrics = tuple(sorted({id(r): r for r in [rubric, *(others or {}).values()]}.values(),
                           key=lambda r: (r.exercise, id(r))))
    key = tuple(id(r) for r in rubrics)
    if key not in _VOCABULARIES:
        _VOCABULARIES[key] = Vocabulary(w for r in rubrics for w in r.vocabulary_words())
    return _VOCABULARIES[key]


def other_points(rubric: Rubric) -> float:
    return rubric.points


def _coverage(rubric: Rubric, answer: Answer) -> float:
    used = {c for crit in rubric.criteria for alt in crit.alternatives for c in alt.concepts}
    if not used:
        return 0.0
    text = " ".join(s.norm for s in answer.sentences)
    return sum(1 for c in used if rubric.concepts[c].search(text)) / len(used)

