"""``answers.md`` into one section per exercise, reporting whatever it could not place.

Headings it recognises (any case, with or without markdown ``#``, bold or not):
``## Exercise 3``, ``Exercise 4:``, ``## Ex. 5``, ``**Exercise 6**``, ``exercise 7``,
``Exercise #8 - title``, ``Q9``, ``Question 10``, ``Problem 2``, ``Answer 3:``,
``Aufgabe 4``, ``## 5.``, ``## 6) title``, ``Exercise IV``, ``Exercise four``. Text on
the heading's line after a ``:`` (or after the closing ``**``) is part of the answer,
unless it just restates the question. The question quoted from the template
(``> ...``), HTML comments and placeholders ("Your answer here") are not answer text.

Never fails: bytes that are not UTF-8 are decoded as Windows-1252 (noted), binary
files and files without any exercise heading are reported as ``fatal``; duplicate,
unknown and extra sections and text outside any section are listed in ``problems``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import content_words

WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
         "x": 10}
LABEL = (r"(?:exercise|exercice|ejercicio|esercizio|aufgabe|übung|uebung|question|problem|"
         r"task|answer|exc?|q|a)")
NUMBER = r"(\d{1,2}|" + "|".join(WORD_NUMBERS) + r"|(?:i{1,3}|iv|vi{0,3}|ix|x)(?![a-z]))"
_HEADING = re.compile(
    r"^(?P<label>" + LABEL + r")\s*\.?\s*(?:no\.?|nr\.?|number|num\.?|#)?\s*" + NUMBER +
    r"(?![\w.,]\d)(?!\s*[-\u2013]\s*\d)", re.I)
_BARE_NUMBER = re.compile(r"^(\d{1,2})(?:\s*[.):]|\s*$|\s+(?=[A-Z(\"']))")
_PLACEHOLDER = re.compile(
    r"^\s*[(\[<_*]*\s*(?:your answer(?: goes)?(?: here)?|answer(?: here)?|write (?:your answer )?here|"
    r"todo|tbd|to do|\.\.\.|…|-+|n/?a)\s*[.:!]*\s*[)\]>_*]*\s*$", re.I)
_ANSWER_LABEL = re.compile(r"^\s*(?:\*\*|__)?(?:answer|solution|antwort|réponse|respuesta)"
                           r"\s*(?:\*\*|__)?\s*[:.\-]\s*(?:\*\*|__)?\s*", re.I)


@dataclass
class Section:
    number: int
    heading: str            # the heading line as written
    line: int               # 1-based line of the heading
    text: str = ""          # the answer text (markdown), question and placeholders removed
    level: int = 0          # markdown heading level (0: a plain or bold line)


@dataclass
class ParsedAnswers:
    sections: dict[int, Section] = field(default_factory=dict)
    extra: list[Section] = field(default_factory=list)    # headings that are not exercises 1..N
    problems: list[str] = field(default_factory=list)     # what could not be placed, and why
    unassigned: str = ""      # text outside any exercise section (not the title)
    unassigned_lines: str = ""
    encoding: str = "utf-8"
    fatal: str | None = None  # nothing could be parsed: why
    duplicates: set[int] = field(default_factory=set)


# -- bytes to text --------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str | None, str, str | None]:
    """(text, encoding, problem): UTF-8 (BOM or not), UTF-16 with a BOM, else Windows-1252."""
    if data.startswith(b"%PDF"):
        return None, "binary", "answers.md is a PDF file, not text: save it as plain markdown"
    if data.startswith(b"PK\x03\x04"):
        return None, "binary", ("answers.md is a zip/Word (.docx) file, not text: save it as "
                                "plain markdown")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", None
        except UnicodeDecodeError:
            pass
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        nul = data[:4096].count(b"\x00")
        if nul > len(data[:4096]) // 4:
            try:
                text = data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
                if _texty(text):
                    return text, "utf-16", None
            except UnicodeDecodeError:
                pass
        return None, "binary", "answers.md contains NUL bytes: it is not a text file"
    if not _texty(data[:4096].decode("utf-8", errors="replace")):
        return None, "binary", "answers.md is not a text file (mostly control bytes)"
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as e:
        bad = data[e.start:e.start + 1].hex()
        text = data.decode("cp1252", errors="replace")
        text = "".join(ch if ch != "\ufffd" else "?" for ch in text)
        return text, "cp1252", (f"answers.md is not valid UTF-8 (byte 0x{bad} at offset "
                                f"{e.start}); it was read as Windows-1252, so accented letters "
                                f"may show wrongly")


def _texty(text: str) -> bool:
    """Mostly printable characters (what a text file is)."""
    if not text:
        return True
    sample = text[:4096]
    good = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t\f")
    return good / len(sample) >= 0.9


# -- headings --------------------------------------------------------------------------------------

def _number(token: str) -> int | None:
    token = token.lower()
    if token.isdigit():
        return int(token)
    if token in WORD_NUMBERS:
        return WORD_NUMBERS[token]
    return ROMAN.get(token)


@dataclass
class _Heading:
    number: int
    level: int
    title: str
    inline: str       # answer text on the heading's own line


def match_heading(line: str) -> _Heading | None:
    """The exercise heading on ``line``, or None."""
    s = line.strip()
    if not s:
        return None
    level = len(s) - len(s.lstrip("#"))
    if level > 6:
        return None
    s = s[level:].strip()
    wrap = re.match(r"^(\*\*|__|\*|_)", s)
    opener = wrap.group(1) if wrap else ""
    body = s[len(opener):].lstrip()
    m = _HEADING.match(body)
    if m:
        label = m.group("label").lower()
        number = _number(m.group(2))
        rest = body[m.end():]
        if label in ("a", "q") and not re.match(r"^\s*(?:[:.)\]-]|\*|_|$)", rest):
            return None                  # "A 2-D ..." or "Q 3 is" is a sentence, not a heading
        if label == "a" and not (level or opener):
            return None
    elif level:
        m = _BARE_NUMBER.match(body)
        if not m:
            return None
        number, rest = int(m.group(1)), body[m.end():]
    else:
        return None
    if number is None:
        return None
    title, inline = "", ""
    if opener:
        close = rest.find(opener)
        if close < 0:
            title = rest
        else:
            title, inline = rest[:close], rest[close + len(opener):]
    elif level:
        title = rest
    else:
        stripped = rest.strip()
        if stripped and not re.match(r"^(?:[:.)\]\-\u2013\u2014]|\(|\*|_)", stripped):
            return None                  # "Exercise 2 showed that ..." is prose
        inline = rest
    title = title.strip(" :.-\u2013\u2014*_#")
    inline = re.sub(r"^\s*[:.)\]\-\u2013\u2014]+\s*", "", inline).strip()
    inline = re.sub(r"^(?:\*\*|__)\s*", "", inline)
    if not opener and not level and inline.startswith("("):
        close = inline.find(")")
        if close > 0:
            title, inline = inline[1:close], re.sub(r"^\s*[:.\-]+\s*", "", inline[close + 1:])
    return _Heading(number, level, title, inline)


def _other_heading(line: str) -> int:
    """Markdown heading level of a line that is not an exercise heading (0 if none)."""
    m = re.match(r"^\s*(#{1,6})\s+\S", line)
    return len(m.group(1)) if m else 0


# -- sections ---------------------------------------------------------------------------------------

def _overlap(text: str, question: str) -> float:
    """Share of ``text``'s content words that the question has too."""
    words = content_words(text)
    if not words:
        return 0.0
    q = set(content_words(question))
    return sum(1 for w in words if w in q) / len(words)


