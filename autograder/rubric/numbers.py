"""Numbers in answers: ``576``, ``24 x 24``, ``24×24``, ``(336/14)^2``, ``24²``, ``24 by 24``.

A sentence's arithmetic is cut into runs of numbers and operators; a run is split at
``=`` into a chain of expressions, each evaluated by a small parser (no ``eval``).
A chain whose links disagree (``336/14 = 22``) is an arithmetic slip; a value a
sentence states as its result (the last link of a chain, or a number right before a
count noun such as "tokens") is a claim.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"""
    (?P<num>\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?)
  | (?P<op>\^|\*|/|\+|(?<=\s)-(?=\s)|x(?![a-z])|(?<![a-z])x)
  | (?P<lp>[(\[])
  | (?P<rp>[)\]])
  | (?P<eq>=|~|\u2248|->)
  | (?P<space>\s+)
  | (?P<other>[a-z][\w'-]*|.)
""", re.X)


@dataclass
class Expression:
    text: str
    value: float
    start: int            # character span in the normalised sentence
    end: int
    computed: bool        # has an operator (``336/14``), not a bare number
    claim: bool = False   # stated as a result (chain end, or "N tokens")


@dataclass
class Arithmetic:
    expressions: list[Expression]
    slips: list[tuple[Expression, Expression]]   # (left, right) links that disagree


def _tokens(s: str):
    for m in _TOKEN.finditer(s):
        kind = m.lastgroup
        if kind == "space":
            continue
        yield kind, m.group(), m.start(), m.end()


def _is_operand_start(tok) -> bool:
    return tok[0] in ("num", "lp")


def _runs(tokens: list) -> list[list]:
    """Maximal runs of arithmetic tokens; ``x`` only counts between operands."""
    runs, current = [], []
    for i, tok in enumerate(tokens):
        kind, text = tok[0], tok[1]
        if kind == "op" and text == "x":
            prev = current[-1] if current else None
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if not (prev and prev[0] in ("num", "rp") and nxt and _is_operand_start(nxt)):
                kind = "other"
        if kind in ("num", "op", "lp", "rp", "eq"):
            current.append((kind, *tok[1:]))
        else:
            if current:
                runs.append(current)
            current = []
    if current:
        runs.append(current)
    return [r for r in runs if any(t[0] == "num" for t in r)]


class _Parser:
    """expr := term (('+'|'-') term)*; term := power (('*'|'/'|'x'|implicit) power)*;
    power := atom ('^' power)?; atom := NUM | '(' expr ')'"""

    def __init__(self, toks):
        self.toks, self.i = toks, 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> float:
        value = self.expr()
        if self.peek() is not None:
            raise ValueError("trailing tokens")
        return value

    def expr(self):
        value = self.term()
        while (t := self.peek()) and t[0] == "op" and t[1] in "+-":
            self.take()
            rhs = self.term()
            value = value + rhs if t[1] == "+" else value - rhs
        return value

    def term(self):
        value = self.power()
        while (t := self.peek()) and ((t[0] == "op" and t[1] in "*/x") or t[0] == "lp"):
            if t[0] == "op":
                self.take()
            rhs = self.power()
            if t[0] == "op" and t[1] == "/":
                value = value / rhs if rhs else math.nan
            else:
                value = value * rhs
        return value

    def power(self):
        base = self.atom()
        if (t := self.peek()) and t[0] == "op" and t[1] == "^":
            self.take()
            exp = self.power()
            if abs(exp) > 12:
                raise ValueError("exponent too large")
            return base ** exp
        return base

    def atom(self):
        t = self.peek()
        if t is None:
            raise ValueError("expected a number")
        if t[0] == "num":
            self.take()
            return float(t[1].replace(",", ""))
        if t[0] == "lp":
            self.take()
            value = self.expr()
            if not (self.peek() and self.peek()[0] == "rp"):
                raise ValueError("unclosed parenthesis")
            self.take()
            return value
        raise ValueError(f"unexpected {t[1]!r}")


def _evaluate(toks: list) -> tuple[float, list] | None:
    """Value of a token list, trimming stray operators/brackets at its ends."""
    toks = list(toks)
    while toks and (toks[0][0] in ("op", "rp") or
                    (toks[0][0] == "lp" and sum(t[0] == "lp" for t in toks) >
                     sum(t[0] == "rp" for t in toks))):
        toks.pop(0)
    while toks and (toks[-1][0] in ("op", "lp") or
                    (toks[-1][0] == "rp" and sum(t[0] == "rp" for t in toks) >
                     sum(t[0] == "lp" for t in toks))):
        toks.pop()
    if not toks:
        return None
    try:
        value = _Parser(toks).parse()
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return value, toks


def arithmetic(norm: str, count_words: re.Pattern | None = None,
               per_side: re.Pattern | None = None) -> Arithmetic:
    """Expressions, claims and slips in one normalised sentence."""
    tokens = list(_tokens(norm))
    expressions, slips = [], []
    for run in _runs(tokens):
        links, current = [], []
        approx = []
        for tok in run:
            if tok[0] == "eq":
                links.append(current)
                approx.append(tok[1] != "=")
                current = []
            else:
                current.append(tok)
        links.append(current)
        chain: list[Expression | None] = []
        for link in links:
            got = _evaluate(link)
            if got is None:
                chain.append(None)
                continue
            value, toks = got
            start, end = toks[0][2], toks[-1][3]
            computed = any(t[0] == "op" for t in toks)
            chain.append(Expression(norm[start:end], value, start, end, computed))
        for k in range(len(chain) - 1):
            a, b = chain[k], chain[k + 1]
            if a and b and not approx[k] and not _close(a.value, b.value) \
                    and not (links[k + 1] and links[k + 1][0][0] == "op"):
                slips.append((a, b))
        kept = [e for e in chain if e is not None]
        if len(kept) >= 2 and chain[-1] is not None:
            chain[-1].claim = True
        expressions.extend(kept)
    if count_words is not None:
        for e in expressions:
            if _counts(norm[e.end:e.end + 60], count_words, per_side):
                e.claim = True
            before = norm[max(0, e.start - 45):e.start]
            if re.search(r"(?:\bis|\bare|=|:|\bof|\bgives?|\bget|\byields?|\btotals?|\bbe|"
                         r"\bmakes?)\s*$", before) and count_words.search(before):
                e.claim = True
    return Arithmetic(expressions, slips)


def _counts(after: str, count_words: re.Pattern, per_side: re.Pattern | None) -> bool:
    """``after`` (the text following a number) names what it counts within two words."""
    rest = after
    for _ in range(3):
        stripped = rest.lstrip()
        if count_words.match(stripped):
            return per_side is None or not per_side.match(stripped[count_words.match(stripped).end():])
        m = re.match(r"[a-z][a-z'-]*\s", stripped)
        if not m:
            return False
        rest = stripped[m.end():]
    return False


def _close(a: float, b: float, tol: float = 1e-6) -> bool:
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def matches(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance + 1e-9 * max(1.0, abs(target))
