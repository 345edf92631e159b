"""Pairs of submissions whose code for one exercise is suspiciously alike: a lead for a
human, never a verdict.

The method is MOSS's (Schleimer, Wilkerson, Aiken: "Winnowing: local algorithms for
document fingerprinting", SIGMOD 2003), on normalised Python tokens:

1. normalise: comments, docstrings and layout go; every name the file binds itself
   (functions, classes, parameters, variables, attributes it assigns, import aliases)
   becomes ``v``; numbers ``#``, strings ``S``; keywords, operators and the library
   names it only uses (``torch``'s ``reshape``, ``softmax``...) stay, since a copier
   cannot rename those without changing the program;
2. fingerprint: hash every run of ``k`` tokens and keep, per window of ``w`` hashes,
   the smallest (winnowing); any shared run of ``w + k - 1`` tokens is always caught;
3. leave out fingerprints of the template's own code (the stub every student starts
   from) and those found in many submissions (code everyone writes the same way);
4. score a pair by the share of the smaller fingerprint set found in the other
   (containment), and list the shared regions, line by line on both sides.
"""
from __future__ import annotations

import builtins
import heapq
import keyword
import re
import symtable
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import numpy as np

MAX_FILE_BYTES = 256 * 1024
K = 10              # tokens per k-gram
W = 6               # winnowing window: runs of W + K - 1 = 15 tokens are always caught
THRESHOLD = 0.5     # containment at which a pair is listed
MIN_SHARED = 6      # and at least this many shared fingerprints (tiny files say nothing)
COMMON_MIN = 10     # a fingerprint in more than max(COMMON_MIN, COMMON_SHARE * n)
COMMON_SHARE = 0.05 # submissions is code everyone writes: left out
MAX_REGION_LINES = 40
MAX_PAIRS_PER_EXERCISE = 50
MAX_SCORES = 1000   # per exercise, the most alike pairs' scores are kept (for calibration)

_BUILTINS = frozenset(dir(builtins))
_CLOSERS = {")", "]", "}"}
_COMPARISONS = {"==", "!=", "<=", ">="}


class Token(NamedTuple):
    text: str
    first: int        # first line
    last: int         # last line


_STRING = (r"(?:[rRbBuUfF]{1,2})?(?:'''[\s\S]*?'''|" + r'"""[\s\S]*?"""' +
           r"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*")""")
_LEXER = re.compile("|".join([
    r"(?P<comment>#[^\n]*)",
    f"(?P<string>{_STRING})",
    r"(?P<name>[^\W\d]\w*)",
    r"(?P<number>(?:\d|\.\d)(?:[eE][-+]|[\w.])*)",
    r"(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|[-+*/%@&|^<>=!]=|\*\*|//|<<|>>"
    r"""|[-+*/%@&|^~<>()\[\]{},:;.=]|['"\\])""",
    r"(?P<newline>\n)"]))
_OPENERS = {"(", "[", "{"}
_AFTER_STATEMENT = re.compile(r"[ \t]*(?:[;#\n]|\Z)")


def own_names(source: str) -> set[str]:
    """The names a module binds itself (assigned, parameters, imported, defined, in any
    scope), from Python's own symbol table: renaming them leaves the program the same.
    Raises SyntaxError for code that does not compile. Attributes it assigns
    (``self.proj = ...``) are found by ``tokens``."""
    names: set[str] = set()
    scopes = [symtable.symtable(source, "<submission>", "exec")]
    while scopes:
        scope = scopes.pop()
        for sym in scope.get_symbols():
            if sym.is_assigned() or sym.is_parameter() or sym.is_imported():
                names.add(sym.get_name())
        scopes.extend(scope.get_children())
    return names - _BUILTINS


