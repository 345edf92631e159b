"""What may cross between the grader and a submission: data, and handles to objects.

Data is ``None``, ``bool``, ``int``, ``float``, ``str``, plain ``torch.Tensor`` and
``list``/``tuple``/``dict`` of them. Anything else a submission returns stays where it
was made and comes back as a *handle* marker ``{"__handle__": id, "__type__": name}``;
arrays of other libraries come back as ``{"__foreign__": type, "value": tensor}`` so a
check can say "expected a torch.Tensor, got numpy.ndarray" and still show the values.

``encode``/``decode_request`` run on the submission's side; ``accept`` runs in the
trusted process and is the only way a reply becomes a value there: it admits exactly
the types above (``type(x) is torch.Tensor``, no subclasses) and bounds size and depth.
"""
from __future__ import annotations

import numbers

import torch

from .errors import ProtocolError

HANDLE = "__handle__"
TYPE = "__type__"
FOREIGN = "__foreign__"
MAX_DEPTH = 32
MAX_ITEMS = 100_000


def type_name(obj) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"


def plain_tensor(t: torch.Tensor) -> torch.Tensor:
    """A detached, contiguous CPU copy with the plain ``torch.Tensor`` type."""
    with torch.no_grad():
        out = torch.Tensor._make_subclass(torch.Tensor, t.detach().cpu(), False)
        return out.clone().contiguous()


def encode(obj, register, depth: int = 0):
    """Turn a submission's return value into data plus handle markers (submission side)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"value nested deeper than {MAX_DEPTH} levels")
    if obj is None or type(obj) in (bool, int, float, str):
        return obj
    if isinstance(obj, torch.Tensor) and not isinstance(obj, torch.nn.Parameter):
        return plain_tensor(obj)
    if isinstance(obj, torch.nn.Parameter):
        return plain_tensor(obj.data)
    if type(obj) is torch.Size:
        return tuple(int(x) for x in obj)
    if isinstance(obj, numbers.Integral) and type(obj).__module__ in ("builtins", "numpy"):
        return int(obj)
    if isinstance(obj, numbers.Real) and type(obj).__module__ in ("builtins", "numpy"):
        return float(obj)
    if type(obj) in (list, tuple):
        items = [encode(x, register, depth + 1) for x in obj]
        return items if type(obj) is list else tuple(items)
    if type(obj) is dict and all(type(k) in (str, int) for k in obj):
        return {k: encode(v, register, depth + 1) for k, v in obj.items()}
    if type(obj).__module__ == "numpy" and hasattr(obj, "shape"):
        try:
            return {FOREIGN: type_name(obj), "value": torch.as_tensor(obj.copy())}
        except Exception:  # object arrays and the like stay remote
            pass
    return {HANDLE: register(obj), TYPE: type_name(obj)}


def decode_request(data, lookup, depth: int = 0):
    """Replace handle markers in a request by the objects they name (submission side)."""
    if depth > MAX_DEPTH:
        raise ValueError("request nested too deep")
    if isinstance(data, dict):
        if HANDLE in data:
            return lookup(data[HANDLE])
        return {k: decode_request(v, lookup, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [decode_request(x, lookup, depth + 1) for x in data]
    if isinstance(data, tuple):
        return tuple(decode_request(x, lookup, depth + 1) for x in data)
    if isinstance(data, torch.Tensor):
        return data.clone()  # the submission may modify its inputs in place
    return data


class Foreign:
    """An array of another library (numpy) that a submission returned instead of a tensor."""

    def __init__(self, type_name: str, value: torch.Tensor):
        self.type_name = type_name
        self.value = value

    def __repr__(self):
        return f"<{self.type_name} of shape {tuple(self.value.shape)}>"


def accept(data, make_handle, *, _depth: int = 0, _count=None):
    """Validate a reply from the submission's side and build the grader's value (trusted)."""
    count = _count if _count is not None else [0]
    count[0] += 1
    if count[0] > MAX_ITEMS:
        raise ProtocolError(f"reply holds more than {MAX_ITEMS} items")
    if _depth > MAX_DEPTH:
        raise ProtocolError(f"reply nested deeper than {MAX_DEPTH} levels")
    kind = type(data)
    if data is None or kind in (bool, int, float, str):
        return data
    if kind is torch.Tensor:
        if data.layout != torch.strided or data.device.type != "cpu":
            raise ProtocolError("reply holds a tensor that is not a dense CPU tensor")
        return data.detach()
    if kind in (list, tuple):
        items = [accept(x, make_handle, _depth=_depth + 1, _count=count) for x in data]
        return items if kind is list else tuple(items)
    if kind is dict:
        if HANDLE in data:
            oid, tname = data.get(HANDLE), data.get(TYPE, "object")
            if type(oid) is not int or type(tname) is not str:
                raise ProtocolError("malformed handle in reply")
            return make_handle(oid, tname)
        if FOREIGN in data:
            value = data.get("value")
            if type(value) is not torch.Tensor or type(data[FOREIGN]) is not str:
                raise ProtocolError("malformed array in reply")
            return Foreign(data[FOREIGN][:100], value.detach())
        if not all(type(k) in (str, int) for k in data):
            raise ProtocolError("reply holds a dict with keys that are not str or int")
        return {k: accept(v, make_handle, _depth=_depth + 1, _count=count) for k, v in data.items()}
    raise ProtocolError(f"reply holds a value of type {kind.__name__}, which is not data")
