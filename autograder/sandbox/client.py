"""The grader's side of the zygote: start it, ask for children, kill them for sure."""
from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from .layers import Limits, Plan

UID_BASE = 61000
# kill(-1, SIGKILL) run as the slot's uid signals every process of that uid but itself.
# procps' kill wants this exact form ("-s KILL -- -1" only prints its usage). The
# interpreter will not do: it may live under a home the slot's uid cannot enter.
KILL_ALL_OF_MY_UID = ["/bin/kill", "-KILL", "--", "-1"]


def run_uid_base(pid: int | None = None) -> int:
    """First slot uid of this grading run: runs on one host never share a uid (a kill
    by uid must never reach another run's workers)."""
    return UID_BASE + ((os.getpid() if pid is None else pid) % 4096) * 64


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """One zygote process; ``spawn`` forks a sandboxed child from it."""

    def __init__(self, threads: int = 1, startup_timeout: float = 120.0):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": tempfile.gettempdir(),
               "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-B", "-m", "autograder.sandbox.zygote",
             str(theirs.fileno()), str(threads)],
            pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tempfile.gettempdir())
        theirs.close()
        self.sock = ours
        self.lock = threading.Lock()
        self.pids: queue.Queue = queue.Queue()
        self.exits: dict[int, int] = {}
        self.changed = threading.Condition()
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(startup_timeout):
            self.close()
            raise ZygoteError("the sandbox zygote did not start")

    def _read(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self.changed:
                    self.changed.notify_all()
                self.pids.put(None)
                return
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                if "ready" in msg:
                    self.ready.set()
                elif "pid" in msg:
                    self.pids.put(msg["pid"])
                elif "exit" in msg:
                    with self.changed:
                        self.exits[msg["exit"]] = msg["code"]
                        self.changed.notify_all()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def spawn(self, *, submission: str, workdir: str, output: str, plan: Plan,
              cgroup: str | None = None) -> tuple[int, int, int]:
        """Fork a child; returns (pid, fd to write requests, fd to read replies)."""
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        msg = {"cmd": "spawn", "submission": submission, "workdir": workdir, "output": output,
               "plan": asdict(plan), "cgroup": cgroup}
        try:
            with self.lock:
                socket.send_fds(self.sock, [json.dumps(msg).encode()], [req_r, rep_w])
                pid = self.pids.get(timeout=30)
        except (OSError, queue.Empty):
            pid = None
        finally:
            os.close(req_r)
            os.close(rep_w)
        if pid is None:
            os.close(req_w)
            os.close(rep_r)
            raise ZygoteError("the sandbox zygote did not fork a child")
        return pid, req_w, rep_r

    def exit_code(self, pid: int) -> int | None:
        return self.exits.get(pid)

    def wait(self, pid: int, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while pid not in self.exits and self.alive():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.changed.wait(left)
        return self.exits.get(pid)

    def forget(self, pid: int) -> None:
        self.exits.pop(pid, None)

    def close(self):
        try:
            with self.lock:
                self.sock.sendall(json.dumps({"cmd": "exit"}).encode())
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


def kill_everything_of(pid: int, uid: int | None) -> None:
    """SIGKILL the child's session and, as the slot's uid, every process of that uid:
    that reaches grandchildren that called setsid() too."""
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    if uid and os.geteuid() == 0:  # never uid 0: kill(-1) as root would end the machine
        for _ in range(10):  # a fork bomb may refill between passes
            if not uid_has_processes(uid):
                return
            subprocess.run(KILL_ALL_OF_MY_UID, user=uid, group=uid, extra_groups=[], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, timeout=30)


def uid_has_processes(uid: int) -> bool:
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    return True
            except OSError:
                pass
    return False
