"""Loading the kit's pretrained weights: local files only, checked against manifest.json."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import torch

from .clip import CLIPConfig, TinyCLIP
from .lm import LMConfig, TinyLM

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
DEFAULT_WEIGHTS = WEIGHTS_DIR / "tiny_clip.pt"
DEFAULT_LM_WEIGHTS = WEIGHTS_DIR / "tiny_lm.pt"
MANIFEST_NAME = "manifest.json"


class WeightsIntegrityError(RuntimeError):
    """A weights file is missing, or its sha256 differs from the manifest's."""


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def manifest_entry(key: str, manifest_path: Path) -> dict:
    """The manifest's record for one model ("tiny_clip", "tiny_lm")."""
    if not manifest_path.exists():
        raise WeightsIntegrityError(
            f"no manifest at {manifest_path}; re-install mmkit or rerun its training script"
        )
    manifest = json.loads(manifest_path.read_text())
    if key not in manifest:
        raise WeightsIntegrityError(f"{manifest_path} has no entry {key!r} (it has {sorted(manifest)})")
    return manifest[key]


def verified_state_dict(key: str, weights_path: Path, manifest_path: Path) -> tuple[dict, dict]:
    """(state_dict, manifest entry) after checking the file's sha256 against the manifest."""
    entry = manifest_entry(key, manifest_path)
    if not weights_path.exists():
        raise WeightsIntegrityError(f"weights file {weights_path} not found")
    got = sha256_of(weights_path)
    if got != entry["sha256"]:
        raise WeightsIntegrityError(
            f"sha256 of {weights_path} is {got}, but {manifest_path} expects {entry['sha256']}: "
            "the file is corrupt or from another build; re-install mmkit or rerun its training script"
        )
    state = torch.load(weights_path, map_location="cpu", weights_only=True)
    return state, entry


def load_clip(
    weights_path: str | Path | None = None, *, manifest_path: str | Path | None = None
) -> TinyCLIP:
    """A fresh pretrained TinyCLIP in eval mode (parameters still require grad).

    Args:
        weights_path: the state_dict file; default the one shipped in `mmkit/weights/`.
        manifest_path: the manifest holding its sha256; default `manifest.json` beside it.
    Raises:
        WeightsIntegrityError: the file is missing or its sha256 is not the manifest's.
    """
    weights_path = Path(weights_path) if weights_path is not None else DEFAULT_WEIGHTS
    if manifest_path is None:
        manifest_path = weights_path.parent / MANIFEST_NAME
    state, entry = verified_state_dict("tiny_clip", weights_path, Path(manifest_path))
    known = {f.name for f in dataclasses.fields(CLIPConfig)}
    model = TinyCLIP(CLIPConfig(**{k: v for k, v in entry["config"].items() if k in known}))
    model.load_state_dict(state)
    return model.eval()


def load_lm(
    weights_path: str | Path | None = None, *, manifest_path: str | Path | None = None
) -> TinyLM:
    """A fresh pretrained TinyLM in eval mode (parameters still require grad).

    Args:
        weights_path: the state_dict file; default the one shipped in `mmkit/weights/`.
        manifest_path: the manifest holding its sha256; default `manifest.json` beside it.
    Raises:
        WeightsIntegrityError: the file is missing or its sha256 is not the manifest's.
    """
    weights_path = Path(weights_path) if weights_path is not None else DEFAULT_LM_WEIGHTS
    if manifest_path is None:
        manifest_path = weights_path.parent / MANIFEST_NAME
    state, entry = verified_state_dict("tiny_lm", weights_path, Path(manifest_path))
    known = {f.name for f in dataclasses.fields(LMConfig)}
    model = TinyLM(LMConfig(**{k: v for k, v in entry["config"].items() if k in known}))
    model.load_state_dict(state)
    return model.eval()
