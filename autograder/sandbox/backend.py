"""``SandboxBackend``: ``ProcessBackend`` with its worker forked by the zygote.

Per child: a private working folder owned by the slot's uid holding a copy of the
submission (regular files only), the plan's layers (``layers.apply``), and a kill that
reaches every process of the slot's uid.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..backends import ProcessBackend
from .client import Zygote, kill_everything_of, run_uid_base
from .layers import SANDBOX_LAYERS, Limits, Plan, _traversable_chain



class Child:
    """The worker as ``ProcessBackend`` sees it: pipes, poll, wait, and a sure kill."""

    def __init__(self, zygote: Zygote, pid: int, req_w: int, rep_r: int, uid: int | None):
        self.zygote, self.pid, self.uid = zygote, pid, uid
        self.stdin = os.fdopen(req_w, "wb")
        self.stdout = os.fdopen(rep_r, "rb", buffering=0)

    def poll(self):
        return self.zygote.exit_code(self.pid)

    def wait(self, timeout=None):
        code = self.zygote.wait(self.pid, 1e9 if timeout is None else timeout)
        if code is None:
            raise subprocess.TimeoutExpired("sandboxed worker", timeout)
        return code

    def kill_tree(self):
        kill_everything_of(self.pid, self.uid)


def copy_submission(src: Path, dst: Path, uid: int | None) -> None:
    """Regular files and folders only (no links followed), owned by the slot's uid."""
    dst.mkdir(parents=True)
    for path in sorted(Path(src).rglob("*")):
        rel = path.relative_to(src)
        if path.is_symlink() or any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_dir():
            (dst / rel).mkdir(parents=True, exist_ok=True)
        elif path.is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dst / rel)
    if uid is not None and os.geteuid() == 0:
        for path in [dst, *dst.rglob("*")]:
            os.chown(path, uid, uid)


# top-level entries of / a child still sees: the system the interpreter needs; everything
# else (other checkouts, home folders, /opt, /srv, /var, /run, mounts) is an empty tmpfs,
# so a copy of the reference anywhere else on the machine stays out of reach
SYSTEM_ROOTS = frozenset({"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc",
                          "dev", "proc", "sys", "tmp"})


def _outside_system(root: Path = Path("/")) -> list[str]:
    """Every top-level folder or file under ``root`` that is not ``SYSTEM_ROOTS`` (links,
    such as a merged-usr ``/lib -> usr/lib``, are left alone: their target decides)."""
    out = []
    for entry in os.scandir(root):
        if entry.name not in SYSTEM_ROOTS and not entry.is_symlink():
            out.append(entry.path)
    return out


def default_plan(hide=(), uid: int | None = None, limits: Limits | None = None,
                 threads: int = 1) -> Plan:
    """An allow-list view of the file system: the system folders, with /tmp and the
    grader's own files (engine repo, assignment, reference, results) hidden; everything
    outside the system folders hidden; kept: what the worker must still read (the
    interpreter, the engine, the kit)."""
    import autograder
    import mmkit

    engine = Path(autograder.__file__).resolve().parent
    keep = {str(engine), *map(str, mmkit.__path__), sys.prefix, sys.base_prefix,
            *[p for p in sys.path if p.endswith("-packages")]}
    hidden = {"/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), *_outside_system(),
              *map(str, hide)}
    if "-packages" not in str(engine):  # an editable install: the repository holds secrets
        hidden.add(str(engine.parent))
    for k in list(keep):
        hidden.update(str(p) for p in _traversable_chain(Path(k)))
    return Plan(uid=uid, hide=sorted(hidden), keep=sorted(keep),
                limits=limits or Limits(), threads=threads)


class SandboxBackend(ProcessBackend):
    def __init__(self, submission_dir: Path, *, zygote: Zygote, slot: int = 0, hide=(),
                 limits: Limits | None = None, uid_base: int | None = None, **kwargs):
        super().__init__(submission_dir, **kwargs)
        self.zygote = zygote
        base = run_uid_base() if uid_base is None else uid_base
        self.uid = base + slot if os.geteuid() == 0 else None
        self.limits = limits or Limits(file_size=self.output_cap)
        self.hide = list(hide)
        self.layers = {layer: False for layer in SANDBOX_LAYERS}
        self.copy = self.workdir / "submission"
        copy_submission(self.dir, self.copy, self.uid)
        if self.uid is not None:
            os.chown(self.workdir, self.uid, self.uid)
        os.chmod(self.workdir, 0o700)

    def _spawn(self):
        plan = default_plan([*self.hide, str(self.dir)], self.uid, self.limits, self.threads)
        plan.keep.append(str(self.workdir))
        self.output.unlink(missing_ok=True)
        pid, req_w, rep_r = self.zygote.spawn(submission=str(self.copy), workdir=str(self.workdir),
                                              output=str(self.output), plan=plan)
        return Child(self.zygote, pid, req_w, rep_r, self.uid)

    def _ensure_started(self):
        fresh = self.proc is None or self.proc.poll() is not None
        super()._ensure_started()
        if fresh:  # said by the child before any submission code ran
            got = self.ready.get("layers") if isinstance(self.ready.get("layers"), dict) else {}
            self.layers = {k: got.get(k) is True for k in SANDBOX_LAYERS}

    def close(self):
        pid = self.proc.pid if self.proc is not None else None
        super().close()
        if pid is not None:
            self.zygote.forget(pid)
        shutil.rmtree(self.workdir, ignore_errors=True)
