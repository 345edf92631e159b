# catches: ex13.logits ex13.known_values ex13.temperature ex13.matches_reference ex13.asymmetric ex13.gradient_descent
"""Multiplies the similarities by the temperature instead of dividing by it."""
import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logits = temperature * image_emb @ text_emb.T
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, logits_per_text = clip_logits(image_emb, text_emb, temperature)
    targets = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, targets)
            + F.cross_entropy(logits_per_text, targets)) / 2
