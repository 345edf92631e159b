"""mmkit: the course kit for Chapter 30 (multimodal LLMs).

A deterministic synthetic shapes world (scenes, captions, question/answer pairs), a word
tokenizer over its fixed vocabulary, and a tiny CLIP pretrained on it, with its weights
shipped here and the script that reproduces them (`python -m mmkit.train_clip`).
Nothing in the kit touches a network.

Shapes: images (B, 3, H, W) with H = W = IMAGE_SIZE = 32; models cut PATCH_SIZE = 4
patches, so N = 64 patch tokens.
"""

from . import probes  # TableCLIP & co.: CLIP stand-ins with chosen embeddings (written for ex14)
from .clip import CLIPConfig, TinyCLIP
from .data import caption_batches, classification_set, qa_batches, qa_eval_set
from .grammar import CATEGORIES
from .tokenizer import WordTokenizer, get_tokenizer
from .weights import WeightsIntegrityError, load_clip
from .world import IMAGE_SIZE, PATCH_SIZE, Scene, render, sample_scene

# ---------------------------------------------------------------------------------------
# TinyLM goes here: `from .lm import LMConfig, TinyLM` and `from .weights import load_lm`
# (a causal LM over the same tokenizer: embed(input_ids) -> (B, T, D),
# forward_embeds(embeds) -> (B, L, V), `.dim`, `.vocab_size`), plus their names in
# __all__. Not built yet: `mmkit.load_lm` does not exist until then.
# ---------------------------------------------------------------------------------------

__all__ = [
    "CATEGORIES",
    "CLIPConfig",
    "IMAGE_SIZE",
    "PATCH_SIZE",
    "Scene",
    "TinyCLIP",
    "WeightsIntegrityError",
    "WordTokenizer",
    "caption_batches",
    "classification_set",
    "get_tokenizer",
    "load_clip",
    "probes",
    "qa_batches",
    "qa_eval_set",
    "render",
    "sample_scene",
]
