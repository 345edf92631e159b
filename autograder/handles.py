"""``Handle``: how a check reaches an object that lives with the submission.

A handle is all a check ever holds of the submission: the module (``sub``), or an
object a call returned (a model, an optimiser). Attribute access builds a path lazily
(``sub.ViTEncoder``, ``vit.pos_embed``) and calling sends the call with data:

    vit = sub.ViTEncoder(image_size=32, patch_size=4)   # a handle to the module
    out = vit(images)                                  # a tensor, by value
    pe = fetch(vit.pos_embed)                          # attribute data, by value
    assign(vit.pos_embed, torch.zeros_like(pe))        # set a parameter
    ps = parameters(vit)                               # {name: {"value", "requires_grad"}}
    g = gradients(sub.clip_loss, img, txt, wrt=(0, 1)) # output and gradients

The same functions work whether the object is in this process (``LocalBackend``) or
in a sandboxed worker (``ProcessBackend``): checks cannot tell, and must not try. The
handle's own operations are module-level functions so that they can never collide
with a name in the student's code.
"""
from __future__ import annotations


class Handle:
    __slots__ = ("_backend", "_oid", "_path", "_type", "_generation")

    def __init__(self, backend, oid: int, type_name: str, path: str = "", generation: int = 0):
        object.__setattr__(self, "_backend", backend)
        object.__setattr__(self, "_oid", oid)
        object.__setattr__(self, "_path", path)
        object.__setattr__(self, "_type", type_name)
        object.__setattr__(self, "_generation", generation)

    def __getattr__(self, name: str) -> "Handle":
        if name.startswith("__"):
            raise AttributeError(name)
        path = f"{self._path}.{name}" if self._path else name
        return Handle(self._backend, self._oid, self._type, path, self._generation)

    def __setattr__(self, name, value):
        raise AttributeError("use autograder.assign(handle.attr, value) to set an attribute")

    def __call__(self, *args, **kwargs):
        return self._backend.request(self, "call", args=list(args), kwargs=kwargs)

    def __repr__(self):
        where = f".{self._path}" if self._path else ""
        return f"<{self._type}{where}>"

    def __bool__(self):
        return True


def fetch(handle: Handle):
    """The value of an attribute (``fetch(vit.pos_embed)``): data, or a handle if not data."""
    return handle._backend.request(handle, "getattr")


def assign(handle: Handle, value) -> None:
    """Set an attribute; a tensor attribute (a parameter) is overwritten in place."""
    if not handle._path:
        raise ValueError("assign needs an attribute: assign(module.name, value)")
    handle._backend.request(handle, "setattr", value=value)


def parameters(handle: Handle) -> dict:
    """``{name: {"value": tensor, "requires_grad": bool}}`` of an ``nn.Module``, by value."""
    return handle._backend.request(handle, "params")


def gradients(fn: Handle, *args, wrt=(), cotangent=None, params_of=(), **kwargs) -> dict:
    """Call ``fn(*args, **kwargs)`` and differentiate its tensor output.

    ``wrt`` names positional arguments (tensors) to differentiate with respect to;
    ``params_of`` lists module handles whose trainable parameters get gradients too.
    ``cotangent`` (same shape as the output) weights the output; ones by default.
    Returns ``{"output", "input_grads": [tensor|None, ...], "param_grads":
    [{name: tensor|None}, ...]}``; a frozen parameter's gradient is ``None``.
    """
    return fn._backend.request(fn, "grad", args=list(args), kwargs=kwargs, wrt=list(wrt),
                               cotangent=cotangent, params_of=list(params_of))


def type_name(handle: Handle) -> str:
    """The type of the object the handle's root names (``"ex15_projector.Projector"``)."""
    return handle._type


def is_handle(value) -> bool:
    return type(value) is Handle
