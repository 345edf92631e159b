"""Assertions for checks. Each failure says what was expected, what came back, and a hint.

All of them take values by value (tensors, numbers, lists): what a handle returned.
None of them trusts the submission's objects: a returned value is data (``values``).
"""
from __future__ import annotations

import math

import torch

from .errors import CheckFailed, SubmissionError
from .handles import is_handle, type_name
from .values import Foreign

SHOW = 6  # values shown of a tensor in a message


def _hint(hint: str) -> str:
    return f"; {hint}" if hint else ""


def describe(value) -> str:
    """A short, safe rendering of a value for a message."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().flatten()
        shown = ", ".join(f"{x:.4g}" for x in flat[:SHOW].tolist()) if flat.is_floating_point() \
            else ", ".join(str(x) for x in flat[:SHOW].tolist())
        more = ", ..." if flat.numel() > SHOW else ""
        return f"tensor of shape {tuple(value.shape)} [{shown}{more}]"
    if isinstance(value, Foreign):
        return repr(value)
    if is_handle(value):
        return f"an object of type {type_name(value)}"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def expect(condition: bool, message: str, hint: str = "") -> None:
    if not condition:
        raise CheckFailed(message + _hint(hint))


def expect_tensor(value, *, shape=None, what: str = "the result", floating: bool = True,
                  finite: bool = True, hint: str = "") -> torch.Tensor:
    """``value`` is a plain tensor of ``shape`` (``None`` entries match any size)."""
    if isinstance(value, Foreign):
        raise CheckFailed(f"{what} should be a torch.Tensor, got {value.type_name}"
                          + _hint(hint or "convert with torch.as_tensor, or use torch ops"))
    if not isinstance(value, torch.Tensor):
        raise CheckFailed(f"{what} should be a torch.Tensor, got {describe(value)}" + _hint(hint))
    if shape is not None:
        ok = value.dim() == len(shape) and all(
            s is None or s == v for s, v in zip(shape, value.shape))
        if not ok:
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise CheckFailed(f"{what} should have shape {want}, got {tuple(value.shape)}"
                              + _hint(hint))
    if floating and not value.is_floating_point():
        raise CheckFailed(f"{what} should be a floating-point tensor, got {value.dtype}"
                          + _hint(hint))
    if finite and value.is_floating_point() and not torch.isfinite(value).all():
        bad = (~torch.isfinite(value)).sum().item()
        raise CheckFailed(f"{what} has {bad} non-finite value(s) (NaN or inf)" + _hint(hint))
    return value


def as_number(value, *, what: str = "the result") -> float:
    """A Python number, or a one-element tensor, as a float."""
    if isinstance(value, bool):
        raise CheckFailed(f"{what} should be a number, got a bool")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.detach().reshape(()).item())
    raise CheckFailed(f"{what} should be a number (or a one-element tensor), "
                      f"got {describe(value)}")


def expect_close(got, want, *, atol: float = 1e-5, rtol: float = 1e-4,
                 what: str = "the result", hint: str = "") -> None:
    """``got`` matches ``want`` elementwise within ``atol + rtol * |want|``."""
    want_t = torch.as_tensor(want, dtype=torch.float64)
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        got_t = torch.tensor(float(got), dtype=torch.float64)
    else:
        got_t = expect_tensor(got, what=what, hint=hint).detach().to(torch.float64)
    if got_t.shape != want_t.shape:
        if got_t.numel() == 1 and want_t.numel() == 1:
            got_t = got_t.reshape(want_t.shape)
        else:
            raise CheckFailed(f"{what} should have shape {tuple(want_t.shape)}, got "
                              f"{tuple(got_t.shape)}" + _hint(hint))
    if not torch.isfinite(got_t).all():
        raise CheckFailed(f"{what} has non-finite values: {describe(got_t)}" + _hint(hint))
    err = (got_t - want_t).abs()
    tol = atol + rtol * want_t.abs()
    if bool((err > tol).any()):
        if want_t.numel() == 1:
            raise CheckFailed(f"{what} should be {want_t.item():.6g} (within {atol:g}), "
                              f"got {got_t.item():.6g}" + _hint(hint))
        worst = int(torch.argmax(err - tol))
        raise CheckFailed(
            f"{what} differs from the expected values: max abs difference "
            f"{err.max().item():.3g} (tolerance {atol:g} + {rtol:g}*|expected|); at flat index "
            f"{worst} expected {want_t.flatten()[worst].item():.6g}, got "
            f"{got_t.flatten()[worst].item():.6g}" + _hint(hint))


def expect_equal(got, want, *, what: str = "the result", hint: str = "") -> None:
    """Exact equality of plain data (ints, strings, lists), compared by type and value."""
    if isinstance(want, int) and not isinstance(want, bool):
        if isinstance(got, torch.Tensor) and got.numel() == 1 and not got.is_floating_point():
            got = int(got.item())
        ok = type(got) is int and got == want
    elif isinstance(want, torch.Tensor):
        ok = isinstance(got, torch.Tensor) and got.shape == want.shape and bool((got == want).all())
    else:
        ok = type(got) is type(want) and got == want
    if not ok:
        raise CheckFailed(f"{what} should be {describe(want)}, got {describe(got)}" + _hint(hint))


def expect_raises(exc_name: str, fn, *args, what: str = "", hint: str = "", **kwargs) -> None:
    """Calling ``fn`` with these arguments raises ``exc_name`` (or a subclass of it)."""
    label = what or "the call"
    try:
        result = fn(*args, **kwargs)
    except SubmissionError as e:
        if e.is_a(exc_name):
            return
        if e.is_a("NotImplementedError"):
            raise CheckFailed(f"{label} should raise {exc_name}; it is not implemented yet") from None
        raise CheckFailed(f"{label} should raise {exc_name}; instead {e}" + _hint(hint)) from None
    raise CheckFailed(f"{label} should raise {exc_name}, but it returned {describe(result)}"
                      + _hint(hint))


def is_finite_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
