"""Probe models: tiny deterministic stand-ins for TinyCLIP whose embeddings you choose.

A probe has TinyCLIP's interface, so code written for `load_clip()` runs on it
unchanged, but every embedding it returns is fixed by whoever built it. That makes
the answer to "what should this code return?" computable by hand, which is what
checks (and your own tests) need.

    table = {"a photo of a cat.": torch.tensor([1.0, 0.0]),
             "a photo of a dog.": torch.tensor([0.0, 3.0])}
    model = TableCLIP(table)
    model.encode_text(["a photo of a dog."])        # tensor([[0., 3.]])
    model.encode_image(torch.tensor([[3.0, 4.0]]))  # tensor([[3., 4.]]): the first D values

Letters: B images, T texts, D the embedding width, F an image's flattened size.

For vision-language models: `EchoLM` (TinyLM's interface; its logits read back the
embeddings it was given) and `LinearProjector` (a one-layer projector).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

SHOWN_PROMPTS = 3  # known prompts quoted in the error for an unknown one


class TableCLIP(nn.Module):
    """A CLIP-like model whose text embeddings come from a table and images pass through.

    - `encode_text(texts)` looks every string up in `text_table` (exact match) and
      stacks the vectors: `(T, D)`, unnormalised, as given. An unknown string raises
      `KeyError` naming it.
    - `encode_image(images)` flattens each image to `F` values and returns
      `flat @ image_proj.T` when `image_proj` `(D, F)` is given, else the first `D`
      values: `(B, D)`, unnormalised. So `(B, D)` "images" are their own embeddings.
    - `logit_scale` is a parameter like TinyCLIP's (`exp()` = 1 / 0.07); it exists so
      that code reading the model's parameters or device works. Nothing here uses it.

    Args:
        text_table: prompt -> `(D,)` float tensor.
        dim: D; required only when `text_table` is empty.
        image_proj: optional `(D, F)` float tensor, a fixed linear image encoder.
    """

    def __init__(self, text_table: Mapping[str, torch.Tensor], *, dim: int | None = None,
                 image_proj: torch.Tensor | None = None):
        super().__init__()
        prompts = list(text_table)
        if not all(isinstance(p, str) for p in prompts):
            raise TypeError("text_table keys must be strings (prompts)")
        vectors = [torch.as_tensor(text_table[p], dtype=torch.float32) for p in prompts]
        if dim is None:
            if not vectors:
                raise ValueError("an empty text_table needs dim=D")
            dim = vectors[0].numel()
        bad = [p for p, v in zip(prompts, vectors) if v.shape != (dim,)]
        if bad:
            raise ValueError(f"every text_table vector must have shape ({dim},); "
                             f"{bad[0]!r} has {tuple(torch.as_tensor(text_table[bad[0]]).shape)}")
        self.dim = dim
        self.prompts = tuple(prompts)
        self._row = {p: i for i, p in enumerate(prompts)}
        table = torch.stack(vectors) if vectors else torch.empty(0, dim)
        self.register_buffer("text_embeddings", table)  # (P, D)
        if image_proj is not None:
            image_proj = torch.as_tensor(image_proj, dtype=torch.float32)
            if image_proj.dim() != 2 or image_proj.shape[0] != dim:
                raise ValueError(f"image_proj must have shape ({dim}, F), got {tuple(image_proj.shape)}")
        self.register_buffer("image_proj", image_proj)  # (D, F) or None
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def encode_text(self, texts: Sequence[str]) -> torch.Tensor:
        """texts: T strings -> `(T, D)`, the table's vectors in order, unnormalised."""
        if isinstance(texts, str):
            raise TypeError("encode_text takes a list of strings, not one string")
        texts = list(texts)
        rows = []
        for text in texts:
            if text not in self._row:
                known = ", ".join(repr(p) for p in self.prompts[:SHOWN_PROMPTS])
                more = ", ..." if len(self.prompts) > SHOWN_PROMPTS else ""
                raise KeyError(f"TableCLIP has no embedding for the prompt {text!r}; it knows "
                               f"{len(self.prompts)} prompts, such as {known}{more}")
            rows.append(self._row[text])
        return self.text_embeddings[torch.tensor(rows, dtype=torch.long)].clone()  # (T, D)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """images `(B, ...)` -> `(B, D)`: `flat @ image_proj.T`, or the first D values of each."""
        if not isinstance(images, torch.Tensor) or images.dim() < 2:
            raise ValueError("encode_image takes a tensor of shape (B, ...) with a batch dimension")
        flat = images.reshape(images.shape[0], -1).to(torch.float32)  # (B, F)
        if self.image_proj is not None:
            if flat.shape[1] != self.image_proj.shape[1]:
                raise ValueError(f"images have {flat.shape[1]} values each; image_proj expects "
                                 f"{self.image_proj.shape[1]}")
            return flat @ self.image_proj.T  # (B, D)
        if flat.shape[1] < self.dim:
            raise ValueError(f"images have {flat.shape[1]} values each; need at least D={self.dim}")
        return flat[:, : self.dim].clone()  # (B, D)

    def forward(self, images: torch.Tensor, texts: Sequence[str]):
        """-> (logits_per_image (B, T), logits_per_text (T, B)), as TinyCLIP's forward."""
        img = F.normalize(self.encode_image(images), dim=-1)  # (B, D)
        txt = F.normalize(self.encode_text(texts), dim=-1)  # (T, D)
        logits_per_image = self.logit_scale.exp() * img @ txt.T  # (B, T)
        return logits_per_image, logits_per_image.T


