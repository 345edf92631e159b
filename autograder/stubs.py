"""Student stubs from the reference, by solution markers (as nbgrader does).

In a reference file:
    # BEGIN SOLUTION            starts a block the student writes (kept indentation)
    # STUB: return None         optional, inside a block: the stub's code instead of
                                the default ``raise NotImplementedError``
    # END SOLUTION              ends the block
    import scipy  # SOLUTION    a single line only the solution has
The reference is the source of truth; ``student_template/`` is generated and a test
fails if the two drift apart.
"""
from __future__ import annotations

import re
from pathlib import Path

BEGIN = re.compile(r"^(\s*)#\s*BEGIN SOLUTION\b(.*)$")
END = re.compile(r"^\s*#\s*END SOLUTION\b")
STUB = re.compile(r"^\s*#\s*STUB:\s?(.*)$")
LINE = re.compile(r"\s*#\s*SOLUTION\s*$")


class MarkerError(ValueError):
    pass


def make_stub(source: str, name: str = "<reference>") -> str:
    out, block, indent, stub, start = [], False, "", [], 0
    for n, line in enumerate(source.splitlines(), 1):
        if not block and (m := BEGIN.match(line)):
            block, indent, stub, start = True, m.group(1), [], n
            todo = m.group(2).strip(" :")
            if todo:
                out.append(f"{indent}# TODO: {todo}")
        elif block and BEGIN.match(line):
            raise MarkerError(f"{name}:{n}: BEGIN SOLUTION inside the block opened on line {start}")
        elif block and END.match(line):
            out.extend(f"{indent}{s}" for s in (stub or ["raise NotImplementedError"]))
            block = False
        elif not block and END.match(line):
            raise MarkerError(f"{name}:{n}: END SOLUTION without BEGIN SOLUTION")
        elif block:
            if m := STUB.match(line):
                stub.append(m.group(1))
        elif not LINE.search(line):
            out.append(line)
    if block:
        raise MarkerError(f"{name}:{start}: BEGIN SOLUTION is never closed")
    return "\n".join(out) + "\n"


def generate(reference_dir: Path, template_dir: Path, write: bool = True) -> dict[str, str]:
    """Stub text per file name; written to ``template_dir`` when ``write``."""
    stubs = {}
    for path in sorted(Path(reference_dir).glob("ex*.py")):
        stubs[path.name] = make_stub(path.read_text(encoding="utf-8"), str(path))
    if write:
        Path(template_dir).mkdir(parents=True, exist_ok=True)
        for name, text in stubs.items():
            (Path(template_dir) / name).write_text(text, encoding="utf-8")
    return stubs


def drifted(reference_dir: Path, template_dir: Path) -> list[str]:
    """Files whose committed stub differs from the one the reference generates."""
    stale = []
    for name, text in generate(reference_dir, template_dir, write=False).items():
        path = Path(template_dir) / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