def _lex(source: str) -> tuple[list[tuple[str, str, int, int]], set[str]]:
    """(kind, text, first line, last line) of every token but comments, layout,
    docstrings and trailing commas; and the attribute names the code assigns to."""
    out: list[tuple[str, str, int, int]] = []
    stored: set[str] = set()
    attrs: list[str] = []                       # ``.name`` seen in this statement
    line, depth, line_start = 1, 0, True        # line_start: nothing yet on this statement
    for m in _LEXER.finditer(source):
        kind, text = m.lastgroup, m.group()
        if kind == "newline":
            line += 1
            if depth == 0:
                line_start, attrs = True, []
            continue
        if kind == "comment":
            continue
        first = line
        if kind == "string":
            line += text.count("\n")
            if line_start and depth == 0 and _AFTER_STATEMENT.match(source, m.end()):
                continue                        # a docstring, or a string as a statement
        elif kind == "name":
            if out and out[-1][1] == "." and depth == 0:
                attrs.append(text)
        elif kind == "op":
            if text in _OPENERS:
                depth += 1
            elif text in _CLOSERS:
                depth = max(depth - 1, 0)
                if out and out[-1][1] == ",":
                    out.pop()                   # a formatter's trailing comma
            elif text == ";":
                line_start, attrs = True, []
                continue
            elif depth == 0 and text[-1] == "=" and text not in _COMPARISONS:
                stored.update(attrs)            # ``self.a, self.b = ...``, ``x.n += 1``
        out.append((kind, text, first, line))
        line_start = False
    return out, stored


def normalised(source: str) -> tuple[list[str], list[int], list[int]]:
    """``source`` as normalised token texts, with each token's first and last line."""
    raw, stored = _lex(source)
    try:
        own, everything = own_names(source) | (stored - _BUILTINS), False
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        own, everything = set(), True           # does not compile: every name is ``v``
    iskeyword = keyword.iskeyword
    texts = [("v" if not iskeyword(text) and (everything or text in own) else text)
             if kind == "name" else "S" if kind == "string" else "#" if kind == "number"
             else text for kind, text, _, _ in raw]
    return texts, [r[2] for r in raw], [r[3] for r in raw]


def tokens(source: str) -> list[Token]:
    """``source`` as normalised tokens (see the module docstring)."""
    return [Token(*t) for t in zip(*normalised(source))]


class Vocabulary:
    """Token text -> small int, shared by every file of a run (one exercise's files
    must share it: k-grams hash the ints)."""

    def __init__(self):
        self.ids: dict[str, int] = {}

    def encode(self, texts: list[str]) -> np.ndarray:
        ids = self.ids
        return np.fromiter((ids.setdefault(t, len(ids)) for t in texts), dtype=np.uint64,
                           count=len(texts))


_MIX = np.uint64(0x9E3779B97F4A7C15)            # odd 64-bit multiplier: a polynomial hash


def kgram_hashes(ids: np.ndarray, k: int = K) -> np.ndarray:
    """A 64-bit polynomial hash of every run of ``k`` token ids (wrapping arithmetic)."""
    if len(ids) < k:
        return np.zeros(0, dtype=np.uint64)
    powers = np.array([pow(int(_MIX), k - 1 - j, 1 << 64) for j in range(k)], dtype=np.uint64)
    windows = np.lib.stride_tricks.sliding_window_view(ids + np.uint64(1), k)
    with np.errstate(over="ignore"):
        return (windows * powers).sum(axis=1, dtype=np.uint64)


def winnow(hashes: np.ndarray, w: int = W) -> dict[int, list[int]]:
    """Fingerprints: hash -> the k-gram positions it was selected at (the rightmost
    minimum of every window of ``w``, each position once)."""
    chosen: dict[int, list[int]] = defaultdict(list)
    n = len(hashes)
    if n == 0:
        return chosen
    w = min(w, n)
    windows = np.lib.stride_tricks.sliding_window_view(hashes, w)
    positions = np.arange(len(windows)) + (w - 1) - np.argmin(windows[:, ::-1], axis=1)
    keep = np.ones(len(positions), dtype=bool)
    keep[1:] = positions[1:] != positions[:-1]
    for pos in positions[keep].tolist():
        chosen[int(hashes[pos])].append(pos)
    return chosen


