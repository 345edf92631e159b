"""Answer text as the scorer reads it: cleaned of markdown, cut into sentences.

Each sentence keeps two forms: ``display`` (what a TA reads as evidence) and ``norm``
(lower case, unicode folded, what concept patterns match against). Everything here is
deterministic text processing; no models.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

# -- cleaning -------------------------------------------------------------------------

_UNICODE = {
    "\u00d7": " x ", "\u2715": " x ", "\u2a2f": " x ", "\u22c5": "*", "\u00b7": "*", "\u2219": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/", "\u00b2": "^2", "\u00b3": "^3",
    "\u2212": "-", "\u2013": " - ", "\u2014": " - ", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2192": " -> ", "\u27f6": " -> ", "\u21d2": " -> ", "\u2794": " -> ", "\u2248": " ~ ",
    "\u2264": " <= ", "\u2265": " >= ", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
    "\u2026": "...", "\u2022": "\n- ", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))

_LATEX = [
    (re.compile(r"\\(?:d|t)?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}"), r"(\1)/(\2)"),
    (re.compile(r"\\(?:times|cross)\b"), " x "),
    (re.compile(r"\\cdot\b"), "*"),
    (re.compile(r"\\div\b"), "/"),
    (re.compile(r"\\(?:left|right|big|Big|bigg)\s*([()\[\]|.])"), r"\1"),
    (re.compile(r"\\(?:rightarrow|to|longrightarrow|mapsto|Rightarrow)\b"), " -> "),
    (re.compile(r"\\approx\b"), " ~ "),
    (re.compile(r"\\(?:text|mathrm|mathbf|textbf|emph|mathit|operatorname)\s*\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\^\s*\{([^{}]*)\}"), r"^\1"),
    (re.compile(r"\\[,;:! ]"), " "),
    (re.compile(r"\\\\"), " "),
]


_SUPERSCRIPTS = str.maketrans({ch: "^" + unicodedata.normalize("NFKC", ch)
                               for ch in "\u2070\u00b9\u2074\u2075\u2076\u2077\u2078\u2079"})


def fold_unicode(text: str) -> str:
    """Typographic characters to plain ones the patterns expect (``×`` -> `` x ``)."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    return text.translate(_SUPERSCRIPTS)


