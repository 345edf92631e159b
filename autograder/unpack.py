"""Submissions as they arrive: folders, or .zip files unpacked with care.

A zip is refused whole, with a reason, if a member is a link, has an absolute path or
``..``, or if the archive is over the bounds on files, total size or compression
ratio (a zip bomb). One top-level folder inside is stripped. Only the submission's
own bytes are hashed, so a re-run can tell a changed submission from a graded one.
"""
from __future__ import annotations

import hashlib
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MAX_FILES = 200
MAX_TOTAL = 64 << 20        # bytes unpacked
MAX_FILE = 16 << 20
MAX_RATIO = 200             # unpacked / packed, per member


class RejectedArchive(ValueError):
    pass


@dataclass
class Incoming:
    name: str           # the student id: folder name, or zip name without .zip
    path: Path          # a folder to grade (for a zip: where it was unpacked)
    rejected: str = ""  # why a zip could not be unpacked ("" when fine)


def safe_extract(archive: Path, dest: Path) -> Path:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as e:
        raise RejectedArchive(f"not a readable zip file ({e})") from None
    with zf:
        members = [m for m in zf.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise RejectedArchive(f"{len(members)} files, more than the {MAX_FILES} allowed")
        total = 0
        for m in members:
            path = PurePosixPath(m.filename)
            if path.is_absolute() or ".." in path.parts or "\\" in m.filename:
                raise RejectedArchive(f"member {m.filename!r} points outside the archive")
            if stat.S_ISLNK(m.external_attr >> 16):
                raise RejectedArchive(f"member {m.filename!r} is a symbolic link")
            if m.file_size > MAX_FILE:
                raise RejectedArchive(f"member {m.filename!r} is {m.file_size} bytes unpacked, "
                                      f"over {MAX_FILE}")
            if m.compress_size and m.file_size / m.compress_size > MAX_RATIO and m.file_size > 1 << 20:
                raise RejectedArchive(f"member {m.filename!r} expands {m.file_size // m.compress_size}x "
                                      "(a zip bomb?)")
            total += m.file_size
        if total > MAX_TOTAL:
            raise RejectedArchive(f"{total} bytes unpacked, over the {MAX_TOTAL} allowed")
        dest.mkdir(parents=True, exist_ok=True)
        for m in members:
            target = dest.joinpath(*PurePosixPath(m.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(m) as src, open(target, "wb") as out:
                remaining = MAX_FILE + 1  # never trust the declared size alone
                while chunk := src.read(min(1 << 20, remaining)):
                    out.write(chunk)
                    remaining -= len(chunk)
                    if remaining <= 0:
                        raise RejectedArchive(f"member {m.filename!r} is larger than declared")
    entries = [p for p in dest.iterdir() if p.name != "__MACOSX"]
    if len(entries) == 1 and entries[0].is_dir():
        return entries[0]
    return dest


def content_hash(folder: Path) -> str:
    """sha256 over the relative paths and bytes of the regular files in ``folder``."""
    h = hashlib.sha256()
    if folder.is_file():
        h.update(folder.read_bytes())
        return h.hexdigest()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        rel = path.relative_to(folder).as_posix()
        h.update(rel.encode() + b"\0" + str(path.stat().st_size).encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()
