"""The handle protocol, the same through both backends: what crosses, what cannot."""
import textwrap
import time

import pytest
import torch

from autograder import assign, fetch, gradients, parameters, type_name
from autograder.backends import LocalBackend, ProcessBackend
from autograder.errors import Missing, SubmissionError, SubmissionTimeout, WorkerCrashed, StaleHandle
from autograder.values import Foreign

MODULE = textwrap.dedent('''
    import os, sys
    import numpy as np
    import torch
    from torch import nn

    def add(a, b):
        return a + b

    def boom(x):
        raise ValueError(f"bad value {x}")

    def as_numpy(x):
        return x.numpy() * 2

    def sleepy(seconds):
        import time
        time.sleep(seconds)
        return seconds

    def spin():
        while True:
            pass

    def die():
        print("score: 100/100")
        os._exit(0)

    def shout(n):
        for i in range(n):
            print("x" * 1000)
        return n

    class Liar:
        def __eq__(self, other):
            return True

    def liar():
        return Liar()

    class Lying(torch.Tensor):
        def __eq__(self, other):
            return torch.ones_like(self, dtype=torch.bool)

    def lying_tensor():
        return torch.zeros(3).as_subclass(Lying)

    def mutate(x):
        x.add_(1)
        return x.sum()

    class Net(nn.Module):
        def __init__(self, d=3):
            super().__init__()
            self.lin = nn.Linear(d, d)
            self.frozen = nn.Parameter(torch.ones(d), requires_grad=False)
        def forward(self, x):
            return self.lin(x) * self.frozen
''')


def make_backend(kind, folder, timeout=5):
    (folder / "hostmod.py").write_text(MODULE)
    if kind == "local":
        return LocalBackend(folder, module_names=("hostmod",), timeout=timeout)
    return ProcessBackend(folder, timeout=timeout)


@pytest.fixture(scope="module", params=["local", "process"])
def backend(request, tmp_path_factory):
    """One worker for the tests that leave it usable (a worker start costs ~1.5 s)."""
    b = make_backend(request.param, tmp_path_factory.mktemp(request.param))
    yield b
    b.close()


def test_calls_return_data_by_value(backend):
    sub = backend.import_module("hostmod")
    out = sub.add(torch.ones(2), torch.ones(2))
    assert type(out) is torch.Tensor and out.tolist() == [2.0, 2.0]
    assert sub.add(2, 3) == 5
    assert sub.add("a", "b") == "ab"
    assert sub.add([1], [2]) == [1, 2]


def test_inputs_are_copied(backend):
    sub = backend.import_module("hostmod")
    x = torch.zeros(3)
    assert float(sub.mutate(x)) == 3.0
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_student_exception_carries_its_type(backend):
    sub = backend.import_module("hostmod")
    with pytest.raises(SubmissionError) as info:
        sub.boom(7)
    assert info.value.is_a("ValueError") and info.value.is_a("Exception")
    assert "bad value 7" in str(info.value) and "hostmod.py" in info.value.where


def test_missing_names_and_modules(backend):
    sub = backend.import_module("hostmod")
    with pytest.raises(Missing, match="nope"):
        sub.nope(1)
    with pytest.raises(Missing):
        backend.import_module("not_there_at_all")


def test_numpy_comes_back_marked(backend):
    sub = backend.import_module("hostmod")
    out = sub.as_numpy(torch.ones(2))
    assert isinstance(out, Foreign) and "ndarray" in out.type_name
    assert out.value.tolist() == [2.0, 2.0]


def test_objects_stay_behind_handles(backend):
    sub = backend.import_module("hostmod")
    obj = sub.liar()
    assert type_name(obj).endswith("Liar")
    assert obj != 1  # a handle, not the liar: its __eq__ never runs here
    t = sub.lying_tensor()
    assert type(t) is torch.Tensor and not bool((t == torch.ones(3)).all())


def test_module_operations(backend):
    sub = backend.import_module("hostmod")
    net = sub.Net(3)
    x = torch.randn(4, 3)
    ps = parameters(net)
    assert set(ps) == {"lin.weight", "lin.bias", "frozen"}
    assert ps["frozen"]["requires_grad"] is False
    want = x @ ps["lin.weight"]["value"].T + ps["lin.bias"]["value"]
    assert torch.allclose(net(x), want, atol=1e-6)
    assign(net.frozen, torch.full((3,), 2.0))
    assert torch.equal(fetch(net.frozen), torch.full((3,), 2.0))
    assert fetch(net.training) is True
    net.eval()
    assert fetch(net.training) is False
    g = gradients(net, x, wrt=(0,), params_of=[net])
    assert g["param_grads"][0]["frozen"] is None
    assert torch.allclose(g["param_grads"][0]["lin.bias"], torch.full((3,), 2.0 * 4))
    assert g["input_grads"][0].shape == (4, 3)


def test_grader_torch_is_untouched_by_patching(tmp_path):
    """Only the worker separates the grader from a submission that patches torch."""
    (tmp_path / "patcher.py").write_text(
        "import torch\ntorch.allclose = lambda *a, **k: True\ntorch.equal = lambda *a: True\n"
        "def same(a, b):\n    return torch.allclose(a, b)\n")
    b = ProcessBackend(tmp_path, timeout=30)
    try:
        assert b.import_module("patcher").same(torch.zeros(1), torch.ones(1)) is True
        assert not torch.allclose(torch.zeros(1), torch.ones(1))
        assert not torch.equal(torch.zeros(1), torch.ones(1))
    finally:
        b.close()


@pytest.mark.parametrize("kind", ["local", "process"])
def test_timeout(kind, tmp_path):
    backend = make_backend(kind, tmp_path)
    sub = backend.import_module("hostmod")
    backend.timeout = 0.5
    t0 = time.monotonic()
    with pytest.raises(SubmissionTimeout):
        sub.spin()
    with pytest.raises(SubmissionTimeout, match="not called again"):
        sub.spin()
    assert time.monotonic() - t0 < 10
    backend.close()


def test_process_timeout_restarts_worker(tmp_path):
    (tmp_path / "hostmod.py").write_text(MODULE)
    b = ProcessBackend(tmp_path, timeout=0.5)
    try:
        sub = b.import_module("hostmod")
        with pytest.raises(SubmissionTimeout):
            sub.sleepy(30)
        with pytest.raises(StaleHandle):
            sub.add(1, 2)
        b.timeout = 30
        assert b.import_module("hostmod").add(1, 2) == 3
    finally:
        b.close()


def test_process_exit_is_a_crash_not_a_score(tmp_path):
    (tmp_path / "hostmod.py").write_text(MODULE)
    b = ProcessBackend(tmp_path, timeout=30)
    try:
        sub = b.import_module("hostmod")
        with pytest.raises(WorkerCrashed, match="exited with code 0"):
            sub.die()
        assert "score: 100/100" in b.output_tail()
    finally:
        b.close()


def test_output_flood_is_capped_and_harmless(tmp_path):
    (tmp_path / "hostmod.py").write_text(MODULE)
    b = ProcessBackend(tmp_path, timeout=30, output_cap=64 * 1024)
    try:
        sub = b.import_module("hostmod")
        with pytest.raises(SubmissionError, match="File too large"):
            sub.shout(1000)  # 1 MB of prints against a 64 KiB cap
        assert (b.workdir / "output.txt").stat().st_size <= 64 * 1024
        assert sub.add(1, 1) == 2
    finally:
        b.close()
