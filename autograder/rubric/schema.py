"""Rubric files (``rubrics/exNN.yaml``): loaded, validated, compiled.

The schema is documented in ``assignments/ch30/rubrics/SCHEMA.md``. Every error names
the file, the line and the key, e.g.
``ex03.yaml:14: criteria[1].match[0].all: unknown concept 'atention'``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..assignment import Assignment, AssignmentError

SCHEMA_VERSION = 1
REVIEW_THRESHOLD = 0.6       # answers scored with less confidence go to a TA
POLARITIES = ("affirmed", "negated", "any")


class RubricError(AssignmentError):
    """A rubric file that cannot be used; the message names file, line and key."""


# -- YAML with line numbers --------------------------------------------------------------

class _Doc:
    """A loaded YAML document and the line of every key path in it."""

    def __init__(self, path: Path, text: str):
        self.path, self.lines = path, {}
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            raise RubricError(f"{path.name}:{line}: not valid YAML: "
                              f"{getattr(e, 'problem', None) or e}") from None
        self.data = self._build(node, ()) if node is not None else None

    def _build(self, node, where: tuple):
        self.lines[where] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = key_node.value
                if key in out:
                    raise RubricError(f"{self.path.name}:{key_node.start_mark.line + 1}: "
                                      f"{_key(where + (key,))}: duplicate key")
                self.lines[where + (key,)] = key_node.start_mark.line + 1
                value = self._build(value_node, where + (key,))
                self.lines[where + (key,)] = key_node.start_mark.line + 1
                out[key] = value
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self._build(v, where + (i,)) for i, v in enumerate(node.value)]
        return yaml.SafeLoader(" ").construct_object(node, deep=True) \
            if node.tag != "tag:yaml.org,2002:str" else node.value

    def error(self, where: tuple, message: str) -> RubricError:
        line = self.lines.get(where)
        probe = where
        while line is None and probe:
            probe = probe[:-1]
            line = self.lines.get(probe)
        return RubricError(f"{self.path.name}:{line or 1}: {_key(where) or '(top)'}: {message}")

    def line(self, where: tuple) -> int:
        return self.lines.get(where, 1)


def _key(where: tuple) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# -- compiled rubric -------------------------------------------------------------------------

@dataclass
class Alternative:
    """One way of stating a criterion's idea."""
    concepts: tuple[str, ...] = ()
    least: int = 0                    # how many of ``concepts`` must be present (0: all)
    regex: re.Pattern | None = None   # a pattern over the sentence, ``{concept}`` expanded
    near: int | None = None           # all matched concepts within this many words
    order: bool = False               # concepts in the listed order
    polarity: str = "affirmed"        # affirmed | negated | any
    unless: tuple[str, ...] = ()      # concepts that veto the match in the same sentence
    scope: tuple[str, ...] = ()       # marker concepts (stage 1 / stage 2): every matched
                                      # concept must sit nearest the same kind of marker
    window: int = 1                   # sentences the concepts may spread over (1 or 2)
    credit: float = 1.0               # fraction of the criterion's points
    line: int = 0


@dataclass
class NumberSpec:
    value: float
    tolerance: float = 0.0
    also: list[tuple[float, str | None]] = field(default_factory=list)   # (value, concept)
    givens: tuple[float, ...] = ()
    counts: str | None = None          # concept: what a number right before it counts
    per_side: str | None = None        # concept: "per side", "along each row": not a count
    partial: list[tuple[float, float]] = field(default_factory=list)     # (value, credit)


@dataclass
class Criterion:
    id: str
    points: float
    description: str
    hint: str = ""
    alternatives: list[Alternative] = field(default_factory=list)
    number: NumberSpec | None = None
    line: int = 0


@dataclass
class Deduction:
    id: str
    points: float
    applies_to: str
    message: str
    alternatives: list[Alternative] = field(default_factory=list)
    line: int = 0


@dataclass
class Rubric:
    exercise: str
    question: str
    title: str
    concepts: dict[str, re.Pattern]
    criteria: list[Criterion]
    deductions: list[Deduction]
    path: Path
    review_threshold: float = REVIEW_THRESHOLD
    concept_sources: dict[str, str] = field(default_factory=dict)

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.criteria), 6)

    def criterion(self, cid: str) -> Criterion:
        return next(c for c in self.criteria if c.id == cid)

    def vocabulary_words(self) -> set[str]:
        """Words of the question, the descriptions, hints and messages, and the literal
        words inside concept terms: what typos are corrected towards."""
        texts = [self.question] + [c.description + " " + c.hint for c in self.criteria] + \
            [d.message for d in self.deductions] + list(self.concept_sources.values())
        return {w for t in texts for w in re.findall(r"[a-z]{7,}", t.lower())}


# -- validation -------------------------------------------------------------------------------

