"""Isolation layers a child applies to itself, each reporting whether it took effect.

Every function returns ``(ok, note)`` rather than raising: where the OS refuses a layer
(no root, no namespaces) grading goes on, and the result says which layers were missing.
Order matters and is fixed by ``apply``: namespaces and mounts need root, so they come
before the uid drop; limits come last.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import random
import resource
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x40000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 4096, 8192, 16384, 1 << 18
STAGE = "/run/autograder-stage"
# what a result's "sandbox" field reports, one flag per layer
SANDBOX_LAYERS = ("separate_process", "uid_drop", "no_network", "mount_ns", "limits")
GiB = 1 << 30

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None):
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None),
           f"mount {target}")


@dataclass
class Limits:
    """Per-child resource limits (RLIMIT_DATA, not RLIMIT_AS: torch cannot import under it)."""
    memory: int = 4 * GiB          # bytes of data segment (heap, mmap'd anonymous memory)
    cpu_seconds: int = 600         # total CPU time; the wall-clock timeout is the parent's
    file_size: int = 8 << 20       # largest file the child may write (caps output floods)
    processes: int = 64            # per slot uid: threads count here too
    open_files: int = 256


@dataclass
class Plan:
    """What a child must do to itself before running submission code."""
    uid: int | None = None                     # drop to this uid/gid (None: stay)
    network: bool = False                      # keep the network (False: own empty netns)
    hide: list[str] = field(default_factory=list)    # folders replaced by empty tmpfs
    keep: list[str] = field(default_factory=list)    # folders inside hidden ones kept visible
    limits: Limits = field(default_factory=Limits)
    threads: int = 1


def _traversable_chain(path: Path) -> list[Path]:
    """Ancestors of ``path`` that another uid cannot enter (mode without o+x)."""
    blocked = []
    for parent in reversed(path.resolve().parents):
        try:
            if not os.stat(parent).st_mode & 0o001:
                blocked.append(parent)
        except OSError:
            pass
    return blocked


def umount(target: str) -> None:
    _check(_libc.umount2(target.encode(), ctypes.c_int(0)), "umount")


def private_mounts(hide, keep) -> tuple[bool, str]:
    """Own mount namespace; each ``hide`` folder becomes an empty tmpfs (each ``hide`` file
    reads as /dev/null), except the ``keep`` folders inside it, moved back in by bind
    mounts. /tmp becomes private."""
    try:
        unshare(CLONE_NEWNS)
        mount("none", "/", None, MS_REC | MS_PRIVATE)
        os.makedirs(STAGE, exist_ok=True)
        mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700,size=1m")
        keep = [str(Path(k).resolve()) for k in keep if Path(k).exists()]
        staged = []
        for i, k in enumerate(keep):
            spot = f"{STAGE}/{i}"
            os.mkdir(spot)
            mount(k, spot, None, MS_BIND | MS_REC)
            staged.append((spot, k))
        files = [h for h in hide if os.path.isfile(h) and not os.path.islink(h)]
        hide = sorted({str(Path(h).resolve()) for h in hide if Path(h).is_dir()}, key=len)
        # a folder holding the stage is hidden last, once the kept folders have moved out
        last = [h for h in hide if STAGE.startswith(h + "/")]
        hidden: list[str] = []
        for h in [h for h in hide if h not in last]:
            if any(h == x or h.startswith(x + "/") for x in hidden):
                continue  # already inside an empty tmpfs
            hidden.append(h)
            # scratch folders stay writable (libraries cache there) but small and private
            scratch = h in ("/tmp", "/var/tmp", "/dev/shm")
            mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV,
                  "mode=1777,size=256m" if scratch else "mode=755,size=16m")
        for spot, k in staged:
            os.makedirs(k, exist_ok=True)
            mount(spot, k, None, MS_MOVE)
        umount(STAGE)
        for h in last:
            mount("tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m")
        for f in files:
            mount("/dev/null", f, None, MS_BIND)
        return True, ""
    except OSError as e:
        return False, str(e)


def no_network() -> tuple[bool, str]:
    try:
        unshare(CLONE_NEWNET)  # a new namespace has only a loopback device, and it is down
        return True, ""
    except OSError as e:
        return False, str(e)


def drop_privileges(uid: int) -> tuple[bool, str]:
    try:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        if os.getuid() == 0 or os.geteuid() == 0:
            return False, "still root after setuid"
        return True, ""
    except OSError as e:
        return False, str(e)


def apply_limits(limits: Limits) -> tuple[bool, str]:
    notes = []
    for name, value in [("RLIMIT_DATA", limits.memory), ("RLIMIT_CPU", limits.cpu_seconds),
                        ("RLIMIT_FSIZE", limits.file_size), ("RLIMIT_NPROC", limits.processes),
                        ("RLIMIT_NOFILE", limits.open_files), ("RLIMIT_CORE", 0)]:
        try:
            resource.setrlimit(getattr(resource, name), (value, value))
        except (ValueError, OSError) as e:
            notes.append(f"{name}: {e}")
    return not notes, "; ".join(notes)


def clean_environment(home: str, threads: int) -> None:
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)})


def reseed(threads: int) -> None:
    """Fresh seeds and defaults: nothing the zygote or an earlier child did carries over."""
    import torch

    seed = int.from_bytes(os.urandom(8), "little") >> 1
    torch.manual_seed(seed)
    random.seed(seed)
    try:
        import numpy
        numpy.random.seed(seed % 2**32)
    except ImportError:
        pass
    torch.set_default_dtype(torch.float32)
    torch.set_num_threads(threads)


def apply(plan: Plan, home: str) -> dict[str, bool]:
    """Apply every layer in order; return which are in force (the result's ``sandbox``)."""
    root = os.geteuid() == 0
    layers = {"separate_process": True}
    notes = {}
    if root:
        layers["mount_ns"], notes["mount_ns"] = private_mounts(plan.hide, plan.keep)
        if plan.network:
            layers["no_network"] = False
        else:
            layers["no_network"], notes["no_network"] = no_network()
    else:
        layers["mount_ns"] = layers["no_network"] = False
    clean_environment(home, plan.threads)
    if root and plan.uid is not None:
        layers["uid_drop"], notes["uid_drop"] = drop_privileges(plan.uid)
    else:
        layers["uid_drop"] = False
    layers["limits"], notes["limits"] = apply_limits(plan.limits)
    reseed(plan.threads)
    return layers
