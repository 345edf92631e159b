"""The shapes world: small synthetic RGB scenes of coloured shapes and tiny letters.

A scene is a `Scene` (what is in it) and `render(scene)` turns it into an image
`(3, H, W)`, float32 in [0, 1], on a plain dark background. `sample_scene(rng, ...)`
draws a random scene; every random choice comes from the `random.Random` you pass in,
so a scene is a pure function of its seed.

There are three kinds of scene, one per kind of question the world can ask:

- ``"object"``: one object (big by default, 12-16 px) at a named position
  (left/right/top/bottom/center). Colour, shape and position questions use it.
- ``"many"``: 1-6 identical objects (small by default, 2-4 px, under one 4-px patch).
  Counting questions use it.
- ``"text"``: one white letter from a 5x5 bitmap font, drawn `glyph_size` px tall
  (3 px by default, under one patch). Small-text questions use it.

Sizes and counts are controls of `sample_scene`, so probes can vary fine detail.
Positions, sizes and colours carry continuous jitter and shapes are anti-aliased,
so two different seeds never give the same image.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

IMAGE_SIZE = 32  # scenes are (3, IMAGE_SIZE, IMAGE_SIZE)
PATCH_SIZE = 4  # the kit's models cut 4x4 patches: 8 x 8 = 64 patch tokens

COLORS: dict[str, tuple[float, float, float]] = {
    "red": (0.90, 0.12, 0.12),
    "green": (0.12, 0.78, 0.18),
    "blue": (0.15, 0.30, 0.95),
    "yellow": (0.95, 0.85, 0.10),
    "purple": (0.60, 0.15, 0.80),
    "cyan": (0.10, 0.85, 0.90),
}
SHAPES = ("circle", "square", "triangle", "cross")
PLURALS = {"circle": "circles", "square": "squares", "triangle": "triangles", "cross": "crosses"}
POSITIONS = ("left", "right", "top", "bottom", "center")
# Where a position puts an object's centre, as a fraction of the image side (x, y).
ANCHORS = {
    "left": (0.25, 0.5),
    "right": (0.75, 0.5),
    "top": (0.5, 0.25),
    "bottom": (0.5, 0.75),
    "center": (0.5, 0.5),
}
NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
MAX_COUNT = len(NUMBERS)
SIZE_RANGES = {"big": (12.0, 16.0), "small": (2.0, 4.0)}  # object side in px
SCENE_KINDS = ("object", "many", "text")

# 5x5 bitmap font. "a", "o" and "x" are left out: they read as the article "a",
# a circle and a cross.
FONT: dict[str, tuple[str, ...]] = {
    "e": ("#####", "#....", "####.", "#....", "#####"),
    "f": ("#####", "#....", "####.", "#....", "#...."),
    "h": ("#...#", "#...#", "#####", "#...#", "#...#"),
    "k": ("#...#", "#..#.", "###..", "#..#.", "#...#"),
    "l": ("#....", "#....", "#....", "#....", "#####"),
    "p": ("####.", "#...#", "####.", "#....", "#...."),
    "t": ("#####", "..#..", "..#..", "..#..", "..#.."),
    "z": ("#####", "...#.", "..#..", ".#...", "#####"),
}
LETTERS = tuple(FONT)
DEFAULT_GLYPH_SIZE = 3  # px; under PATCH_SIZE, so one letter sits inside ~one patch


@dataclass(frozen=True)
class SceneObject:
    """One shape. `x`, `y` are its centre in px, `size` its side (or diameter) in px."""

    shape: str
    color: str
    x: float
    y: float
    size: float
    rgb: tuple[float, float, float]  # the colour actually painted (jittered around COLORS)
    position: str | None = None  # the named region it was placed in, if any


@dataclass(frozen=True)
class Glyph:
    """One letter. `x`, `y` are its top-left pixel, `size` its height and width in px."""

    letter: str
    x: int
    y: int
    size: int
    brightness: float


@dataclass(frozen=True)
class Scene:
    """Everything needed to render (and describe) one image."""

    kind: str  # one of SCENE_KINDS
    objects: tuple[SceneObject, ...] = ()  # empty for a text scene
    glyph: Glyph | None = None
    background: float = 0.0  # grey level of the plain background
    image_size: int = IMAGE_SIZE


def size_word(size: float) -> str:
    """'small' for anything under one patch-and-a-half, else 'big'."""
    return "small" if size < 1.5 * PATCH_SIZE else "big"


# ---------------------------------------------------------------------------- sampling


def _pick_size(rng: random.Random, size: str | float) -> float:
    if isinstance(size, str):
        if size not in SIZE_RANGES:
            raise ValueError(f"size must be one of {tuple(SIZE_RANGES)} or px, got {size!r}")
        return rng.uniform(*SIZE_RANGES[size])
    return float(size)


def _jitter_rgb(rng: random.Random, color: str) -> tuple[float, float, float]:
    return tuple(min(1.0, max(0.0, c + rng.uniform(-0.06, 0.06))) for c in COLORS[color])


def _choice(rng: random.Random, value, options, name: str):
    if value is None:
        return rng.choice(options)
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def _sample_object_scene(rng, *, shape, color, position, size, image_size) -> Scene:
    shape = _choice(rng, shape, SHAPES, "shape")
    color = _choice(rng, color, tuple(COLORS), "color")
    position = _choice(rng, position, POSITIONS, "position")
    side = _pick_size(rng, "big" if size is None else size)
    ax, ay = ANCHORS[position]
    lo, hi = side / 2, image_size - side / 2  # keep the whole object inside the image
    x = min(hi, max(lo, ax * image_size + rng.uniform(-2.0, 2.0)))
    y = min(hi, max(lo, ay * image_size + rng.uniform(-2.0, 2.0)))
    obj = SceneObject(shape, color, x, y, side, _jitter_rgb(rng, color), position)
    return Scene("object", (obj,), background=rng.uniform(0.0, 0.08), image_size=image_size)


def _sample_many_scene(rng, *, shape, color, num_objects, size, image_size) -> Scene:
    shape = _choice(rng, shape, SHAPES, "shape")
    color = _choice(rng, color, tuple(COLORS), "color")
    n = rng.randint(1, 6) if num_objects is None else int(num_objects)
    if not 1 <= n <= MAX_COUNT:
        raise ValueError(f"num_objects must be in 1..{MAX_COUNT}, got {n}")
    side = _pick_size(rng, "small" if size is None else size)
    rgb = _jitter_rgb(rng, color)
    gap = side + 2.0  # centres this far apart in x or y: objects never touch
    centres: list[tuple[float, float]] = []
    for _ in range(2000):
        if len(centres) == n:
            break
        c = (rng.uniform(side / 2 + 1, image_size - side / 2 - 1),
             rng.uniform(side / 2 + 1, image_size - side / 2 - 1))
        if all(max(abs(c[0] - o[0]), abs(c[1] - o[1])) >= gap for o in centres):
            centres.append(c)
    if len(centres) < n:
        raise ValueError(f"cannot fit {n} objects of size {side:.1f} px in {image_size} px")
    objs = tuple(SceneObject(shape, color, x, y, side, rgb) for x, y in centres)
    return Scene("many", objs, background=rng.uniform(0.0, 0.08), image_size=image_size)


def _sample_text_scene(rng, *, letter, glyph_size, image_size) -> Scene:
    letter = _choice(rng, letter, LETTERS, "letter")
    s = DEFAULT_GLYPH_SIZE if glyph_size is None else int(glyph_size)
    if not 1 <= s <= image_size - 2:
        raise ValueError(f"glyph_size must be in 1..{image_size - 2} px, got {s}")
    x, y = rng.randint(1, image_size - 1 - s), rng.randint(1, image_size - 1 - s)
    glyph = Glyph(letter, x, y, s, rng.uniform(0.85, 1.0))
    return Scene("text", glyph=glyph, background=rng.uniform(0.0, 0.08), image_size=image_size)


def sample_scene(
    rng: random.Random,
    kind: str | None = None,
    *,
    shape: str | None = None,
    color: str | None = None,
    position: str | None = None,
    num_objects: int | None = None,
    size: str | float | None = None,
    letter: str | None = None,
    glyph_size: int | None = None,
    image_size: int = IMAGE_SIZE,
) -> Scene:
    """Draw a random scene; every control left as None is drawn from `rng`.

    Args:
        rng: the only source of randomness (same state -> same scene).
        kind: "object", "many" or "text" (see the module docstring); None draws one
            (object 60%, many 25%, text 15%).
        shape, color, position: fix an object's attribute (position: "object" only).
        num_objects: how many objects in a "many" scene, 1..9 (default 1..6).
        size: object side, "big" (12-16 px), "small" (2-4 px) or a number of px.
            Defaults: big for "object", small for "many".
        letter, glyph_size: the letter of a "text" scene and its height in px
            (default 3, under the 4-px patch; try 8 or more for a readable one).
        image_size: H = W of the rendered image.
    Returns:
        a `Scene`; `render(scene)` gives its `(3, H, W)` image.
    """
    if kind is None:
        kind = rng.choices(SCENE_KINDS, weights=(0.6, 0.25, 0.15))[0]
    if kind == "object":
        return _sample_object_scene(rng, shape=shape, color=color, position=position,
                                    size=size, image_size=image_size)
    if kind == "many":
        return _sample_many_scene(rng, shape=shape, color=color, num_objects=num_objects,
                                  size=size, image_size=image_size)
    if kind == "text":
        return _sample_text_scene(rng, letter=letter, glyph_size=glyph_size,
                                  image_size=image_size)
    raise ValueError(f"kind must be one of {SCENE_KINDS}, got {kind!r}")


# ---------------------------------------------------------------------------- rendering


def _signed_distance(shape: str, dx: torch.Tensor, dy: torch.Tensor, h: float) -> torch.Tensor:
    """Distance in px to the shape's edge (negative inside); `h` is half the side."""
    if shape == "circle":
        return torch.sqrt(dx**2 + dy**2) - h
    if shape == "square":
        return torch.maximum(dx.abs(), dy.abs()) - h
    if shape == "cross":
        arm = h / 3
        bar_h = torch.maximum(dx.abs() - h, dy.abs() - arm)
        bar_v = torch.maximum(dx.abs() - arm, dy.abs() - h)
        return torch.minimum(bar_h, bar_v)
    if shape == "triangle":  # apex up, base at the bottom: three half-planes
        base = dy - h
        # slanted sides through the apex (0, -h), outward normals (+-2, -1) / sqrt(5)
        left = (-2 * dx - dy - h) / 5**0.5
        right = (2 * dx - dy - h) / 5**0.5
        return torch.maximum(base, torch.maximum(left, right))
    raise ValueError(f"unknown shape {shape!r}; expected one of {SHAPES}")


