"""Exercise 13: CLIP's contrastive loss, a symmetric InfoNCE over a batch of pairs.

Shapes: B batch (B matched image/text pairs: image i goes with text i), D embedding width.
"""
import torch
import torch.nn.functional as F
from torch import Tensor


def clip_logits(image_emb: Tensor, text_emb: Tensor,
                temperature: float = 0.07) -> tuple[Tensor, Tensor]:
    """Temperature-scaled cosine similarities between every image and every text.

    Args:
        image_emb: ``(B, D)`` image embeddings, any norm.
        text_emb: ``(B, D)`` text embeddings, any norm.
        temperature: a positive float; the similarities are divided by it.
    Returns:
        ``(logits_per_image, logits_per_text)``, each ``(B, B)``. Both embeddings are
        L2-normalised along their last dimension (each embedding to unit length), then
        ``logits_per_image[i, j] = cos(image i, text j) / temperature``, and
        ``logits_per_text`` is its transpose (row j: text j against every image).
    """
    raise NotImplementedError


def clip_loss(image_emb: Tensor, text_emb: Tensor, temperature: float = 0.07) -> Tensor:
    """The symmetric contrastive (InfoNCE) loss CLIP trains with.

    Args:
        image_emb: ``(B, D)`` image embeddings; row i is paired with ``text_emb`` row i.
        text_emb: ``(B, D)`` text embeddings.
        temperature: a positive float, as in ``clip_logits``.
    Returns:
        A scalar float tensor (0-d), differentiable with respect to both inputs: the mean
        of two cross-entropies with targets ``arange(B)`` (pair i is the right answer for
        row i), image->text over ``logits_per_image`` and text->image over
        ``logits_per_text``, each averaged over the batch.
    """
    raise NotImplementedError
