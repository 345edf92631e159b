# catches: ex13.scalar_differentiable ex13.known_values ex13.asymmetric ex13.matches_reference ex13.temperature ex13.invariances
"""Per-pair losses (B,) returned unreduced: reduction="none" and no mean."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logits = image_emb @ text_emb.T / temperature
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, logits_per_text = clip_logits(image_emb, text_emb, temperature)
    targets = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, targets, reduction="none")
            + F.cross_entropy(logits_per_text, targets, reduction="none")) / 2