def strip_markdown(text: str) -> str:
    """Markdown and LaTeX markup out, line structure kept (lists stay one item a line)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = re.sub(r"<!--.*?(?:-->|$)", " ", text, flags=re.S)
    text = re.sub(r"^\s*(```|~~~).*$", "", text, flags=re.M)
    text = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"</?(?:br|p|div|span|b|i|em|strong|sup|sub)\b[^>]*>", " ", text, flags=re.I)
    for pattern, repl in _LATEX:
        text = pattern.sub(repl, text)
    text = text.replace("$", " ").replace("`", "")
    text = fold_unicode(text)
    text = re.sub(r"^(\s*)[*+](?=\s)", r"\1-", text, flags=re.M)          # bullets
    text = re.sub(r"(?<=[\d)])\s*\*\*\s*(?=[\d(])", "^", text)      # 24**2
    text = re.sub(r"(?<=[\d)])\s*\*\s*(?=[\d(])", "\x00", text)     # 24*24 stays
    text = text.replace("*", "").replace("__", "").replace("\x00", " * ")
    text = re.sub(r"(?<!\w)_(?=\w)|(?<=\w)_(?!\w)", "", text)
    text = re.sub(r"^\s*>+\s?", "", text, flags=re.M)                 # block quotes
    text = re.sub(r"^\s*#{1,6}\s*(.*?)\s*#*\s*$", r"\1.", text, flags=re.M)  # sub-headings
    text = re.sub(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*$", "", text, flags=re.M)  # table rules
    text = re.sub(r"\s*\|\s*", " | ", text)
    return text


# -- sentences --------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*(?:[-*+]|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]\))\s+", re.I)
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|fig|eq|ex|approx|resp|no|nr|al|ca|viz|"
                     r"sec|ch|chap|dr|mr|ms|st|z\.b|d\.h|p\.ex|ad)\.)$", re.I)
_SPLIT = re.compile(r"(?<=[.!?])[\"')\]]*\s+")


def sentences_of(text: str) -> list[str]:
    """Cleaned text into sentences: paragraphs, list items, then [.!?] boundaries."""
    items: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        current: list[str] = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            if _BULLET.match(line) or line.strip().startswith("|"):
                if current:
                    items.append(" ".join(current))
                current = [_BULLET.sub("", line, count=1)]
            else:
                current.append(line.strip())
        if current:
            items.append(" ".join(current))
    out = []
    for item in items:
        item = re.sub(r"\s+", " ", item).strip()
        start = 0
        for m in _SPLIT.finditer(item):
            head = item[start:m.start()].rstrip("\"')]")
            if _ABBREV.search(head) or re.search(r"\b[A-Z]\.$", head):
                continue
            closing = item[m.start():m.end()].strip()
            nxt = item[m.end():m.end() + 1]
            if nxt.islower() and (head.endswith(("?", "!")) or closing):
                continue                 # a quoted question inside a sentence
            piece = item[start:m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
        tail = item[start:].strip()
        if tail:
            out.append(tail)
    return [s for s in out if re.search(r"\w", s)]


# -- normalised form ---------------------------------------------------------------------

WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


def normalise(sentence: str) -> str:
    """Lower case, folded, number words as operators (``24 by 24`` -> ``24 x 24``)."""
    s = fold_unicode(sentence).lower()
    s = s.replace("’", "'")
    s = re.sub(r"(?<=\d)\s*(?:by|times)\s*(?=\(?\d)", " x ", s)
    s = re.sub(r"(?<=\d)\s*divided\s+by\s*(?=\(?\d)", " / ", s)
    s = re.sub(r"(?<=[\d)])\s*squared\b", "^2", s)
    s = re.sub(r"(?<=[\d)])\s*(?:to\s+the\s+power\s+of|\^)\s*(?=\d)", "^", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s


# -- typos -------------------------------------------------------------------------------

TYPO_MIN = 8       # only words this long are corrected: short words have real neighbours


class Vocabulary:
    """Words an exercise is about; a long answer word one edit away from exactly one of
    them (``spectogram``, ``atention``, ``embeding``) and starting with the same letter is
    read as that word (for matching only: evidence quotes the answer as written)."""

    def __init__(self, words):
        self.words = frozenset(w for w in words if len(w) >= TYPO_MIN - 1)
        self._deletes: dict[str, set[str]] = {}
        for w in self.words:
            for variant in {w, *_deletions(w)}:
                self._deletes.setdefault(variant, set()).add(w)

    def correct(self, word: str) -> str:
        if len(word) < TYPO_MIN or word in self.words or not word.isalpha():
            return word
        found = set()
        for variant in {word, *_deletions(word)}:
            found |= self._deletes.get(variant, set())
        found = {w for w in found if w[0] == word[0] and _one_edit(word, w)}
        return found.pop() if len(found) == 1 else word

    def fix(self, norm: str) -> str:
        return re.sub(r"[a-z]{%d,}" % TYPO_MIN, lambda m: self.correct(m.group(0)), norm)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance exactly 1."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass
class Sentence:
    index: int
    display: str
    vocabulary: Vocabulary | None = None
    norm: str = field(init=False)

    def __post_init__(self):
        self.norm = normalise(self.display)
        if self.vocabulary is not None:
            self.norm = self.vocabulary.fix(self.norm)

    @cached_property
    def listy(self) -> bool:
        return is_listy(self.display)


# -- word statistics ------------------------------------------------------------------------

FUNCTION_WORDS = frozenset("""
a an the is are was were be been being am do does did has have had having can could will
would shall should may might must of to in into onto on at by for with from as than then
that this these those it its it's they them their there here which who whom whose what
when where why how so because since therefore thus hence and or but if while whereas
although though not no each every any all both only also just very more most less such
same other another one we you our your i he she his her us me my via per about over under
between among within without through across up down out off again once too
""".split())

ENGLISH = frozenset("""
the a an is are was were be been of to in and or that this it its with for on as by from
which so because not can does do has have would will into than then their they each only
what when where how there these those but also all any one same
""".split())

OTHER_LANGUAGES = {
    "German": frozenset("der die das und ist nicht ein eine einen einem einer mit zu den von auf "
                        "für werden wird sich dass es im dem des sind bei oder auch wie kann nur "
                        "aus wenn durch weil diese dieser zum zur".split()),
    "French": frozenset("le la les et est des une un du que qui dans pour pas sur avec ce sont au "
                        "aux ne se plus par en il elle ou mais comme être leur cette ces donc on "
                        "chaque".split()),
    "Spanish": frozenset("el la los las y es que de en un una por con para se del lo al como "
                         "más pero sus su son está están este esta cada entre sin sobre también "
                         "muy".split()),
    "Italian": frozenset("il lo la le gli e è di che un una per con del della dei delle non si "
                         "sono nel nella al alla da come più anche questo questa ogni ma tra "
                         "sul".split()),
    "Portuguese": frozenset("o a os as e é de que um uma para com do da dos das não se em no na "
                            "por mais como mas são ao seu sua cada também já teria entre".split()),
    "Dutch": frozenset("de het een en is van dat die niet in op te met voor zijn er aan ook als "
                       "maar om door naar bij wordt worden deze dit elk".split()),
}


def words_of(text: str) -> list[str]:
    return WORD.findall(fold_unicode(text).lower())


def stem(word: str) -> str:
    """A crude suffix stripper, enough to compare an answer's words with the question's."""
    w = word.lower().strip("'-")
    for suffix in ("ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "s", "ly"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w


def content_words(text: str) -> list[str]:
    """Stemmed words that carry content (numbers included: "576" says something)."""
    parts = [p for w in words_of(text) for p in w.replace("'s", "").split("-")]
    return [stem(w) if not w.isdigit() else w for w in parts
            if w not in FUNCTION_WORDS and (len(w) > 2 or w.isdigit())]


def guess_language(text: str) -> str | None:
    """``None`` for English (or too little text to tell); else the language's name.

    Function-word counts for English against a few common languages, plus the share of
    letters outside the Latin alphabet (Chinese, Cyrillic, Arabic, ...).
    """
    letters = [ch for ch in text if ch.isalpha()]
    if len(letters) >= 20:
        foreign = sum(1 for ch in letters if not ("a" <= ch.lower() <= "z")
                      and unicodedata.name(ch, "").split(" ")[0] not in ("LATIN",))
        if foreign / len(letters) > 0.3:
            return "a non-Latin script"
    words = words_of(text)
    if len(words) < 6:
        return None
    english = sum(1 for w in words if w in ENGLISH)
    best, best_count = None, 0
    for name, vocab in OTHER_LANGUAGES.items():
        count = sum(1 for w in words if w in vocab and w not in ENGLISH)
        if count > best_count:
            best, best_count = name, count
    if best_count >= 3 and best_count > 1.5 * english and best_count / len(words) >= 0.1:
        return best
    return None


_ITEM_SPLIT = re.compile(r"\s*(?:[,;|/]|:)\s*")


def is_listy(sentence: str) -> bool:
    """A list of terms rather than a claim: several short items, hardly any function words."""
    text = fold_unicode(sentence)
    items = [i for i in _ITEM_SPLIT.split(text) if WORD.search(i)]
    words = words_of(text)
    if not words:
        return False
    function = sum(1 for w in words if w in FUNCTION_WORDS) / len(words)
    if len(items) < 3:
        return False
    sizes = sorted(len(WORD.findall(i)) for i in items)
    median = sizes[len(sizes) // 2]
    return median <= 2 and function <= 0.15 or (median <= 3 and function <= 0.06)


def is_fragment(sentence: str) -> bool:
    """A bare term on its own (a one-line list item): at most three words, no function word."""
    words = words_of(sentence)
    return 0 < len(words) <= 3 and not any(w in FUNCTION_WORDS for w in words) \
        and not re.search(r"\d", sentence)
