"""The zygote: imports torch and the kit once, then forks one child per submission.

It holds no secret: it is started with a clean environment and receives only paths
and a plan (``layers.Plan``). It stays single-threaded (no OpenMP pool before a fork,
which can deadlock the child). Requests arrive on a Unix socket with the child's two
pipe ends attached (SCM_RIGHTS); the zygote answers ``{"pid": ...}`` and, as children
end, ``{"exit": pid, "code": ...}`` (negative: killed by that signal). It reaps every
child, so zombies never eat the process budget.

A child: own session, the plan's layers, stdin from /dev/null, stdout and stderr to a
size-capped file, then ``worker.serve`` on its pipes.
"""
from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys

MAX_MESSAGE = 1 << 22  # a spawn request: paths and a plan


def _child(msg: dict, req_fd: int, rep_fd: int, control: socket.socket, wake) -> int:
    control.close()
    signal.set_wakeup_fd(-1)
    for fd in wake:
        os.close(fd)
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    from autograder.sandbox import layers

    plan = layers.Plan(**{k: v for k, v in msg["plan"].items() if k != "limits"},
                       limits=layers.Limits(**msg["plan"].get("limits", {})))
    out = os.open(msg["output"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if msg.get("cgroup"):
        try:
            with open(os.path.join(msg["cgroup"], "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))
        except OSError:
            pass
    in_force = layers.apply(plan, home=msg["workdir"])
    in_force["cgroup"] = bool(msg.get("cgroup"))
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.chdir(msg["workdir"])
    sys.path.insert(0, msg["submission"])
    from autograder.objects import ObjectTable
    from autograder.worker import serve

    # the layers in force go out with "ready", before any submission code has run
    return serve(os.fdopen(req_fd, "rb", buffering=0), os.fdopen(rep_fd, "wb", buffering=0),
                 ObjectTable(submission_roots=[msg["submission"]]), ready={"layers": in_force})


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        control.sendall(json.dumps({"exit": pid, "code": code}).encode() + b"\n")


def _warm_up(torch) -> None:
    """Pay torch's one-time costs here, once, instead of in every child: the first
    autograd call alone costs a child ~0.5 s. None of this starts a thread."""
    import io

    import torch.nn.functional as F

    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.GELU(), torch.nn.LayerNorm(4))
    x = torch.randn(2, 4, requires_grad=True)
    torch.autograd.grad(model(x).softmax(-1).log().sum(), [x, *model.parameters()])
    # the first backward of a loss kernel costs a fresh child ~0.6 s: pay it here
    logits = torch.randn(3, 5, requires_grad=True)
    loss = F.cross_entropy(logits, torch.tensor([0, 1, -100]), ignore_index=-100)
    torch.autograd.grad(loss, logits)
    q = torch.randn(1, 2, 3, 4, requires_grad=True)
    att = F.scaled_dot_product_attention(q, q, q, is_causal=True)
    mha = torch.nn.MultiheadAttention(4, 2, batch_first=True)
    torch.autograd.grad(att.sum() + mha(x[None], x[None], x[None])[0].sum(), q)
    img = torch.randn(1, 3, 8, 8, requires_grad=True)
    conv = F.conv2d(img, torch.randn(2, 3, 4, 4), stride=4)
    torch.autograd.grad(conv.sum() + F.unfold(img, 4, stride=4).sum(), img)
    torch.optim.AdamW(model.parameters(), lr=1e-3).step()
    try:
        import torchaudio

        torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400, hop_length=160,
                                             n_mels=80)(torch.randn(1, 1600))
    except Exception:
        pass
    buf = io.BytesIO()
    torch.save({"t": torch.ones(2), "l": [1, 2.0, "s"]}, buf)
    torch.load(io.BytesIO(buf.getvalue()), weights_only=True)


def _become_subreaper() -> None:
    """Orphaned descendants (a submission's setsid daemons) become our children, so we
    reap them instead of leaving zombies under the slot's uid."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except OSError:
        pass


def main() -> int:
    control = socket.socket(fileno=int(sys.argv[1]))
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True, write_through=True)
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    try:
        import mmkit  # noqa: F401  (public; its weights are read when a check asks)
        import numpy  # noqa: F401
    except ImportError:
        pass
    import autograder.objects  # noqa: F401
    import autograder.worker  # noqa: F401
    from autograder.sandbox import layers  # noqa: F401

    _warm_up(torch)

    # SIGCHLD wakes the loop through a pipe, so an exit is reported at once
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    _become_subreaper()
    control.sendall(b'{"ready": true}\n')
    while True:
        _reap(control)
        ready, _, _ = select.select([control, wake_r], [], [], 5.0)
        if wake_r in ready:
            os.read(wake_r, 4096)
        if control not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, MAX_MESSAGE, 2)
        if not data:
            return 0
        msg = json.loads(data)
        if msg.get("cmd") == "exit":
            return 0
        req_fd, rep_fd = fds
        pid = os.fork()
        if pid == 0:
            try:
                code = _child(msg, req_fd, rep_fd, control, (wake_r, wake_w))
            except BaseException:
                code = 70
            os._exit(code)
        os.close(req_fd)
        os.close(rep_fd)
        control.sendall(json.dumps({"pid": pid}).encode() + b"\n")


if __name__ == "__main__":
    sys.exit(main())
