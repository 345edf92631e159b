"""The worker process: imports a submission and answers the grader's requests.

Protocol: frames of an 8-byte big-endian length and a ``torch.save`` payload, requests
on stdin, replies on the original stdout. Before any submission code runs, fds 0-2 are
pointed away (stdin at /dev/null, stdout and stderr at a capped output file) so that
prints cannot corrupt the channel. Nothing secret is ever sent here: expected values and
the run's seed stay in the grader.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import resource
import struct
import sys

HEADER = struct.Struct(">Q")


def _read_exact(stream, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submission", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--output-cap", type=int, default=1 << 20)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    proto_in = os.fdopen(os.dup(0), "rb", buffering=0)
    proto_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    out = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # A flood of prints stops at the cap (OSError: File too large) instead of filling the disk.
    resource.setrlimit(resource.RLIMIT_FSIZE, (args.output_cap, args.output_cap))
    # Keep our own pipe writes clear of the cap: only regular files are limited by it.

    for stream in (sys.stdout, sys.stderr):  # a print before os._exit still shows
        stream.reconfigure(line_buffering=True, write_through=True)

    import torch

    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float32)
    seed = int.from_bytes(os.urandom(8), "little") >> 1
    torch.manual_seed(seed)
    random.seed(seed)
    try:
        import numpy

        numpy.random.seed(seed % (2**32))
    except ImportError:
        pass
    try:
        import mmkit  # noqa: F401  (the course kit, public; imported before student code)
    except ImportError:
        pass

    from autograder.objects import ObjectTable

    sys.path.insert(0, args.submission)
    return serve(proto_in, proto_out, ObjectTable(submission_roots=[args.submission]))


def serve(proto_in, proto_out, table, ready: dict | None = None) -> int:
    """Answer requests until the grader says exit or closes the channel. ``ready``
    rides along with the first message (the sandbox's layers, said before any
    submission code runs)."""
    import torch

    def send(obj):
        buf = io.BytesIO()
        try:
            torch.save(obj, buf)
        except Exception as e:  # a value torch cannot save: say so instead of dying
            buf = io.BytesIO()
            torch.save({"ok": False, "kind": "error", "types": ["TypeError"],
                        "message": f"returned a value that cannot be sent: {e}"[:500]}, buf)
        payload = buf.getvalue()
        proto_out.write(HEADER.pack(len(payload)) + payload)

    send({"ok": True, "value": "ready", **(ready or {})})
    while True:
        head = _read_exact(proto_in, HEADER.size)
        if head is None:
            return 0
        payload = _read_exact(proto_in, HEADER.unpack(head)[0])
        if payload is None:
            return 0
        request = torch.load(io.BytesIO(payload), weights_only=True)
        if request.get("op") == "exit":
            return 0
        reply = table.execute(request)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        send(reply)


if __name__ == "__main__":
    sys.exit(main())
