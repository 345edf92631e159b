"""The operations a grader may perform on a submission, executed on the submission's side.

An ``ObjectTable`` holds the objects a submission made (modules it returned, models
the kit built) under integer ids and answers requests that are plain dicts:

    {"op": "import", "module": "ex13_clip_loss"}
    {"op": "call", "obj": 1, "path": "clip_loss", "args": [...], "kwargs": {...}}
    {"op": "getattr", "obj": 2, "path": "pos_embed"}
    {"op": "setattr", "obj": 2, "path": "pos_embed", "value": tensor}
    {"op": "params", "obj": 2, "path": ""}
    {"op": "grad", "obj": 1, "path": "clip_loss", "args": [...], "wrt": [0, 1],
     "cotangent": None, "params_of": [handle, ...]}
    {"op": "release", "ids": [3, 4]}

Replies are ``{"ok": True, "value": data}`` or ``{"ok": False, "kind": "missing" |
"import" | "error", "message": str, "types": [...], "where": str}``. The same table
serves the in-process backend and the worker process, so a check sees one behaviour.
"""
from __future__ import annotations

import importlib
import sys
import traceback

import torch

from .errors import SubmissionTimeout
from .values import decode_request, encode, type_name

MAX_MESSAGE = 2000


class MissingName(Exception):
    pass


class ImportFailed(Exception):
    pass


def _resolve(obj, path: str, root_is_module: bool):
    for part in filter(None, path.split(".")):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            if root_is_module:
                raise MissingName(f"no name '{path}' is defined") from None
            raise
        root_is_module = False
    return obj


def _where(tb, roots) -> str:
    """The innermost frame of the submission's own files, as 'file.py:line in func'."""
    found = ""
    for frame in traceback.extract_tb(tb):
        if any(frame.filename.startswith(r) for r in roots):
            found = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} in {frame.name}"
    return found


class ObjectTable:
    def __init__(self, submission_roots=()):
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}  # id(obj) -> handle id, so one object has one handle
        self.next_id = 1
        self.roots = tuple(str(r) for r in submission_roots)

    # -- bookkeeping -------------------------------------------------------------
    def register(self, obj) -> int:
        oid = self.ids.get(id(obj))
        if oid is not None and self.objects.get(oid) is obj:
            return oid
        oid, self.next_id = self.next_id, self.next_id + 1
        self.objects[oid], self.ids[id(obj)] = obj, oid
        return oid

    def lookup(self, oid):
        try:
            return self.objects[oid]
        except (KeyError, TypeError):
            raise LookupError(f"no object with handle {oid!r}") from None

    def _target(self, oid, path):
        obj = self.lookup(oid)
        return _resolve(obj, path or "", isinstance(obj, type(sys)))

    # -- the protocol ----------------------------------------------------------
    def execute(self, request: dict) -> dict:
        try:
            op = request.get("op")
            handler = getattr(self, f"op_{op}", None)
            if handler is None:
                raise ValueError(f"unknown operation {op!r}")
            args = {k: v for k, v in request.items() if k != "op"}
            value = handler(**args)
            return {"ok": True, "value": encode(value, self.register)}
        except MissingName as e:
            return {"ok": False, "kind": "missing", "message": str(e)[:MAX_MESSAGE]}
        except ImportFailed as e:
            return {"ok": False, "kind": "import", "message": str(e)[:MAX_MESSAGE]}
        except BaseException as e:  # the submission's own exceptions, SystemExit included
            if isinstance(e, (KeyboardInterrupt, SubmissionTimeout)):
                raise  # the in-process backend's alarm, not the submission's error
            return {
                "ok": False,
                "kind": "error",
                "message": f"{type(e).__name__}: {e}"[:MAX_MESSAGE],
                "types": [c.__name__ for c in type(e).__mro__][:20],
                "where": _where(e.__traceback__, self.roots),
            }

    def op_import(self, module: str):
        try:
            return importlib.import_module(module)
        except ModuleNotFoundError as e:
            if e.name == module:
                raise MissingName(f"no file {module}.py") from None
            raise ImportFailed(f"{module}.py failed to import: {type(e).__name__}: {e}") from None
        except SyntaxError as e:
            raise ImportFailed(
                f"{module}.py has a syntax error on line {e.lineno}: {e.msg}") from None
        except BaseException as e:
            where = _where(e.__traceback__, self.roots)
            raise ImportFailed(
                f"{module}.py failed to import: {type(e).__name__}: {e}"
                + (f" (at {where})" if where else "")) from None

    def op_getattr(self, obj: int, path: str):
        return self._target(obj, path)

    def op_call(self, obj: int, path: str, args=(), kwargs=None):
        fn = self._target(obj, path)
        args = decode_request(list(args), self.lookup)
        kwargs = decode_request(dict(kwargs or {}), self.lookup)
        return fn(*args, **kwargs)

    def op_setattr(self, obj: int, path: str, value):
        *parents, name = path.split(".")
        owner = self._target(obj, ".".join(parents))
        value = decode_request(value, self.lookup)
        current = getattr(owner, name, None)
        if isinstance(current, torch.Tensor) and isinstance(value, torch.Tensor):
            if current.shape != value.shape:
                raise ValueError(
                    f"{path} has shape {tuple(current.shape)}, cannot set {tuple(value.shape)}")
            with torch.no_grad():
                current.copy_(value)
        else:
            setattr(owner, name, value)
        return None

    def op_params(self, obj: int, path: str = ""):
        module = self._target(obj, path)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"expected an nn.Module, got {type_name(module)}")
        return {
            name: {"value": p.detach().clone(), "requires_grad": bool(p.requires_grad)}
            for name, p in module.named_parameters()
        }

    def op_grad(self, obj: int, path: str, args=(), kwargs=None, wrt=(), cotangent=None,
                params_of=()):
        fn = self._target(obj, path)
        args = decode_request(list(args), self.lookup)
        kwargs = decode_request(dict(kwargs or {}), self.lookup)
        modules = decode_request(list(params_of), self.lookup)
        for i in wrt:
            args[i] = args[i].detach().clone().requires_grad_(True)
        named = [(m_i, n, p) for m_i, m in enumerate(modules)
                 for n, p in m.named_parameters() if p.requires_grad]
        out = fn(*args, **kwargs)
        if not isinstance(out, torch.Tensor):
            raise TypeError(f"expected a tensor output to differentiate, got {type_name(out)}")
        leaves = [args[i] for i in wrt] + [p for _, _, p in named]
        grads = [None] * len(leaves)
        if out.requires_grad and leaves:
            cot = torch.ones_like(out) if cotangent is None else cotangent.to(out.dtype)
            grads = torch.autograd.grad(out, leaves, cot, allow_unused=True)
        input_grads = list(grads[: len(wrt)])
        param_grads = [dict() for _ in modules]
        for (m_i, name, _), g in zip(named, grads[len(wrt):]):
            param_grads[m_i][name] = g
        for m_i, m in enumerate(modules):  # frozen parameters get no gradient
            for name, p in m.named_parameters():
                param_grads[m_i].setdefault(name, None)
        return {"output": out, "input_grads": input_grads, "param_grads": param_grads}

    def op_release(self, ids=()):
        for oid in ids:
            obj = self.objects.pop(oid, None)
            if obj is not None:
                self.ids.pop(id(obj), None)
        return None

    def op_ping(self):
        return "pong"