TOP_KEYS = {"schema", "exercise", "title", "question", "concepts", "criteria", "deductions",
            "review_threshold", "notes"}
CRITERION_KEYS = {"id", "points", "description", "hint", "match", "number"}
DEDUCTION_KEYS = {"id", "points", "applies_to", "message", "match"}
ALT_KEYS = {"all", "least", "regex", "near", "order", "polarity", "unless", "scope", "window", "credit",
            "note"}
NUMBER_KEYS = {"value", "tolerance", "also", "givens", "counts", "per_side", "partial"}
ID = re.compile(r"^[a-z][a-z0-9_]*$")


def compile_term(term: str) -> str:
    """One synonym: a regular expression whose spaces (outside ``[...]``) match any run of
    spaces or hyphens, so ``cross attention`` also finds ``cross-attention``; a space
    followed by ``?`` is optional (``info ?nce`` finds ``infonce``, ``info-nce``)."""
    out, in_class, escaped, skip = [], False, False, False
    for i, ch in enumerate(term):
        if skip:
            skip = False
            continue
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[" and not in_class:
            in_class = True
            out.append(ch)
        elif ch == "]" and in_class:
            in_class = False
            out.append(ch)
        elif ch == " " and not in_class and term[i + 1:i + 2] == "?":
            out.append(r"[\s-]*")       # "info ?nce": an optional space or hyphen
            skip = True
        elif ch == " " and not in_class:
            out.append(r"[\s-]+")
        else:
            out.append(ch)
    return "".join(out)


def _concept_pattern(terms: list[str]) -> str:
    return r"(?<![\w])(?:" + "|".join(compile_term(t) for t in terms) + r")(?![\w])"


def _number(doc: _Doc, v, where: tuple, kind: str = "number") -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise doc.error(where, f"expected a {kind}, got {v!r}")
    return float(v)


def _str(doc: _Doc, v, where: tuple, allow_empty: bool = False) -> str:
    if not isinstance(v, str) or (not allow_empty and not v.strip()):
        raise doc.error(where, f"expected a non-empty string, got {v!r}")
    return v.strip()


def _mapping(doc: _Doc, v, where: tuple, keys: set, required: tuple = ()) -> dict:
    if not isinstance(v, dict):
        raise doc.error(where, f"expected a mapping, got {type(v).__name__}")
    unknown = sorted(set(v) - keys)
    if unknown:
        raise doc.error(where + (unknown[0],), f"unknown key {unknown[0]!r}; "
                                               f"allowed: {', '.join(sorted(keys))}")
    for k in required:
        if k not in v:
            raise doc.error(where, f"missing required key {k!r}")
    return v


def _concept_names(doc: _Doc, v, where: tuple, concepts: dict) -> tuple[str, ...]:
    names = [v] if isinstance(v, str) else v
    if not isinstance(names, list) or not names:
        raise doc.error(where, "expected a concept name or a non-empty list of them")
    for i, name in enumerate(names):
        if not isinstance(name, str) or name not in concepts:
            raise doc.error(where + (i,) if isinstance(v, list) else where,
                            f"unknown concept {name!r}; defined: {', '.join(sorted(concepts))}")
    return tuple(names)


def _alternative(doc: _Doc, v, where: tuple, concepts: dict, sources: dict) -> Alternative:
    v = _mapping(doc, v, where, ALT_KEYS)
    if ("all" in v) == ("regex" in v):
        raise doc.error(where, "give exactly one of 'all' (concepts) or 'regex'")
    alt = Alternative(line=doc.line(where))
    if "all" in v:
        alt.concepts = _concept_names(doc, v["all"], where + ("all",), concepts)
        if "least" in v:
            least = v["least"]
            if not isinstance(least, int) or isinstance(least, bool) or \
                    not 1 <= least <= len(alt.concepts):
                raise doc.error(where + ("least",),
                                f"expected an integer from 1 to {len(alt.concepts)}, got {least!r}")
            alt.least = least
    else:
        template = _str(doc, v["regex"], where + ("regex",))
        def expand(m):
            name = m.group(1)
            if name not in concepts:
                raise doc.error(where + ("regex",), f"unknown concept {{{name}}} in the pattern")
            return "(?:" + sources[name] + ")"
        try:
            alt.regex = re.compile(re.sub(r"\{([a-z][a-z0-9_]*)\}", expand,
                                          compile_term(template)))
        except re.error as e:
            raise doc.error(where + ("regex",), f"not a valid regular expression: {e}") from None
    if "near" in v:
        near = v["near"]
        if not isinstance(near, int) or isinstance(near, bool) or near < 1:
            raise doc.error(where + ("near",), f"expected a positive integer (words), got {near!r}")
        alt.near = near
    if "order" in v:
        if not isinstance(v["order"], bool):
            raise doc.error(where + ("order",), f"expected true or false, got {v['order']!r}")
        alt.order = v["order"]
    if "polarity" in v:
        if v["polarity"] not in POLARITIES:
            raise doc.error(where + ("polarity",),
                            f"expected one of {', '.join(POLARITIES)}, got {v['polarity']!r}")
        alt.polarity = v["polarity"]
    if "unless" in v:
        alt.unless = _concept_names(doc, v["unless"], where + ("unless",), concepts)
    if "scope" in v:
        if "all" not in v:
            raise doc.error(where + ("scope",), "'scope' works with 'all' alternatives only")
        alt.scope = _concept_names(doc, v["scope"], where + ("scope",), concepts)
    if "window" in v:
        if v["window"] not in (1, 2):
            raise doc.error(where + ("window",), f"expected 1 or 2 (sentences), got {v['window']!r}")
        alt.window = v["window"]
    if "credit" in v:
        credit = _number(doc, v["credit"], where + ("credit",))
        if not 0 < credit <= 1:
            raise doc.error(where + ("credit",), f"expected a fraction in (0, 1], got {credit:g}")
        alt.credit = credit
    return alt


def _alternatives(doc: _Doc, v, where: tuple, concepts, sources) -> list[Alternative]:
    if not isinstance(v, list) or not v:
        raise doc.error(where, "expected a non-empty list of alternatives")
    return [_alternative(doc, a, where + (i,), concepts, sources) for i, a in enumerate(v)]


def _number_spec(doc: _Doc, v, where: tuple, concepts: dict) -> NumberSpec:
    v = _mapping(doc, v, where, NUMBER_KEYS, required=("value",))
    spec = NumberSpec(value=_number(doc, v["value"], where + ("value",)))
    if "tolerance" in v:
        spec.tolerance = _number(doc, v["tolerance"], where + ("tolerance",))
        if spec.tolerance < 0:
            raise doc.error(where + ("tolerance",), "expected a tolerance >= 0")
    for i, item in enumerate(v.get("also", []) or []):
        w = where + ("also", i)
        item = _mapping(doc, item, w, {"value", "with"}, required=("value",))
        concept = None
        if "with" in item:
            concept = _concept_names(doc, item["with"], w + ("with",), concepts)[0]
        spec.also.append((_number(doc, item["value"], w + ("value",)), concept))
    givens = v.get("givens", []) or []
    if not isinstance(givens, list):
        raise doc.error(where + ("givens",), "expected a list of numbers")
    spec.givens = tuple(_number(doc, g, where + ("givens", i)) for i, g in enumerate(givens))
    for key in ("counts", "per_side"):
        if key in v:
            setattr(spec, key, _concept_names(doc, v[key], where + (key,), concepts)[0])
    for i, item in enumerate(v.get("partial", []) or []):
        w = where + ("partial", i)
        item = _mapping(doc, item, w, {"value", "credit"}, required=("value", "credit"))
        credit = _number(doc, item["credit"], w + ("credit",))
        if not 0 < credit < 1:
            raise doc.error(w + ("credit",), f"expected a fraction in (0, 1), got {credit:g}")
        spec.partial.append((_number(doc, item["value"], w + ("value",)), credit))
    return spec


def load_rubric(path: Path, exercise_id: str | None = None,
                points: float | None = None) -> Rubric:
    """Load and validate one rubric file; ``points`` is what the assignment gives it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError(f"{path}: no such rubric file") from None
    except UnicodeDecodeError as e:
        raise RubricError(f"{path.name}:1: not UTF-8 ({e.reason} at byte {e.start})") from None
    doc = _Doc(path, text)
    data = _mapping(doc, doc.data, (), TOP_KEYS,
                    required=("schema", "exercise", "question", "concepts", "criteria"))
    if data["schema"] != SCHEMA_VERSION:
        raise doc.error(("schema",), f"expected {SCHEMA_VERSION}, got {data['schema']!r}")
    exercise = _str(doc, data["exercise"], ("exercise",))
    expected = exercise_id or path.stem
    if exercise != expected:
        raise doc.error(("exercise",), f"is {exercise!r} but the file is for {expected!r}")
    question = _str(doc, data["question"], ("question",))

    raw = data["concepts"]
    if not isinstance(raw, dict) or not raw:
        raise doc.error(("concepts",), "expected a mapping of concept name -> list of terms")
    concepts, sources = {}, {}
    for name, terms in raw.items():
        w = ("concepts", name)
        if not isinstance(name, str) or not ID.match(name):
            raise doc.error(w, f"concept names are lower_case identifiers, got {name!r}")
        if isinstance(terms, str):
            terms = [terms]
        if not isinstance(terms, list) or not terms or \
                not all(isinstance(t, str) and t.strip() for t in terms):
            raise doc.error(w, "expected a non-empty list of terms (strings)")
        for i, t in enumerate(terms):
            try:
                re.compile(compile_term(t))
            except re.error as e:
                raise doc.error(w + (i,), f"term {t!r} is not a valid regular expression: {e}") \
                    from None
            if re.fullmatch(compile_term(t), ""):
                raise doc.error(w + (i,), f"term {t!r} matches the empty string")
        sources[name] = _concept_pattern(terms)
        concepts[name] = re.compile(sources[name])

    criteria = []
    if not isinstance(data["criteria"], list) or not data["criteria"]:
        raise doc.error(("criteria",), "expected a non-empty list of criteria")
    for i, c in enumerate(data["criteria"]):
        w = ("criteria", i)
        c = _mapping(doc, c, w, CRITERION_KEYS, required=("id", "points", "description"))
        cid = _str(doc, c["id"], w + ("id",))
        if not ID.match(cid):
            raise doc.error(w + ("id",), f"criterion ids are lower_case identifiers, got {cid!r}")
        if any(x.id == cid for x in criteria):
            raise doc.error(w + ("id",), f"duplicate criterion id {cid!r}")
        pts = _number(doc, c["points"], w + ("points",))
        if pts <= 0:
            raise doc.error(w + ("points",), f"expected points > 0, got {pts:g}")
        if ("match" in c) == ("number" in c):
            raise doc.error(w, "give exactly one of 'match' (alternatives) or 'number'")
        crit = Criterion(id=cid, points=pts, line=doc.line(w),
                         description=_str(doc, c["description"], w + ("description",)),
                         hint=_str(doc, c.get("hint", ""), w + ("hint",), allow_empty=True))
        if "match" in c:
            crit.alternatives = _alternatives(doc, c["match"], w + ("match",), concepts, sources)
        else:
            crit.number = _number_spec(doc, c["number"], w + ("number",), concepts)
        criteria.append(crit)

    deductions = []
    raw_deductions = data.get("deductions", []) or []
    if not isinstance(raw_deductions, list):
        raise doc.error(("deductions",), "expected a list of deductions")
    for i, d in enumerate(raw_deductions):
        w = ("deductions", i)
        d = _mapping(doc, d, w, DEDUCTION_KEYS,
                     required=("id", "points", "applies_to", "message", "match"))
        did = _str(doc, d["id"], w + ("id",))
        if not ID.match(did):
            raise doc.error(w + ("id",), f"deduction ids are lower_case identifiers, got {did!r}")
        if any(x.id == did for x in deductions):
            raise doc.error(w + ("id",), f"duplicate deduction id {did!r}")
        pts = _number(doc, d["points"], w + ("points",))
        if pts <= 0:
            raise doc.error(w + ("points",), f"expected points > 0, got {pts:g}")
        target = _str(doc, d["applies_to"], w + ("applies_to",))
        if not any(c.id == target for c in criteria):
            raise doc.error(w + ("applies_to",), f"names no criterion: {target!r}; criteria: "
                                                 f"{', '.join(c.id for c in criteria)}")
        deductions.append(Deduction(
            id=did, points=pts, applies_to=target, line=doc.line(w),
            message=_str(doc, d["message"], w + ("message",)),
            alternatives=_alternatives(doc, d["match"], w + ("match",), concepts, sources)))

    threshold = REVIEW_THRESHOLD
    if "review_threshold" in data:
        threshold = _number(doc, data["review_threshold"], ("review_threshold",))
        if not 0 <= threshold <= 1:
            raise doc.error(("review_threshold",), f"expected a number in [0, 1], got {threshold:g}")
    rubric = Rubric(exercise=exercise, question=question, concepts=concepts,
                    title=str(data.get("title", exercise)), criteria=criteria,
                    deductions=deductions, path=path, review_threshold=threshold,
                    concept_sources=sources)
    if points is not None and abs(rubric.points - points) > 1e-6:
        raise doc.error(("criteria",), f"criteria points add up to {rubric.points:g}, but "
                                       f"assignment.yaml gives {exercise} {points:g} points")
    return rubric


_CACHE: dict = {}


def load_rubrics(assignment: Assignment, exercise_ids=None) -> dict[str, Rubric]:
    """The rubric of every selected rubric exercise, validated (cached by file mtime)."""
    folder = assignment.path("rubrics", "rubrics")
    out = {}
    for ex in assignment.select(exercise_ids, kind="rubric"):
        path = folder / f"{ex.id}.yaml"
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            raise RubricError(f"{path}: no rubric for {ex.id} (a rubric exercise in "
                              f"assignment.yaml)") from None
        key = (str(path), stamp, ex.points)
        if key not in _CACHE:
            _CACHE[key] = load_rubric(path, ex.id, ex.points)
        out[ex.id] = _CACHE[key]
    return out
