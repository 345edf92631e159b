"""A word-level tokenizer over the shapes world's fixed vocabulary.

Ids 0-3 are the specials `<pad>`, `<bos>`, `<eos>`, `<unk>`; then one id per word of
`grammar.WORDS`. `encode` gives word ids only (no specials); callers add `bos`/`eos`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import torch

from .grammar import WORDS

SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
_PUNCTUATION = re.compile(r"[?.,!;:]")


class WordTokenizer:
    """Maps text to word ids and back.

    Attributes:
        pad_id, bos_id, eos_id, unk_id: the special ids (0, 1, 2, 3).
        vocab_size: V, the number of ids (specials included).
        vocab: list of V strings, `vocab[i]` the token with id i.
    """

    def __init__(self, words: Iterable[str] = WORDS):
        self.vocab = list(SPECIALS) + [w for w in dict.fromkeys(words) if w not in SPECIALS]
        self._ids = {w: i for i, w in enumerate(self.vocab)}
        self.pad_id, self.bos_id, self.eos_id, self.unk_id = range(4)
        self.vocab_size = len(self.vocab)

    def encode(self, text: str) -> list[int]:
        """Word ids of `text`: lower-cased, `? . , ! ; :` dropped, unknown words -> unk_id."""
        words = _PUNCTUATION.sub(" ", text.lower()).split()
        return [self._ids.get(w, self.unk_id) for w in words]

    def decode(self, ids: Iterable[int] | torch.Tensor) -> str:
        """Words of `ids` (a list or 1-D tensor) joined by spaces; pad/bos/eos skipped.

        `unk_id`, and any id outside the vocabulary, shows as `<unk>`.
        """
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(f"decode takes a 1-D tensor, got shape {tuple(ids.shape)}")
            ids = ids.tolist()
        skip = (self.pad_id, self.bos_id, self.eos_id)
        words = (self.vocab[i] if 0 <= i < self.vocab_size else "<unk>" for i in ids)
        return " ".join(w for i, w in zip(ids, words) if i not in skip)

    def __len__(self) -> int:
        return self.vocab_size


_SHARED = WordTokenizer()


def get_tokenizer() -> WordTokenizer:
    """The kit's tokenizer (one shared instance; it holds no mutable state worth guarding)."""
    return _SHARED
