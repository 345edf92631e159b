"""Where the submission's code runs: in this process, or in a separate worker process.

Both backends take the same requests (``objects.ObjectTable``) and turn replies into
values with the same gate (``values.accept``), so a check behaves identically under
``autograder check`` (``LocalBackend``, the student's own machine) and ``autograder
grade`` (``ProcessBackend``, where the reply is the only thing that crosses back).
"""
from __future__ import annotations

import contextlib
import io
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import torch

from .errors import (Missing, ProtocolError, StaleHandle, SubmissionError, SubmissionTimeout,
                     WorkerCrashed)
from .handles import Handle
from .objects import ObjectTable
from .values import FOREIGN, HANDLE, Foreign, accept

HEADER = struct.Struct(">Q")
MiB = 1 << 20


def _outgoing(value, generation: int):
    """A request's arguments as data: handles become markers, arrays tensors."""
    if type(value) is Handle:
        if value._generation != generation:
            raise StaleHandle("this object came from a run of the submission that has "
                              "since been restarted (after a timeout or crash)")
        if value._path:
            raise ValueError(f"pass the object itself, not the attribute path {value!r}")
        return {HANDLE: value._oid}
    if isinstance(value, Foreign):
        return value.value
    if isinstance(value, (list, tuple)):
        items = [_outgoing(v, generation) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _outgoing(v, generation) for k, v in value.items()}
    if isinstance(value, torch.Tensor):
        return value.detach()
    return value


def _describe(handle: Handle, op: str) -> str:
    name = handle._path or handle._type
    return name if op == "call" else f"{name} ({op})"


class Backend:
    """What both backends share: the request envelope and the reading of replies."""

    generation = 0
    timeout: float = 30.0

    def __init__(self):
        self.seen: set[int] = set()
        self.timed_out: dict[str, str] = {}  # call -> message: a hang is waited for once

    def _make_handle(self, oid: int, type_name: str) -> Handle:
        self.seen.add(oid)
        return Handle(self, oid, type_name, "", self.generation)

    def request(self, handle: Handle, op: str, **fields):
        context = _describe(handle, op)
        key = f"{handle._type}:{handle._path}"
        if op in ("call", "grad") and key in self.timed_out:
            raise SubmissionTimeout(f"{context}: not called again; {self.timed_out[key]} "
                                    "in an earlier check")
        self._before_request()
        if handle._generation != self.generation:
            raise StaleHandle("this object came from a run of the submission that has since "
                              "been restarted (after a timeout or crash)")
        req = {"op": op, "obj": handle._oid, "path": handle._path}
        req.update(_outgoing(fields, self.generation))
        try:
            reply = self._send(req)
        except SubmissionTimeout as e:
            self.timed_out[key] = str(e)
            raise SubmissionTimeout(f"{context} {e}") from None
        return self._finish(reply, context)

    def _before_request(self) -> None:
        pass

    def import_module(self, name: str) -> Handle:
        reply = self._send({"op": "import", "module": name})
        return self._finish(reply, name)

    def release_except(self, keep: set[int]) -> None:
        """Forget the objects made during a check, so memory does not grow across checks."""
        drop = sorted(self.seen - keep)
        self.seen &= keep
        if drop:
            with contextlib.suppress(Exception):
                self._send({"op": "release", "ids": drop})

    def _finish(self, reply, context: str):
        if not isinstance(reply, dict) or "ok" not in reply:
            raise ProtocolError(f"{context}: unreadable reply from the submission's process")
        if reply["ok"]:
            return accept(reply.get("value"), self._make_handle)
        kind, message = reply.get("kind"), str(reply.get("message", ""))[:2000]
        if kind == "missing":
            raise Missing(f"{context}: {message}")
        if kind == "import":
            raise SubmissionError(message, type_names=("ImportError",))
        where = str(reply.get("where", ""))[:200]
        types = [str(t)[:100] for t in reply.get("types", [])][:20]
        if "NotImplementedError" in types:
            message = "NotImplementedError: not implemented yet"
        text = f"{context} raised {message}" + (f" (at {where})" if where else "")
        raise SubmissionError(text, type_names=types, where=where)

    def output_tail(self, limit: int = 2000) -> str:
        return ""

    def close(self) -> None:
        pass


class LocalBackend(Backend):
    """The submission imported into this process: for students checking their own work.

    ``module_names`` are purged from ``sys.modules`` on entry and exit so that checking
    several submissions in one process never mixes their modules.
    """

    def __init__(self, submission_dir: Path, module_names=(), timeout: float = 30.0):
        super().__init__()
        self.dir = str(Path(submission_dir).resolve())
        self.module_names = tuple(module_names)
        self.timeout = timeout
        self.table = ObjectTable(submission_roots=[self.dir])
        self._purge()
        sys.path.insert(0, self.dir)

    def _purge(self):
        for name in self.module_names:
            sys.modules.pop(name, None)

    def _send(self, req):
        req = _outgoing(req, self.generation)
        with _alarm(self.timeout):
            return self.table.execute(req)

    def close(self):
        with contextlib.suppress(ValueError):
            sys.path.remove(self.dir)
        self._purge()