@dataclass
class Document:
    student: str
    source: str
    first: list[int]                  # token index -> its first line
    last: list[int]                   # token index -> its last line
    prints: dict[int, list[int]]      # fingerprint -> k-gram positions


def document(student: str, source: str, vocab: Vocabulary, k: int = K, w: int = W) -> Document:
    texts, first, last = normalised(source)
    return Document(student, source, first, last,
                    winnow(kgram_hashes(vocab.encode(texts), k), w))


@dataclass(frozen=True)
class Region:
    a_lines: tuple[int, int]
    b_lines: tuple[int, int]
    a_code: str
    b_code: str
    tokens: int


@dataclass
class Pair:
    exercise: str
    a: str
    b: str
    score: float          # shared / min(|A|, |B|): how much of the smaller one is in the other
    jaccard: float
    shared: int
    sizes: tuple[int, int]
    regions: list[Region] = field(default_factory=list)


@dataclass
class Findings:
    pairs: list[Pair]                       # listed pairs, most alike first
    scores: dict[str, list[tuple[str, str, float]]]   # per exercise, every pair with any overlap
    compared: dict[str, int]                # per exercise, how many submissions had the file
    threshold: float
    method: str = ""


def compare(files: dict[str, str], template: str | None = None, *, exercise: str = "",
            k: int = K, w: int = W, threshold: float = THRESHOLD, min_shared: int = MIN_SHARED,
            common_min: int = COMMON_MIN, common_share: float = COMMON_SHARE,
            vocab: Vocabulary | None = None) -> tuple[list[Pair], list[tuple[str, str, float]]]:
    """Listed pairs, and the scores of the (at most MAX_SCORES) most alike pairs, for one
    exercise's files (student -> source)."""
    vocab = vocab or Vocabulary()
    seen: dict[str, Document] = {}        # identical files (untouched stubs) tokenised once
    docs = {}
    for s, src in sorted(files.items()):
        if src not in seen:
            seen[src] = document(s, src, vocab, k, w)
        d = seen[src]
        docs[s] = Document(s, src, d.first, d.last, d.prints)
    ignore = set(document("", template, vocab, k, w).prints) if template else set()
    holders: dict[int, list[str]] = defaultdict(list)
    for s, d in docs.items():
        for h in d.prints:
            if h not in ignore:
                holders[h].append(s)
    common = max(common_min, common_share * len(docs))
    kept = {h: who for h, who in holders.items() if len(who) <= common}
    size = {s: 0 for s in docs}
    for who in kept.values():
        for s in who:
            size[s] += 1
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for who in kept.values():
        for a, b in combinations(who, 2):
            shared[a, b] += 1
    pairs, scores = [], []
    for (a, b), n in shared.items():
        small = min(size[a], size[b])
        score = n / small if small else 0.0
        scores.append((a, b, round(score, 4)))
        if score >= threshold and n >= min_shared:
            jac = n / (size[a] + size[b] - n)
            pairs.append(Pair(exercise, a, b, round(score, 4), round(jac, 4), n,
                              (size[a], size[b])))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    pairs = pairs[:MAX_PAIRS_PER_EXERCISE]
    for p in pairs:
        common_prints = set(docs[p.a].prints) & set(docs[p.b].prints) & set(kept)
        p.regions = regions(docs[p.a], docs[p.b], common_prints, k)
    return pairs, heapq.nlargest(MAX_SCORES, scores, key=lambda t: t[2])


