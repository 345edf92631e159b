"""Untrusted text stays text: student ids, file names, messages, captured output, answers.

HTML is escaped by jinja2's autoescape (every template of this package has it on);
these helpers cover the other places a submission's text goes: spreadsheet cells,
the terminal, Markdown, and file names.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from rich.markup import escape as rich_escape

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A spreadsheet-safe cell: a leading = + - @ (or tab, CR) is read by Excel, LibreOffice
    and Google Sheets as a formula, so such a cell is prefixed with ``'``; newlines become
    spaces so one record stays one line."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@lru_cache(maxsize=4096)
def number(x, digits: int = 2) -> str:
    """A score as a CSV/LMS number: no exponent, no trailing zeros, never negative zero.
    (Cached: a batch has few distinct scores and writes each many times.)"""
    if x is None:
        return ""
    text = f"{round(float(x), digits):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def printable(text: str) -> str:
    """Control, bidi-override and other invisible characters as '?' (newlines, tabs kept)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "?" for ch in text)


def term_text(value) -> str:
    """Inert terminal text: no rich markup, no control or bidi-override characters."""
    return rich_escape(printable(str(value)))


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_text(value, one_line: bool = True) -> str:
    """Student text inside Markdown: HTML specials as entities (a renderer that passes
    HTML through shows them as text) and Markdown punctuation backslash-escaped."""
    text = printable(str(value)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if one_line:
        text = " ".join(text.split())
    return text


def md_code_block(value, lang: str = "text") -> str:
    """Verbatim text as a fenced block whose fence is longer than any run of backticks
    inside, so the text can never close it."""
    text = printable(str(value))
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text}\n{fence}"


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def file_stem(student: str) -> str:
    """A file name for a student id: only [A-Za-z0-9_.-]; a short hash is appended when
    anything had to be replaced, so two ids never share a file."""
    stem = _UNSAFE_NAME.sub("_", student)[:80].lstrip(".") or "_"
    if stem != student:
        stem += "-" + hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return stem