def _clean_answer(lines: list[str], question: str | None) -> str:
    out = []
    in_comment = False
    for line in lines:
        stripped = line.strip()
        if in_comment:
            if "-->" in stripped:
                in_comment = False
                line = line.split("-->", 1)[1]
                stripped = line.strip()
            else:
                continue
        if "<!--" in stripped and "-->" not in stripped.split("<!--", 1)[1]:
            line = line.split("<!--", 1)[0]
            stripped = line.strip()
            in_comment = True
        line = re.sub(r"<!--.*?-->", "", line)
        stripped = line.strip()
        if question and stripped.startswith(">") and _overlap(stripped.lstrip("> "), question) >= 0.6:
            continue
        if question and stripped.endswith("?") and len(content_words(stripped)) >= 3 \
                and _overlap(stripped, question) >= 0.8:
            continue
        if _PLACEHOLDER.match(stripped):
            continue
        out.append(line.rstrip())
    text = re.sub(r"\n\s*\n(\s*\n)+", "\n\n", "\n".join(out)).strip("\n")
    text = _ANSWER_LABEL.sub("", text, count=1)
    return text.strip()


def parse(text: str, count: int = 10, questions: dict[int, str] | None = None,
          template: str | None = None) -> ParsedAnswers:
    """Split ``answers.md`` text into sections for exercises 1..``count``.

    ``questions`` (number -> question text) lets quoted questions and inline titles that
    only restate the question be dropped; ``template`` is the file students were given,
    whose lines outside sections are not reported as unplaced text.
    """
    questions = questions or {}
    result = ParsedAnswers()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    template_lines = {ln.strip() for ln in (template or "").splitlines() if ln.strip()}

    current: Section | None = None
    body: dict[int, list[str]] = {}
    outside: list[tuple[int, str]] = []
    extra_body: list[str] | None = None
    in_fence = False

    def close():
        nonlocal current, extra_body
        current, extra_body = None, None

    for n, line in enumerate(lines, 1):
        if re.match(r"^\s*(```|~~~)", line):
            in_fence = not in_fence
        heading = None if in_fence else match_heading(line)
        if heading is not None:
            close()
            section = Section(heading.number, line.strip(), n, level=heading.level)
            if 1 <= heading.number <= count:
                if heading.number in result.sections:
                    first = result.sections[heading.number]
                    result.duplicates.add(heading.number)
                    result.problems.append(
                        f"Exercise {heading.number} has two sections (lines {first.line} and "
                        f"{n}); both were scored together")
                    body[heading.number].append("")
                else:
                    result.sections[heading.number] = section
                    body[heading.number] = []
                current = result.sections[heading.number]
                inline = heading.inline
                q = questions.get(heading.number)
                if inline and not (q and _overlap(inline, q) >= 0.6):
                    body[heading.number].append(inline)
            else:
                result.extra.append(section)
                result.problems.append(
                    f"line {n}: section {line.strip()[:60]!r} is not one of exercises 1-{count}; "
                    f"not scored")
                extra_body = []
            continue
        level = 0 if in_fence else _other_heading(line)
        if level and (current is None or current.level == 0 and level <= 2
                      or 0 < level <= current.level):
            close()
            if result.sections or line.strip() not in template_lines:
                if result.sections:
                    result.extra.append(Section(0, line.strip(), n, level=level))
                    result.problems.append(f"line {n}: section {line.strip()[:60]!r} is not an "
                                           f"exercise; not scored")
                    extra_body = []
                else:
                    outside.append((n, line))
            continue
        if current is not None:
            body[current.number].append(line)
        elif extra_body is not None:
            extra_body.append(line)
        else:
            outside.append((n, line))

    for number, section in result.sections.items():
        section.text = _clean_answer(body[number], questions.get(number))

    loose = [(n, ln) for n, ln in outside
             if ln.strip() and ln.strip() not in template_lines
             and not re.match(r"^\s*#\s", ln) and not re.match(r"^\s*<!--.*-->\s*$", ln)]
    loose_text = _clean_answer([ln for _, ln in loose], None)
    if loose_text:
        result.unassigned = loose_text
        first, last = loose[0][0], loose[-1][0]
        result.unassigned_lines = f"line {first}" if first == last else f"lines {first}-{last}"
    words = len(re.findall(r"\w+", result.unassigned))
    if not result.sections:
        if words >= 5:
            result.fatal = (f"no 'Exercise N' headings found, so {words} words of text "
                            f"({result.unassigned_lines}) could not be assigned to exercises; "
                            f"use one '## Exercise N' heading per answer")
        elif not text.strip():
            result.fatal = None      # an empty file: every answer is simply missing
    elif words >= 8:
        result.problems.append(f"{words} words outside any exercise section "
                               f"({result.unassigned_lines}) were not scored")
    return result
