"""What students may see: public checks (hidden ones cut out), stubs, the kit.

``public_checks`` removes every ``@check(..., hidden=True)`` function from a check
module's source, keeping the rest of the file byte for byte (comments included).
``leaks`` scans a folder for anything that must never ship: solution lines of the
reference and the ids or function names of hidden checks.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

from .stubs import BEGIN, END


def _is_hidden_check(node) -> bool:
    for dec in getattr(node, "decorator_list", []):
        if isinstance(dec, ast.Call) and getattr(dec.func, "id", getattr(dec.func, "attr", "")) == "check":
            for kw in dec.keywords:
                if kw.arg == "hidden" and isinstance(kw.value, ast.Constant) and kw.value.value:
                    return True
    return False


def hidden_checks(source: str) -> list[tuple[str, str]]:
    """(check id, function name) of every hidden check in a check module's source."""
    found = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and _is_hidden_check(node):
            dec = next(d for d in node.decorator_list if isinstance(d, ast.Call))
            found.append((dec.args[0].value if dec.args else "", node.name))
    return found


def public_checks(source: str) -> str:
    """The check module without its hidden checks."""
    lines = source.splitlines(keepends=True)
    cut = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and _is_hidden_check(node):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno
            while end < len(lines) and not lines[end].strip():  # the blank lines after it
                end += 1
            cut.update(range(start - 1, end))
    return "".join(line for i, line in enumerate(lines) if i not in cut)


def solution_lines(reference_dir: Path, min_length: int = 25) -> set[str]:
    """Distinctive lines inside the reference's solution blocks."""
    found = set()
    for path in Path(reference_dir).glob("ex*.py"):
        inside = False
        for line in path.read_text(encoding="utf-8").splitlines():
            if BEGIN.match(line):
                inside = True
            elif END.match(line):
                inside = False
            elif inside:
                text = line.strip()
                if len(text) >= min_length and not text.startswith(("#", "raise", "return x")):
                    found.add(text)
    return found


def leaks(folder: Path, reference_dir: Path, hidden: list[tuple[str, str]],
          public=(), allowed=()) -> list[str]:
    """Files under ``folder`` that contain solution lines or hidden checks.

    Lines that already stand in ``public`` files (the course kit, whose TinyCLIP has a
    ViT of its own) are public by definition and not counted, nor are ``allowed`` lines
    (ones the assignment's contract itself spells out, listed in assignment.yaml).
    """
    public_text = "\n".join(Path(p).read_text(encoding="utf-8", errors="replace")
                             for p in public)
    solutions = {s for s in solution_lines(reference_dir)
                 if s not in public_text and s not in set(allowed)}
    patterns = [re.escape(cid) for cid, _ in hidden if cid] + \
               [rf"\bdef {re.escape(fn)}\(" for _, fn in hidden]
    hidden_re = re.compile("|".join(patterns)) if patterns else None
    problems = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".md", ".yaml", ".txt", ".json", ".toml"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if any(s in text for s in solutions):
            problems.append(f"{path}: holds a line of the reference solution")
        if hidden_re and (m := hidden_re.search(text)):
            problems.append(f"{path}: mentions hidden check {m.group(0)!r}")
    return problems
