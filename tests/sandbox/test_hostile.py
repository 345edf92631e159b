"""Hostile submissions through the sandboxed batch grader (``autograder grade``).

Every case is exercise 11 (patchify, 6 points, 7 checks) written correctly -- or, where the
attack is to steal a better answer, written WRONG on purpose (a plain reshape, worth 3/6) --
plus one hostile action, at import or inside one function. Each test asserts the score that
honest behaviour earns: the points of every check that does not touch the sabotaged part,
and nothing more. The fixtures are in ``hostile/<case>/ex11_patchify.py`` (their docstrings
say what each does and why it earns what it earns); zips, symlinks and the planted
``port.txt`` / ``target.txt`` are made here, at run time.

All folder cases and zips are graded as ONE batch (two slots, a time budget of BUDGET
seconds per submission) in a module-scoped fixture; one test per case then reads its result.
The grading processes run under a soft RLIMIT_DATA (POOL_MEMORY) because one case makes the
trusted process read without bound. A few cases run in small batches of their own: those
that abort a whole batch today.

Every hostile action is bounded so that it stays safe if an isolation layer is missing:
sleeps of at most 120 s, one allocation of at most 6 GiB (RLIMIT_DATA is 4 GiB), floods of
50 MB, at most 300 forks, network only to 127.0.0.1 (a listener opened here) and to the
TEST-NET address 192.0.2.1.

Eight engine bugs this suite found were fixed; their tests stand as regressions.
"""
from __future__ import annotations

import ctypes
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.commands import grade as batch
from autograder.results import SubmissionResult
from autograder.sandbox.client import run_uid_base, uid_has_processes

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = Path(__file__).resolve().parent / "hostile"
REFERENCE = ROOT / "reference" / "ex11_patchify.py"
BUDGET = 12.0                       # seconds per submission (caps the hanging cases)
POOL_MEMORY = int(2.5 * (1 << 30))  # RLIMIT_DATA (soft) of the grading processes, for this test
SLOT_UIDS = (run_uid_base(), run_uid_base() + 1)  # this run's slots (the test process grades)
# Dispatch order (the pool starts tasks first in, first out): kill_parent first, so that its
# kill(-1) cannot tidy up after the others for the engine; then the slow cases, so that the
# two slots finish together; the setsid daemon (which lives 120 s) last, so that whether it
# outlives its submission is still visible when the batch ends.
FIRST = ("kill_parent", "sleep_at_import", "busy_loop", "sleep", "huge_tensor",
         "huge_tensor_deflated", "fork_bomb", "layers_json_dev_zero")
LAST = ("setsid_daemon",)
PICKLE_MARKER = Path("/tmp/autograder-hostile-pickle-marker")
CANARY = "AUTOGRADER_HOSTILE_CANARY"
MARKED = ("hx-fork_bomb", "hx-setsid")  # process names the hostile children give themselves

CHECKS = ("num_patches_known", "num_patches_drawn", "shapes", "arange_values",
          "conv_identity", "round_trip", "errors")
POINTS = {"num_patches_known": 1.0, "num_patches_drawn": 0.5, "shapes": 0.5,
          "arange_values": 1.0, "conv_identity": 1.0, "round_trip": 1.0, "errors": 1.0}

ZIP_CASES = ("zip_good", "zip_traversal", "zip_absolute", "zip_backslash", "zip_symlink",
             "zip_bomb", "zip_too_big", "zip_too_many", "zip_corrupt")


# -- helpers ---------------------------------------------------------------------------
def honest_code() -> str:
    return (HOSTILE / "honest" / "ex11_patchify.py").read_text()


def _expected_layers() -> dict:
    """What this machine can put in force: root gives uid_drop; namespaces need unshare."""
    root = os.geteuid() == 0
    namespaces = False
    if root:
        pid = os.fork()
        if pid == 0:  # a single-threaded child: unshare(NEWNS | NEWNET) must work
            libc = ctypes.CDLL(None, use_errno=True)
            os._exit(0 if libc.unshare(0x00020000 | 0x40000000) == 0 else 1)
        namespaces = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    return {"separate_process": True, "uid_drop": root, "no_network": namespaces,
            "mount_ns": namespaces, "limits": True}


