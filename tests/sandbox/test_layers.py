"""Each isolation layer, seen from inside a sandboxed child.

A probe submission reports what it can see and do; the test compares that with what
the layers promise. Where this machine refuses a layer (not root, no namespaces), the
result must say the layer is missing instead.
"""
import os
import resource
import shutil
import textwrap
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.runner import SandboxMissing, grade
from autograder.sandbox.backend import SandboxBackend
from autograder.sandbox.client import Zygote, run_uid_base, uid_has_processes

ROOT = Path(__file__).resolve().parents[2]
A = Assignment.load(ROOT / "assignments" / "ch30")
ROOTED = os.geteuid() == 0

PROBE = textwrap.dedent('''
    import os, resource, socket

    def facts(paths, port):
        out = {"uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
               "env": sorted(os.environ), "readable": {},
               "data_limit": resource.getrlimit(resource.RLIMIT_DATA)[0],
               "nproc_limit": resource.getrlimit(resource.RLIMIT_NPROC)[0],
               "tmp": sorted(os.listdir("/tmp"))}
        for p in paths:
            try:
                with open(p, "rb") as f:
                    out["readable"][p] = len(f.read(64)) > 0
            except OSError as e:
                out["readable"][p] = False
        s = socket.socket()
        s.settimeout(2)
        try:
            s.connect(("127.0.0.1", port))
            out["network"] = True
        except OSError as e:
            out["network"] = False
        finally:
            s.close()
        return out
''')


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


@pytest.fixture
def probe(tmp_path, zygote):
    (tmp_path / "probe_mod.py").write_text(PROBE)
    backend = SandboxBackend(tmp_path, zygote=zygote, slot=3, timeout=30,
                             hide=[str(ROOT / "reference")])
    yield backend
    backend.close()


def test_layers_hold_inside_the_child(probe, tmp_path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    # a world-readable copy of a secret beside the checkout (another TA's clone, CI's
    # workspace) and one in a top-level folder: the sandbox's view is an allow-list
    beside = ROOT.parent / f".sandbox-canary-{os.getpid()}"
    top = Path("/srv") / f"sandbox-canary-{os.getpid()}"
    canaries = []
    for folder in [beside, top] if ROOTED and top.parent.is_dir() else [beside]:
        folder.mkdir(mode=0o755)
        (folder / "ex11_patchify.py").write_text("# BEGIN SOLUTION\n")
        os.chmod(folder / "ex11_patchify.py", 0o644)
        canaries.append(folder)
    secrets_ = [str(ROOT / "reference" / "ex11_patchify.py"),
                str(ROOT / "assignments" / "ch30" / "checks" / "ex11_patchify.py"),
                str(tmp_path / "probe_mod.py"), "/etc/shadow",
                *[str(c / "ex11_patchify.py") for c in canaries]]
    try:
        facts = probe.import_module("probe_mod").facts(secrets_, listener.getsockname()[1])
    finally:
        listener.close()
        for folder in canaries:
            shutil.rmtree(folder, ignore_errors=True)
    layers = probe.layers
    assert layers["separate_process"] is True
    assert set(facts["env"]) <= {"PATH", "HOME", "LANG", "OMP_NUM_THREADS", "MKL_NUM_THREADS"}
    assert facts["data_limit"] == 4 << 30 and layers["limits"]
    if not ROOTED:
        assert not layers["uid_drop"] and not layers["mount_ns"] and not layers["no_network"]
        return
    assert layers == {"separate_process": True, "uid_drop": True, "no_network": True,
                      "mount_ns": True, "limits": True}
    assert facts["uid"] == facts["gid"] == run_uid_base() + 3 and facts["groups"] == []
    assert not any(facts["readable"].values()), facts["readable"]  # reference, checks, original
    assert facts["network"] is False
    assert facts["tmp"] == [Path(probe.workdir).name]  # a private /tmp: only its own folder


def test_result_reports_the_layers_and_require_sandbox(tmp_path):
    result = grade(ROOT / "reference", A, exercises=["ex11"], sandbox="sandbox")
    assert result.score == result.max_score
    assert result.sandbox["separate_process"]
    assert all(result.sandbox.values()) == ROOTED
    if ROOTED:
        grade(ROOT / "reference", A, exercises=["ex11"], sandbox="sandbox", require_sandbox=True)
    else:
        with pytest.raises(SandboxMissing):
            grade(ROOT / "reference", A, exercises=["ex11"], sandbox="sandbox",
                  require_sandbox=True)
    assert not uid_has_processes(run_uid_base())