def _paint(image: torch.Tensor, coverage: torch.Tensor, rgb) -> None:
    colour = torch.tensor(rgb, dtype=image.dtype).view(3, 1, 1)  # (3, 1, 1)
    image.mul_(1 - coverage).add_(coverage * colour)  # (3, H, W)


def glyph_bitmap(letter: str, size: int) -> torch.Tensor:
    """The letter's 5x5 bitmap resampled to `(size, size)` by area averaging."""
    rows = FONT[letter]
    bitmap = torch.tensor([[c == "#" for c in row] for row in rows], dtype=torch.float32)
    return F.interpolate(bitmap[None, None], size=(size, size), mode="area")[0, 0]


def render(scene: Scene) -> torch.Tensor:
    """Render a scene to an image `(3, H, W)`, float32 in [0, 1] (H = W = scene.image_size).

    Shapes are anti-aliased (coverage from a signed distance); rendering is
    deterministic and uses no randomness of its own.
    """
    n = scene.image_size
    image = torch.full((3, n, n), float(scene.background))  # (3, H, W)
    centres = torch.arange(n, dtype=torch.float32) + 0.5  # pixel centres
    for obj in scene.objects:
        dx = centres.view(1, n) - obj.x  # (1, W)
        dy = centres.view(n, 1) - obj.y  # (H, 1)
        sdf = _signed_distance(obj.shape, dx, dy, obj.size / 2)  # (H, W)
        _paint(image, (0.5 - sdf).clamp(0, 1), obj.rgb)
    if scene.glyph is not None:
        g = scene.glyph
        coverage = torch.zeros(n, n)
        coverage[g.y:g.y + g.size, g.x:g.x + g.size] = glyph_bitmap(g.letter, g.size)
        _paint(image, coverage, (g.brightness,) * 3)
    return image.clamp_(0, 1)