def _slot_processes() -> list[tuple[int, int, str, str]]:
    """(pid, uid, name, command line) of every process a slot uid owns."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            uid = entry.stat().st_uid
            if uid not in SLOT_UIDS:
                continue
            comm = Path(entry.path, "comm").read_text().strip()
            cmd = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
        except OSError:
            continue
        found.append((int(entry.name), uid, comm, cmd))
    return found


def _kill_marked_leftovers() -> None:
    """Test hygiene only: kill processes the hostile fixtures left (by their names), so
    that a leftover of one run never spends the process budget of the next one."""
    if os.geteuid() != 0:
        return
    for pid, _uid, comm, _cmd in _slot_processes():
        if comm in MARKED:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _digest(path: Path):
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _tamper_targets() -> list[Path]:
    import site

    import autograder
    import mmkit

    engine = Path(autograder.__file__).resolve().parent
    kit = Path(list(mmkit.__path__)[0])
    targets = [engine / "expect.py", engine / "__pycache__" / "hostile.pyc",
               engine / "hostile_planted.py", kit / "hostile_planted.py"]
    for sp in site.getsitepackages():
        targets += [Path(sp) / "hostile_planted.pth", Path(sp) / "sitecustomize.py"]
    return targets


# -- zips ------------------------------------------------------------------------------
def _zip(path: Path, members) -> Path:
    """``members``: (ZipInfo or name, bytes) pairs, written as given (no name cleaning)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _info(name: str, *, mode: int = 0o100644, compress=zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    info.compress_type = compress
    return info


def build_zips(folder: Path) -> None:
    code = honest_code().encode()
    _zip(folder / "zip_good.zip", [  # one top folder (stripped) and a macOS resource fork
        (_info("alice_work/ex11_patchify.py"), code),
        (_info("__MACOSX/alice_work/._ex11_patchify.py"), b"\0\5\26\7"),
    ])
    _zip(folder / "zip_traversal.zip", [(_info("ex11_patchify.py"), code),
                                        (_info("../../evil.py"), b"print('escaped')\n")])
    _zip(folder / "zip_absolute.zip", [(_info("ex11_patchify.py"), code),
                                       (_info("/tmp/evil.py"), b"print('escaped')\n")])
    _zip(folder / "zip_backslash.zip", [(_info("ex11_patchify.py"), code),
                                        (_info("..\\..\\evil.py"), b"print('escaped')\n")])
    _zip(folder / "zip_symlink.zip", [(_info("ex11_patchify.py", mode=0o120777),
                                       str(REFERENCE).encode())])
    _zip(folder / "zip_bomb.zip", [(_info("ex11_patchify.py"), code),  # 10 MB of zeros: ~1000x
                                   (_info("data/zeros.bin"), bytes(10 << 20))])
    _zip(folder / "zip_too_big.zip", [(_info("ex11_patchify.py"), code)] + [  # 5 x 14 MiB stored
        (_info(f"data/blob{i}.bin", compress=zipfile.ZIP_STORED), bytes(14 << 20))
        for i in range(5)])
    _zip(folder / "zip_too_many.zip", [(_info("ex11_patchify.py"), code)] + [
        (_info(f"notes/n{i:03d}.txt"), b"x") for i in range(200)])
    good = (folder / "zip_good.zip").read_bytes()
    (folder / "zip_corrupt.zip").write_bytes(good[: len(good) // 2])  # cut: no central directory


def zip_with_bad_crc(path: Path) -> Path:
    """A well-formed archive whose one member's bytes no longer match its CRC."""
    code = honest_code().encode()
    _zip(path, [(_info("ex11_patchify.py", compress=zipfile.ZIP_STORED), code)])
    raw = bytearray(path.read_bytes())
    at = raw.index(b"def patchify")
    raw[at:at + 3] = b"DEF"
    path.write_bytes(bytes(raw))
    return path


# -- the batch ---------------------------------------------------------------------------
@dataclass
class Graded:
    results: dict
    output: Path
    seconds: float
    layers: dict
    survivors: list
    connections: list
    json_docs: dict = field(default_factory=dict)
    db_rows: dict = field(default_factory=dict)
    files: set = field(default_factory=set)
    pickle_marker: bool = False
    tamper_before: dict = field(default_factory=dict)
    tamper_after: dict = field(default_factory=dict)

    def result(self, name: str) -> SubmissionResult:
        assert name in self.results, f"no result for {name}; got {sorted(self.results)}"
        return self.results[name]


class Listener:
    """A TCP listener on 127.0.0.1 in the trusted namespace; records who connects."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                continue
            self.connections.append(peer)
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def _case_folders() -> list[Path]:
    return sorted(p for p in HOSTILE.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    work = tmp_path_factory.mktemp("hostile")
    folder, output = work / "batch", work / "results"
    folder.mkdir()
    for case in _case_folders():
        shutil.copytree(case, folder / case.name, symlinks=True)
    (folder / "symlink_to_reference").mkdir()
    (folder / "symlink_to_reference" / "ex11_patchify.py").symlink_to(REFERENCE)
    (folder / "symlink_dir" / "refdir").symlink_to(REFERENCE.parent, target_is_directory=True)
    (folder / "fake_results" / "target.txt").write_text(str(output.resolve()))
    build_zips(folder)
    entries = sorted(p.name for p in folder.iterdir())  # folders, and zips with .zip
    order = [*FIRST, *[n for n in entries if n not in FIRST + LAST], *LAST]
    paths = [str(folder / n) for n in order]
    names = [n.removesuffix(".zip") for n in order]  # the student ids

    _kill_marked_leftovers()
    PICKLE_MARKER.unlink(missing_ok=True)
    targets = _tamper_targets()
    tamper_before = {str(t): _digest(t) for t in targets}
    listener = Listener()
    (folder / "network" / "port.txt").write_text(str(listener.port))
    old_canary = os.environ.get(CANARY)
    os.environ[CANARY] = "canary-" + os.urandom(8).hex()
    layers = _expected_layers()
    assignment = Assignment.load(ROOT / "assignments" / "ch30")
    # layers_json_dev_zero makes the trusted process read /dev/zero (an engine bug): the
    # grading processes (spawned inside batch.main) inherit this cap, so it ends in MemoryError.
    # Without the cap in force the case is left out (its tests then fail): never unbounded.
    memory = resource.getrlimit(resource.RLIMIT_DATA)
    cap = POOL_MEMORY if memory[1] == resource.RLIM_INFINITY else min(POOL_MEMORY, memory[1])
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (cap, memory[1]))
    except (ValueError, OSError):
        pass
    if resource.getrlimit(resource.RLIMIT_DATA)[0] != POOL_MEMORY:
        paths = [p for p in paths if Path(p).name != "layers_json_dev_zero"]
    started = time.monotonic()
    try:
        summary = batch.main(paths=paths, assignment=assignment, output=output, jobs=2,
                             options=batch.Options(exercises=["ex11"], budget=BUDGET))
    finally:
        seconds = time.monotonic() - started
        resource.setrlimit(resource.RLIMIT_DATA, memory)
        listener.close()
        if old_canary is None:
            os.environ.pop(CANARY, None)
        else:
            os.environ[CANARY] = old_canary
    # kills are asynchronous (and orphans are reaped by PID 1): wait a little for stragglers
    deadline = time.monotonic() + 3
    while any(uid_has_processes(u) for u in SLOT_UIDS) and time.monotonic() < deadline:
        time.sleep(0.2)
    survivors = _slot_processes()
    _kill_marked_leftovers()

    g = Graded(results={r.submission: r for r in summary.results}, output=output,
               seconds=seconds, layers=layers, survivors=survivors,
               connections=list(listener.connections),
               pickle_marker=PICKLE_MARKER.exists(), tamper_before=tamper_before,
               tamper_after={str(t): _digest(t) for t in targets})
    g.files = {p.name for p in output.iterdir()}
    for name in names:
        try:
            g.json_docs[name] = json.loads((output / f"{name}.json").read_text())
        except (OSError, ValueError):
            pass
    db = sqlite3.connect(output / "gradebook.db")
    try:
        for student, score, max_score in db.execute(
                "SELECT student, score, max_score FROM submissions"):
            g.db_rows[student] = (score, max_score)
    finally:
        db.close()
    print(f"\nhostile batch: {len(names)} submissions in {seconds:.1f} s")
    return g


# -- assertions ----------------------------------------------------------------------------
def _show(r: SubmissionResult) -> str:
    lines = [f"{r.submission}: {r.score}/{r.max_score} sandbox={r.sandbox}"]
    lines += [f"  {c.id} {c.status} {c.score}: {c.message[:300]}" for c in r.checks()]
    return "\n".join(lines)


def _checks(r: SubmissionResult) -> dict:
    return {c.id.split(".", 1)[1]: c for c in r.checks()}


def recorded(g: Graded, name: str) -> SubmissionResult:
    """The case has a result, its JSON file and its gradebook row, all agreeing."""
    r = g.result(name)
    assert name in g.json_docs, f"no {name}.json in the output folder"
    doc = g.json_docs[name]
    assert doc["submission"] == name and doc["score"] == r.score
    assert len([c for ex in doc["exercises"] for c in ex["checks"]]) == len(CHECKS)
    assert g.db_rows.get(name) == (r.score, r.max_score), f"gradebook row of {name}"
    assert r.max_score == 6.0
    return r


def expect(g: Graded, name: str, score: float, lost: dict | None = None) -> SubmissionResult:
    """``lost``: check -> (statuses, words its message must contain); every other check passed.
    ``score`` is the honest score; it must be exactly what the checks not in ``lost`` earn."""
    lost = lost or {}
    assert score == sum(POINTS[c] for c in CHECKS if c not in lost), "test bookkeeping"
    r = recorded(g, name)
    got = _checks(r)
    assert set(got) == set(CHECKS), _show(r)
    for cid in CHECKS:
        c = got[cid]
        if cid not in lost:
            assert c.status == "passed", f"{cid} should pass\n{_show(r)}"
            continue
        statuses, words = lost[cid]
        statuses = (statuses,) if isinstance(statuses, str) else statuses
        assert c.status in statuses, f"{cid}: status {c.status}, not {statuses}\n{_show(r)}"
        for word in ((words,) if isinstance(words, str) else words):
            assert word.lower() in c.message.lower(), f"{cid}: {word!r} not said\n{_show(r)}"
    assert r.score == score, _show(r)
    if not name.startswith("zip_") or name == "zip_good":
        assert r.sandbox == g.layers, f"layers in force: {r.sandbox}, expected {g.layers}"
    return r


def every(status, words) -> dict:
    return {cid: (status, words) for cid in CHECKS}


# -- the batch as a whole -------------------------------------------------------------------
def test_batch_graded_every_case_once(graded):
    names = {p.name for p in _case_folders()} | {"symlink_to_reference"} | set(ZIP_CASES)
    assert set(graded.results) == names
    assert set(graded.json_docs) == names
    assert set(graded.db_rows) == names
    extra = graded.files - {f"{n}.json" for n in names} - {
        "gradebook.db", "gradebook.db-wal", "gradebook.db-shm"}
    assert not extra, f"unexpected files in the results folder: {extra}"
    assert graded.seconds < 240, f"the batch took {graded.seconds:.0f} s"


def test_no_process_of_a_slot_uid_survives(graded):
    assert not graded.survivors, f"still running as a slot uid: {graded.survivors}"


# -- ordinary mistakes ----------------------------------------------------------------------
def test_honest(graded):
    expect(graded, "honest", 6.0)  # control: the correct code scores full


def test_syntax_error(graded):
    expect(graded, "syntax_error", 0.0, every("error", "syntax error"))  # nothing imports


def test_missing_function(graded):
    # conv_identity, round_trip and errors need unpatchify; the other 3 points do not
    expect(graded, "missing_function", 3.0, {"conv_identity": ("missing", "unpatchify"),
                                             "round_trip": ("missing", "unpatchify"),
                                             "errors": ("missing", "unpatchify")})


def test_wrong_signature(graded):
    # num_patches(height, width): both num_patches checks and errors' first call lose
    expect(graded, "wrong_signature", 3.5, {
        "num_patches_known": ("error", "TypeError"), "num_patches_drawn": ("error", "TypeError"),
        "errors": ("failed", "TypeError")})


def test_numpy_output(graded):
    # an ndarray is not a tensor; round_trip still passes (the array goes back as a tensor)
    lost = {c: ("failed", "should be a torch.Tensor, got numpy.ndarray")
            for c in ("shapes", "arange_values", "conv_identity")}
    expect(graded, "numpy_output", 3.5, lost)


def test_nan_output(graded):
    # every check that looks at patchify's values sees the NaN
    lost = {c: ("failed", "non-finite") for c in ("shapes", "arange_values", "conv_identity",
                                                  "round_trip")}
    expect(graded, "nan_output", 2.5, lost)


def test_wrong_dtype_int(graded):
    lost = {c: ("failed", "floating-point") for c in ("shapes", "arange_values", "conv_identity",
                                                      "round_trip")}
    expect(graded, "wrong_dtype_int", 2.5, lost)


def test_wrong_dtype_float64(graded):
    expect(graded, "wrong_dtype_float64", 6.0)  # float64 holds the values exactly


def test_wrong_shape(graded):
    # (B, C*P*P, N): shape checks fail; unpatchify refuses it in round_trip
    expect(graded, "wrong_shape", 2.5, {
        "shapes": ("failed", "should have shape"), "arange_values": ("failed", "should have shape"),
        "conv_identity": ("failed", "should have shape"), "round_trip": ("error", "ValueError")})


def test_exception_at_import(graded):
    expect(graded, "exception_at_import", 0.0, every("error", ("failed to import", "boom")))


def test_infinite_recursion(graded):
    lost = {c: ("error", "RecursionError") for c in ("shapes", "arange_values", "conv_identity",
                                                     "round_trip")}
    lost["errors"] = ("failed", "RecursionError")  # not the ValueError asked for
    expect(graded, "infinite_recursion", 1.5, lost)


def test_generator_return(graded):
    # a generator function returns a generator (not data) and never raises
    expect(graded, "generator_return", 3.5, {
        "num_patches_known": ("failed", "generator"), "num_patches_drawn": ("failed", "generator"),
        "errors": ("failed", "generator")})


def test_delete_module_at_import(graded):
    # plain Python cannot import a module that removes itself from sys.modules either
    expect(graded, "delete_module_at_import", 0.0, every("error", "failed to import"))


def test_delete_module_in_function(graded):
    expect(graded, "delete_module_in_function", 6.0)  # the grader holds the module object


# -- ending the process -----------------------------------------------------------------------
def test_sys_exit_at_import(graded):
    expect(graded, "sys_exit_at_import", 0.0, every("error", "SystemExit"))


def test_exit_at_import(graded):
    # the fake score printed before os._exit(0) is only output: nothing is scored from it
    expect(graded, "exit_at_import", 0.0, every("error", "exited with code 0"))


def test_exit_in_function(graded):
    # unpatchify exits: conv_identity (hidden, first to call it) and round_trip crash, each
    # on a fresh worker; errors calls it last and fails
    expect(graded, "exit_in_function", 3.0, {"conv_identity": ("error", "exited with code 0"),
                                             "round_trip": ("error", "exited with code 0"),
                                             "errors": ("failed", "")})


def test_crash_then_honest_check(graded):
    r = recorded(graded, "crash_then_honest_check")
    got = _checks(r)
    assert got["num_patches_known"].status == "passed", _show(r)
    assert got["num_patches_drawn"].status == "error", _show(r)
    assert "exited with code 0" in got["num_patches_drawn"].message, _show(r)
    for cid in ("arange_values", "conv_identity", "round_trip", "errors"):
        assert got[cid].status == "passed", _show(r)


def test_crash_does_not_cost_the_next_check(graded):
    # honest score 5.5: only num_patches_drawn touches the crash; shapes (patchify) must pass
    expect(graded, "crash_then_honest_check", 5.5,
           {"num_patches_drawn": ("error", "exited with code 0")})


def test_keyboard_interrupt(graded):
    # the worker re-raises KeyboardInterrupt and dies (exit 70): num_patches never answers
    expect(graded, "keyboard_interrupt", 3.5, {
        "num_patches_known": ("error", "exited with code 70"), "num_patches_drawn": ("error", ""),
        "errors": ("failed", "exited with code 70")})


def test_fake_timeout(graded):
    # raising the engine's own SubmissionTimeout is a crash, never a 'timeout' status
    expect(graded, "fake_timeout", 3.5, {
        "num_patches_known": ("error", "exited with code 70"), "num_patches_drawn": ("error", ""),
        "errors": ("failed", "exited with code 70")})


def test_close_protocol_fds(graded):
    expect(graded, "close_protocol_fds", 0.0, every("error", "exited with code"))


def test_kill_parent(graded):
    # kill(ppid), kill(1), kill(-1) as the slot uid reach nothing that matters; it was graded
    # FIRST, and every other case in the batch is still graded as its own test asserts
    expect(graded, "kill_parent", 6.0)
    assert graded.results["honest"].score == 6.0


# -- time -------------------------------------------------------------------------------------
def test_busy_loop(graded):
    # only errors' last call spins; the timeout cuts it (budget: at most BUDGET s)
    expect(graded, "busy_loop", 5.0, {"errors": ("timeout", "took longer than")})


def test_sleep(graded):
    expect(graded, "sleep", 5.0, {"errors": ("timeout", "took longer than")})


def test_sleep_at_import(graded):
    r = expect(graded, "sleep_at_import", 0.0, every("timeout", ""))
    for c in r.checks():  # cut by the import's timeout, or not run: the budget is spent
        assert "took longer than" in c.message or "time budget" in c.message, _show(r)


def test_sleep_at_import_respects_the_budget(graded):
    r = graded.result("sleep_at_import")  # it sleeps 18 s at import
    assert r.seconds <= BUDGET + 5, f"{r.seconds:.1f} s for a budget of {BUDGET:g} s"


# -- memory, processes, files ------------------------------------------------------------------
def test_memory_6gib(graded):
    # one 6 GiB request is refused (RLIMIT_DATA 4 GiB): patchify raises the allocator's error
    lost = {c: ("error", "allocate memory") for c in ("shapes", "arange_values", "conv_identity",
                                                      "round_trip")}
    lost["errors"] = ("failed", "allocate memory")
    expect(graded, "memory_6gib", 1.5, lost)


def test_expand_view_6gib(graded):
    # the reply needs a real copy of the 6 GiB view: refused in the worker, reported as an error
    lost = {c: ("error", "allocate memory") for c in ("shapes", "arange_values", "conv_identity",
                                                      "round_trip")}
    expect(graded, "expand_view_6gib", 2.5, lost)


def test_fork_bomb(graded):
    expect(graded, "fork_bomb", 6.0)  # contained by the process limit; the code is right


def test_fork_bomb_children_are_killed(graded):
    # they share the worker's process group: killpg reaches them
    left = [p for p in graded.survivors if p[2] == "hx-fork_bomb"]
    assert not left, f"{len(left)} fork-bomb children still running: {left[:3]}"


def test_thread_bomb(graded):
    expect(graded, "thread_bomb", 6.0)


def test_setsid_daemon(graded):
    expect(graded, "setsid_daemon", 6.0)


def test_setsid_daemon_is_killed(graded):
    left = [p for p in graded.survivors if p[2] == "hx-setsid"]
    assert not left, f"the daemon is still running: {left}"


def test_fd_exhaustion(graded):
    expect(graded, "fd_exhaustion", 6.0)


def test_stdout_flood_import(graded):
    expect(graded, "stdout_flood_import", 6.0)  # capped; the submission ignores the error


def test_stdout_flood_function(graded):
    expect(graded, "stdout_flood_function", 3.5, {
        "num_patches_known": ("error", "File too large"),
        "num_patches_drawn": ("error", "File too large"),
        "errors": ("failed", "File too large")})


def test_output_tail_is_kept_and_bounded(graded):
    out = graded.result("stdout_flood_import").output
    assert "flood" in out and len(out) <= 2100, f"output tail: {out[:200]!r} ({len(out)} chars)"


def test_fake_results(graded):
    expect(graded, "fake_results", 6.0)
    # the real documents stand: full check lists, the real scores, nothing planted
    for name in ("fake_results", "honest"):
        doc = graded.json_docs[name]
        assert doc["exercises"] and len(doc["exercises"][0]["checks"]) == len(CHECKS)
        assert doc["score"] == graded.results[name].score
    assert "planted.json" not in graded.files


def test_tamper_engine(graded):
    expect(graded, "tamper_engine", 6.0)
    changed = {t for t in graded.tamper_before
               if graded.tamper_before[t] != graded.tamper_after[t]}
    assert not changed, f"changed on disk by a submission: {changed}"


# -- secrets --------------------------------------------------------------------------------------
def test_read_reference(graded):
    # the WRONG code keeps its 3/6: the reference and checks were not readable anywhere
    expect(graded, "read_reference", 3.0, {
        "arange_values": ("failed", "patches"), "conv_identity": ("failed", "differs"),
        "round_trip": ("failed", "differs")})


def test_subprocess_read_reference(graded):
    expect(graded, "subprocess_read_reference", 3.0, {
        "arange_values": ("failed", "patches"), "conv_identity": ("failed", "differs"),
        "round_trip": ("failed", "differs")})


def test_symlink_to_reference(graded):
    # a symlinked exercise file is not copied into the sandbox: the file is missing
    expect(graded, "symlink_to_reference", 0.0, every("missing", "no file ex11_patchify.py"))


def test_symlink_dir(graded):
    expect(graded, "symlink_dir", 3.0, {
        "arange_values": ("failed", "patches"), "conv_identity": ("failed", "differs"),
        "round_trip": ("failed", "differs")})


def test_read_shadow(graded):
    expect(graded, "read_shadow", 6.0)  # it raises at import if /etc/shadow was readable


def test_proc_secrets(graded):
    expect(graded, "proc_secrets", 6.0)  # it raises if it saw the canary or another's memory


def test_network(graded):
    expect(graded, "network", 6.0)  # it raises if a connection got through
    assert graded.connections == [], f"the sandbox reached the host: {graded.connections}"


# -- lying and patching ------------------------------------------------------------------------
def test_eq_always_true(graded):
    expect(graded, "eq_always_true", 4.5, {
        "num_patches_known": ("failed", "got an object of type ex11_patchify.Anything"),
        "num_patches_drawn": ("failed", "got an object of type")})


def test_lying_tensor(graded):
    # only data crosses: the subclass arrives as plain zeros of the right shape
    expect(graded, "lying_tensor", 3.0, {
        "arange_values": ("failed", "expected"), "conv_identity": ("failed", "differs"),
        "round_trip": ("failed", "differs")})


def test_monkeypatch_torch(graded):
    # the WRONG code keeps its 3/6: patched torch/numpy/F live only in the sandbox
    expect(graded, "monkeypatch_torch", 3.0, {
        "arange_values": ("failed", "patches"), "conv_identity": ("failed", "differs"),
        "round_trip": ("failed", "differs")})


def test_patch_builtins(graded):
    lost = {c: (("error", "failed"), "") for c in ("shapes", "arange_values", "conv_identity",
                                                   "round_trip")}
    expect(graded, "patch_builtins", 2.5, lost)


def test_pickle_forgery(graded):
    expect(graded, "pickle_forgery", 4.5, {
        "num_patches_known": ("error", "unreadable reply"),
        "num_patches_drawn": ("error", "unreadable reply")})
    assert not graded.pickle_marker, "the forged pickle ran code in the grader"


def test_huge_tensor(graded):
    expect(graded, "huge_tensor", 4.5, {
        "num_patches_known": ("error", "byte limit"), "num_patches_drawn": ("error", "")})


def test_huge_tensor_deflated(graded):
    expect(graded, "huge_tensor_deflated", 4.5, {
        "num_patches_known": (("error", "failed"), ""),
        "num_patches_drawn": (("error", "failed"), "")})


def test_huge_tensor_deflated_is_refused(graded):
    r = graded.result("huge_tensor_deflated")
    c = _checks(r)["num_patches_known"]
    assert c.status == "error" and "compressed records" in c.message, _show(r)


# -- zips ----------------------------------------------------------------------------------------
def test_zip_good(graded):
    expect(graded, "zip_good", 6.0)  # one top folder and __MACOSX: graded normally


@pytest.mark.parametrize("name, reason", [
    ("zip_traversal", "points outside the archive"),
    ("zip_absolute", "points outside the archive"),
    ("zip_backslash", "points outside the archive"),
    ("zip_symlink", "symbolic link"),
    ("zip_bomb", "zip bomb"),
    ("zip_too_big", "bytes unpacked, over"),
    ("zip_too_many", "more than the 200 allowed"),
    ("zip_corrupt", "not a readable zip"),
])
def test_zip_refused(graded, name, reason):
    expect(graded, name, 0.0, every("error", ("refused", reason)))
    assert graded.results[name].sandbox == {}  # nothing ran


def _small_batch(tmp_path, *entries, jobs=1) -> batch.Summary:
    return batch.main(paths=[str(e) for e in entries],
                      assignment=Assignment.load(ROOT / "assignments" / "ch30"),
                      output=tmp_path / "results", jobs=jobs,
                      options=batch.Options(exercises=["ex11"], budget=BUDGET))


def _honest_folder(tmp_path) -> Path:
    d = tmp_path / "bystander"
    d.mkdir()
    shutil.copy(HOSTILE / "honest" / "ex11_patchify.py", d)
    return d


def test_zip_bad_crc_is_refused_and_the_batch_goes_on(tmp_path):
    bad = zip_with_bad_crc(tmp_path / "zip_bad_crc.zip")
    summary = _small_batch(tmp_path, bad, _honest_folder(tmp_path))
    got = {r.submission: r for r in summary.results}
    assert got["bystander"].score == 6.0
    assert all("refused" in c.message for c in got["zip_bad_crc"].checks())


def test_zip_member_under_a_file_is_refused_and_the_batch_goes_on(tmp_path):
    bad = _zip(tmp_path / "zip_clash.zip", [(_info("ex11_patchify.py"), honest_code().encode()),
                                            (_info("notes"), b"x"), (_info("notes/a.txt"), b"y")])
    summary = _small_batch(tmp_path, bad, _honest_folder(tmp_path))
    got = {r.submission: r for r in summary.results}
    assert got["bystander"].score == 6.0
    assert all("refused" in c.message for c in got["zip_clash"].checks())


# -- the grader's own files in the working folder -------------------------------------------
def test_layers_json_dev_zero(graded):
    """The layers now travel in the child's first message, so there is no grader file
    in the working folder to replace: the attack finds nothing and fails at import."""
    r = recorded(graded, "layers_json_dev_zero")
    got = _checks(r)
    assert got["num_patches_known"].status == "error", _show(r)
    assert "failed to import" in got["num_patches_known"].message, _show(r)
    assert r.sandbox and all(r.sandbox.values()), _show(r)


def test_layers_json_symlink_is_not_followed(graded):
    r = graded.result("layers_json_dev_zero")
    bad = [c for c in r.checks()
           if "MemoryError" in c.message or "could not evaluate" in c.message]
    assert not bad, _show(r)


# -- many submissions named one by one -----------------------------------------------------------
def test_many_submission_paths(tmp_path):
    many = tmp_path / "submissions"
    many.mkdir()
    real = _honest_folder(many)
    for i in range(1400):  # empty submissions (no worker is started for them)
        (many / f"student_with_a_long_identifier_{i:05d}").mkdir()
    paths = [real] + sorted(p for p in many.iterdir() if p != real)
    summary = batch.main(paths=[str(p) for p in paths],
                         assignment=Assignment.load(ROOT / "assignments" / "ch30"), output=None,
                         jobs=1, options=batch.Options(exercises=["ex11"], budget=BUDGET))
    got = {r.submission: r for r in summary.results}
    assert got["bystander"].score == 6.0
