# catches: ex13.logits ex13.known_values ex13.temperature ex13.matches_reference ex13.asymmetric
"""Treats the temperature as open_clip's log-scale: multiplies by exp(temperature)."""
import math

import torch
import torch.nn.functional as F


def clip_logits(image_emb, text_emb, temperature=0.07):
    image_emb = F.normalize(image_emb, dim=-1)
    text_emb = F.normalize(text_emb, dim=-1)
    logit_scale = math.exp(temperature)
    logits = logit_scale * image_emb @ text_emb.T
    return logits, logits.T


def clip_loss(image_emb, text_emb, temperature=0.07):
    logits_per_image, logits_per_text = clip_logits(image_emb, text_emb, temperature)
    targets = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, targets)
            + F.cross_entropy(logits_per_text, targets)) / 2