# ---------------------------------------------------------------------------- VLM parts
# Stand-ins for TinyLM and exercise 15's Projector (written for exercises 16 and 17): a
# VLM assembled from them computes something whose every value is known by hand.


class EchoLM(nn.Module):
    """A "language model" whose logits echo the embeddings it was given.

    It has TinyLM's interface (`embed`, `forward_embeds`, `forward`, `.dim`,
    `.vocab_size`, `.max_len`), so a VLM built for TinyLM runs on it unchanged, but:

    - `embed(input_ids)` looks the ids up in the table it was built with: `(B, T, D)`.
    - `forward_embeds(embeds)` returns `(B, L, V)` whose first D values at each position
      are that position's embedding and whose other V - D values are 0. Each position
      sees only itself, so it is trivially causal, and whoever reads the logits reads
      back exactly the sequence of embeddings the model received.

        lm = EchoLM(torch.eye(3, 2))                          # V = 3 tokens, D = 2
        lm.forward_embeds(torch.tensor([[[5.0, 6.0]]]))       # tensor([[[5., 6., 0.]]])

    Args:
        embedding: `(V, D)` float tensor with V >= D, the token-embedding table (a
            trainable `nn.Embedding` initialised from it).
        max_len: the most positions `forward_embeds` takes.
    """

    def __init__(self, embedding: torch.Tensor, *, max_len: int = 4096):
        super().__init__()
        table = torch.as_tensor(embedding, dtype=torch.float32)
        if table.dim() != 2 or table.shape[0] < table.shape[1]:
            raise ValueError(f"embedding must be (V, D) with V >= D, got {tuple(table.shape)}")
        self.vocab_size, self.dim = table.shape
        self.max_len = max_len
        self.tok_embed = nn.Embedding.from_pretrained(table.clone(), freeze=False)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids `(B, T)` long -> `(B, T, D)`, rows of the table."""
        if input_ids.is_floating_point():
            raise TypeError(f"input_ids must be an integer (long) tensor, got {input_ids.dtype}")
        return self.tok_embed(input_ids)  # (B, T, D)

    def forward_embeds(self, embeds: torch.Tensor) -> torch.Tensor:
        """embeds `(B, L, D)` -> `(B, L, V)`: the embeddings, then V - D zeros, per position."""
        if embeds.dim() != 3 or embeds.shape[-1] != self.dim:
            raise ValueError(f"embeds must be (B, L, {self.dim}), got shape {tuple(embeds.shape)}")
        if embeds.shape[1] > self.max_len:
            raise ValueError(f"Sequence length ({embeds.shape[1]}) exceeds the LM's max_len "
                             f"({self.max_len}).")
        return F.pad(embeds, (0, self.vocab_size - self.dim))  # (B, L, V)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids `(B, T)` -> `(B, T, V)` = `forward_embeds(embed(input_ids))`."""
        return self.forward_embeds(self.embed(input_ids))


class LinearProjector(nn.Module):
    """A one-layer stand-in for exercise 15's Projector: `features @ weight.T + bias`.

    Maps `(B, N, vision_dim)` to `(B, N, llm_dim)` token by token. Trainable; random
    (seeded by the global RNG) unless `weight` `(llm_dim, vision_dim)` and `bias`
    `(llm_dim,)` are given.
    """

    def __init__(self, vision_dim: int, llm_dim: int, *, weight: torch.Tensor | None = None,
                 bias: torch.Tensor | None = None):
        super().__init__()
        self.linear = nn.Linear(vision_dim, llm_dim)
        with torch.no_grad():
            if weight is not None:
                self.linear.weight.copy_(torch.as_tensor(weight, dtype=torch.float32))
            if bias is not None:
                self.linear.bias.copy_(torch.as_tensor(bias, dtype=torch.float32))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.linear(features)  # (B, N, llm_dim)