def regions(a: Document, b: Document, prints: set[int], k: int = K) -> list[Region]:
    """The stretches of code ``a`` and ``b`` share, from their common fingerprints."""
    matches = sorted((pa, pb) for h in prints for pa in a.prints[h][:5] for pb in b.prints[h][:5])
    chains: list[list[tuple[int, int]]] = []
    for pa, pb in matches:
        for chain in chains:
            la, lb = chain[-1]
            if 0 <= pa - la <= 2 * k and 0 <= pb - lb <= 2 * k:
                chain.append((pa, pb))
                break
        else:
            chains.append([(pa, pb)])
    out = []
    for chain in chains:
        a0, b0 = chain[0]
        a1, b1 = chain[-1][0] + k - 1, chain[-1][1] + k - 1
        a_lines = (a.first[a0], a.last[min(a1, len(a.last) - 1)])
        b_lines = (b.first[b0], b.last[min(b1, len(b.last) - 1)])
        out.append(Region(a_lines, b_lines, _excerpt(a.source, a_lines),
                          _excerpt(b.source, b_lines), a1 - a0 + 1))
    merged: list[Region] = []
    for r in sorted(out, key=lambda r: (r.a_lines, r.b_lines)):
        if merged and r.a_lines[0] <= merged[-1].a_lines[1] and \
                r.b_lines[0] <= merged[-1].b_lines[1] and r.b_lines[1] >= merged[-1].b_lines[0]:
            m = merged[-1]
            a_lines = (m.a_lines[0], max(m.a_lines[1], r.a_lines[1]))
            b_lines = (min(m.b_lines[0], r.b_lines[0]), max(m.b_lines[1], r.b_lines[1]))
            merged[-1] = Region(a_lines, b_lines, _excerpt(a.source, a_lines),
                                _excerpt(b.source, b_lines), m.tokens + r.tokens)
        else:
            merged.append(r)
    merged.sort(key=lambda r: -r.tokens)
    longer = [r for r in merged if r.tokens > k]     # more than one fingerprint in a row
    return longer or merged[:1]


def _excerpt(source: str, lines: tuple[int, int]) -> str:
    first, last = lines
    last = min(last, first + MAX_REGION_LINES - 1)
    return "\n".join(source.splitlines()[first - 1:last])


# -- reading submissions ------------------------------------------------------------------

def _read_zip_member(archive: Path, name: str) -> str | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for m in zf.infolist():
                if not m.is_dir() and m.filename.rsplit("/", 1)[-1] == name \
                        and m.file_size <= MAX_FILE_BYTES and "__MACOSX" not in m.filename:
                    with zf.open(m) as f:
                        return f.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return None
    return None


def read_files(submissions: Path, file_name: str, students=None) -> dict[str, str]:
    """student -> source of ``file_name`` in ``submissions/<student>/`` or
    ``submissions/<student>.zip`` (any folder inside)."""
    out = {}
    for entry in sorted(Path(submissions).iterdir()):
        if entry.name.startswith("."):
            continue
        student = entry.stem if entry.is_file() else entry.name
        if students is not None and student not in students:
            continue
        if entry.is_dir():
            path = entry / file_name
            if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
                out[student] = path.read_bytes().decode("utf-8", errors="replace")
        elif entry.suffix == ".zip":
            text = _read_zip_member(entry, file_name)
            if text is not None:
                out[student] = text
    return out


def find(submissions: Path, exercises: list[tuple[str, str]], template_dir: Path | None = None,
         students=None, **options) -> Findings:
    """Similar pairs for each (exercise id, file name) among ``submissions``."""
    pairs, scores, compared = [], {}, {}
    vocab = Vocabulary()
    for ex_id, file_name in exercises:
        files = read_files(submissions, file_name, students)
        compared[ex_id] = len(files)
        template = None
        if template_dir is not None and (Path(template_dir) / file_name).is_file():
            template = (Path(template_dir) / file_name).read_text(encoding="utf-8",
                                                                  errors="replace")
        found, every = compare(files, template, exercise=ex_id, vocab=vocab, **options)
        pairs += found
        scores[ex_id] = every
    pairs.sort(key=lambda p: (-p.score, p.exercise, p.a, p.b))
    k, w = options.get("k", K), options.get("w", W)
    method = (f"winnowed fingerprints of {k}-token runs (window {w}) of normalised Python "
              "tokens, names the code binds itself renamed; the template's code and code "
              "common to many submissions left out")
    return Findings(pairs, scores, compared, options.get("threshold", THRESHOLD), method)
