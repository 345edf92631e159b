"""TinyCLIP: a small ViT and a small text transformer trained contrastively on the shapes world.

Letters: B images, T texts, N patch tokens, L text tokens, D widths.

    model = TinyCLIP(CLIPConfig())
    model.visual(images)        # (B, 1+N, Dv)  CLS first, after a final LayerNorm
    model.encode_image(images)  # (B, D)  unnormalised
    model.encode_text(texts)    # (T, D)  unnormalised; texts: list[str] or (T, L) ids
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tokenizer import get_tokenizer
from .world import IMAGE_SIZE, PATCH_SIZE


@dataclass
class CLIPConfig:
    image_size: int = IMAGE_SIZE  # H = W of input images
    patch_size: int = PATCH_SIZE  # P; N = (H / P) ** 2 = 64 patch tokens
    vision_dim: int = 64  # Dv, width of the ViT (`visual.dim`)
    vision_depth: int = 2  # transformer blocks in the ViT
    vision_heads: int = 4
    text_dim: int = 64  # Dt, width of the text transformer
    text_depth: int = 2
    text_heads: int = 4
    context_length: int = 16  # L, most text tokens including bos and eos
    vocab_size: int = get_tokenizer().vocab_size  # V
    embed_dim: int = 64  # D, the joint image-text space
    mlp_ratio: float = 4.0  # MLP hidden width = mlp_ratio * width


class Attention(nn.Module):
    """Multi-head self-attention; `mask (B, L)` is True at tokens that may be attended to."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim ({dim}) must be divisible by num_heads ({num_heads}).")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)  # 3 x (B, L, D)
        q, k, v = (t.view(B, L, self.num_heads, -1).transpose(1, 2) for t in (q, k, v))  # (B, nh, L, hs)
        attn_mask = None if mask is None else mask[:, None, None, :]  # (B, 1, 1, L)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)  # (B, nh, L, hs)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))  # (B, L, D)


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x), mask)  # (B, L, D)
        return x + self.mlp(self.ln_2(x))  # (B, L, D)


class VisionTransformer(nn.Module):
    """ViT: 4x4 patches -> linear embedding, CLS token, learned positions, pre-norm blocks.

    forward(images (B, 3, H, W)) -> (B, 1+N, Dv): CLS first, then the N patch features,
    after a final LayerNorm. `dim` is Dv.
    """

    def __init__(self, *, image_size: int, patch_size: int, dim: int, depth: int,
                 num_heads: int, mlp_ratio: float):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image_size ({image_size}) must be divisible by patch_size ({patch_size}).")
        self.image_size, self.patch_size, self.dim = image_size, patch_size, dim
        self.num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + self.num_patches, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio) for _ in range(depth))
        self.ln_post = nn.LayerNorm(dim)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 4 or tuple(images.shape[1:]) != (3, self.image_size, self.image_size):
            raise ValueError(
                f"Input shape ({tuple(images.shape)}) doesn't match model "
                f"(B, 3, {self.image_size}, {self.image_size})."
            )
        x = self.patch_embed(images).flatten(2).transpose(1, 2)  # (B, N, Dv)
        cls = self.cls_token.expand(x.shape[0], -1, -1)  # (B, 1, Dv)
        x = torch.cat([cls, x], dim=1) + self.pos_embed  # (B, 1+N, Dv)
        for block in self.blocks:
            x = block(x)
        return self.ln_post(x)  # (B, 1+N, Dv)


class TextTransformer(nn.Module):
    """Token + learned position embeddings, pre-norm blocks over non-pad tokens, final LayerNorm.

    forward(ids (T, L), [bos] words [eos] right-padded) -> (T, Dt), the feature at each
    row's last non-pad token (its eos).
    """

    def __init__(self, *, vocab_size: int, context_length: int, dim: int, depth: int,
                 num_heads: int, mlp_ratio: float, pad_id: int):
        super().__init__()
        self.context_length, self.dim, self.pad_id = context_length, dim, pad_id
        self.tok_embed = nn.Embedding(vocab_size, dim)
        self.pos_embed = nn.Parameter(torch.randn(1, context_length, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio) for _ in range(depth))
        self.ln_final = nn.LayerNorm(dim)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        T, L = ids.shape
        if L > self.context_length:
            raise ValueError(f"Text length ({L}) exceeds the context length ({self.context_length}).")
        keep = ids != self.pad_id  # (T, L)
        x = self.tok_embed(ids) + self.pos_embed[:, :L]  # (T, L, Dt)
        for block in self.blocks:
            x = block(x, keep)
        x = self.ln_final(x)  # (T, L, Dt)
        last = keep.sum(dim=1).clamp(min=1) - 1  # (T,) index of each row's eos
        return x[torch.arange(T), last]  # (T, Dt)


class TinyCLIP(nn.Module):
    """Image and text encoders projected into one D-dim space, plus a learned logit scale."""

    def __init__(self, config: CLIPConfig | None = None):
        super().__init__()
        self.config = c = config or CLIPConfig()
        self.tokenizer = get_tokenizer()
        self.visual = VisionTransformer(
            image_size=c.image_size, patch_size=c.patch_size, dim=c.vision_dim,
            depth=c.vision_depth, num_heads=c.vision_heads, mlp_ratio=c.mlp_ratio,
        )  # fmt: skip
        self.text = TextTransformer(
            vocab_size=c.vocab_size, context_length=c.context_length, dim=c.text_dim,
            depth=c.text_depth, num_heads=c.text_heads, mlp_ratio=c.mlp_ratio,
            pad_id=self.tokenizer.pad_id,
        )  # fmt: skip
        self.image_proj = nn.Linear(c.vision_dim, c.embed_dim, bias=False)
        self.text_proj = nn.Linear(c.text_dim, c.embed_dim, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))  # exp() = 1 / temperature

    def tokenize(self, texts: list[str]) -> torch.Tensor:
        """`(T, L)` long ids, rows `[bos] + encode(text) + [eos]` right-padded (words cut to fit)."""
        tok, room = self.tokenizer, self.config.context_length - 2
        rows = [[tok.bos_id] + tok.encode(t)[:room] + [tok.eos_id] for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), tok.pad_id, dtype=torch.long)  # (T, L)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
        return ids.to(self.logit_scale.device)

    def encode_image(self, images: torch.Tensor) -> torch.Tensor:
        """images (B, 3, H, W) -> (B, D), the projected CLS feature, unnormalised."""
        return self.image_proj(self.visual(images)[:, 0])  # (B, D)

    def encode_text(self, texts: list[str] | torch.Tensor) -> torch.Tensor:
        """texts (T strings, or `(T, L)` ids as `tokenize` makes them) -> (T, D), unnormalised."""
        if isinstance(texts, str):
            raise TypeError("encode_text takes a list of strings, not one string")
        ids = texts if isinstance(texts, torch.Tensor) else self.tokenize(list(texts))
        return self.text_proj(self.text(ids))  # (T, D)

    def forward(self, images: torch.Tensor, texts: list[str] | torch.Tensor):
        """-> (logits_per_image (B, T), logits_per_text (T, B)), scaled cosine similarities."""
        img = F.normalize(self.encode_image(images), dim=-1)  # (B, D)
        txt = F.normalize(self.encode_text(texts), dim=-1)  # (T, D)
        logits_per_image = self.logit_scale.exp() * img @ txt.T  # (B, T)
        return logits_per_image, logits_per_image.T  # (B, T), (T, B)
