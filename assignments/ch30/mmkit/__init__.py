"""mmkit: the course kit for Chapter 30 (multimodal LLMs).

A deterministic synthetic shapes world (scenes, captions, question/answer pairs), a word
tokenizer over its fixed vocabulary, and two tiny models pretrained on it, with their
weights shipped here and the scripts that reproduce them: TinyCLIP
(`python -m mmkit.train_clip`) and the causal language model TinyLM
(`python -m mmkit.train_lm`).
Nothing in the kit touches a network.

Shapes: images (B, 3, H, W) with H = W = IMAGE_SIZE = 32; models cut PATCH_SIZE = 4
patches, so N = 64 patch tokens.
"""

from . import probes  # TableCLIP & co.: CLIP stand-ins with chosen embeddings (written for ex14)
from .clip import CLIPConfig, TinyCLIP
from .data import caption_batches, classification_set, qa_batches, qa_eval_set
from .grammar import CATEGORIES
from .lm import LMConfig, TinyLM
from .tokenizer import WordTokenizer, get_tokenizer
from .weights import WeightsIntegrityError, load_clip, load_lm
from .world import IMAGE_SIZE, PATCH_SIZE, Scene, render, sample_scene

__all__ = [
    "CATEGORIES",
    "CLIPConfig",
    "IMAGE_SIZE",
    "LMConfig",
    "PATCH_SIZE",
    "Scene",
    "TinyCLIP",
    "TinyLM",
    "WeightsIntegrityError",
    "WordTokenizer",
    "caption_batches",
    "classification_set",
    "get_tokenizer",
    "load_clip",
    "load_lm",
    "probes",
    "qa_batches",
    "qa_eval_set",
    "render",
    "sample_scene",
]