@contextlib.contextmanager
def _alarm(seconds: float):
    """Raise ``SubmissionTimeout`` in the main thread after ``seconds`` (local mode only)."""
    if seconds is None or not hasattr(signal, "SIGALRM") or \
            threading_is_not_main():
        yield
        return

    def _raise(signum, frame):
        raise SubmissionTimeout(f"took longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def threading_is_not_main() -> bool:
    import threading
    return threading.current_thread() is not threading.main_thread()


def _check_unpacked_size(payload: bytes, limit: int) -> None:
    """torch.save writes a zip of stored records; a forged reply could deflate them
    and unpack to far more than it weighs. Refuse compressed or oversized records."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ProtocolError("unreadable reply (not a torch.save archive)") from None
    if any(i.compress_type != zipfile.ZIP_STORED for i in infos):
        raise ProtocolError("reply holds compressed records, which torch.save never writes")
    if sum(i.file_size for i in infos) > limit:
        raise ProtocolError(f"reply unpacks to more than the {limit} byte limit")


def _frame(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    payload = buf.getvalue()
    return HEADER.pack(len(payload)) + payload


class ProcessBackend(Backend):
    """The submission in a worker process; only data crosses back, read with
    ``torch.load(weights_only=True)``, bounded in size, before ``values.accept``.

    A call that runs past ``timeout`` seconds kills the worker's whole process group;
    the next request starts a fresh worker (handles from the old one become stale).
    ``spawn`` builds the worker's command line; the sandbox plugs in there.
    """

    def __init__(self, submission_dir: Path, *, timeout: float = 30.0,
                 startup_timeout: float = 120.0, max_reply: int = 256 * MiB,
                 output_cap: int = 1 * MiB, threads: int = 1):
        super().__init__()
        self.dir = Path(submission_dir).resolve()
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.max_reply = max_reply
        self.output_cap = output_cap
        self.threads = threads
        self.workdir = Path(tempfile.mkdtemp(prefix="autograder-"))
        self.output = self.workdir / "output.txt"
        self.proc: subprocess.Popen | None = None
        self.generation = 0

    # -- process lifecycle -------------------------------------------------------
    def _spawn(self):
        env = {"PATH": os.defpath, "HOME": str(self.workdir), "LANG": "C.UTF-8",
               "OMP_NUM_THREADS": str(self.threads), "MKL_NUM_THREADS": str(self.threads)}
        cmd = [sys.executable, "-I", "-B", "-m", "autograder.worker",
               "--submission", str(self.dir), "--output", str(self.output),
               "--output-cap", str(self.output_cap), "--threads", str(self.threads)]
        return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, cwd=self.workdir, env=env,
                                start_new_session=True)

    def _before_request(self):
        self._ensure_started()

    def _ensure_started(self):
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.proc is not None:
            self._kill()
        self.proc = self._spawn()
        reply = self._read_reply(time.monotonic() + self.startup_timeout, "starting")
        if not isinstance(reply, dict) or reply.get("value") != "ready":
            self._kill()
            raise ProtocolError("the submission's process did not start cleanly")
        self.ready = reply

    def _kill(self):
        """End the worker and everything it started; its handles are stale from now on."""
        if self.proc is None:
            return
        self.generation += 1
        self.seen.clear()
        if hasattr(self.proc, "kill_tree"):
            self.proc.kill_tree()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(Exception):
            self.proc.wait(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(Exception):
                stream.close()
        self.proc = None

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(Exception):
                self.proc.stdin.write(_frame({"op": "exit"}))
                self.proc.stdin.flush()
                self.proc.wait(timeout=2)
        self._kill()

    # -- framing -----------------------------------------------------------------
    def _send(self, req):
        self._ensure_started()
        try:
            self.proc.stdin.write(_frame(req))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._crashed("before the call") from None
        return self._read_reply(time.monotonic() + self.timeout, req.get("op"))

    def _read_exact(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks, remaining = [], n
        while remaining:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                self._kill()
                raise SubmissionTimeout(f"took longer than {self.timeout:g} s")
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                raise self._crashed("during the call")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _read_reply(self, deadline: float, context):
        (size,) = HEADER.unpack(self._read_exact(HEADER.size, deadline))
        if size > self.max_reply:
            self._kill()
            raise ProtocolError(f"reply of {size} bytes is over the {self.max_reply} byte limit")
        payload = self._read_exact(size, deadline)
        _check_unpacked_size(payload, self.max_reply)
        try:
            return torch.load(io.BytesIO(payload), weights_only=True)
        except Exception as e:
            raise ProtocolError(f"unreadable reply ({type(e).__name__})") from None

    def _crashed(self, when: str) -> WorkerCrashed:
        try:
            code = self.proc.wait(timeout=5) if self.proc else None
        except subprocess.TimeoutExpired:
            code = None  # it closed its channel but lives on: killed below
        self._kill()
        if code is not None and code < 0:
            why = f"was killed by signal {-code} ({signal.Signals(-code).name})"
            if -code == signal.SIGKILL:
                why += "; out of memory?"
        else:
            why = f"exited with code {code}"
        return WorkerCrashed(f"the submission's process {why} {when}")

    def output_tail(self, limit: int = 2000) -> str:
        try:
            with open(self.output, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - limit))
                text = f.read().decode("utf-8", "replace")
            return ("[...]\n" if size > limit else "") + text
        except OSError:
            return ""

    def __del__(self):
        with contextlib.suppress(Exception):
            self._kill()
